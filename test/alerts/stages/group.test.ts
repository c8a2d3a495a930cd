import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupKeyFor, groupLabelsFor, routeTree } from '../../../lib/alerts/route.js';
import {
  advanceGroup,
  batchByGroup,
  GROUP_PK,
  type GroupState,
  groupTargets,
  handledBySend,
  mergeIntoGroup,
  resolvedHandled,
  upsertGroup,
} from '../../../lib/alerts/stages/group.js';
import { jobEvent, resolvedOf, T0, webhookReceivers } from '../helpers.js';
import { recordingLogger, routeOf, stageConfig, useStore } from './fixtures.js';

const h = useStore();

describe('stage group: groupTargets and batchByGroup (dispatch)', () => {
  it('sends an event to every matching route with a known receiver, logging an unknown one', () => {
    // Arrange
    const config = stageConfig({
      channels: webhookReceivers(['webhook', 'ops'], 'env:WEBHOOK_URL'),
      route: {
        receiver: 'webhook',
        routes: [
          { severities: ['critical'], receiver: 'webhook', continue: true },
          { severities: ['critical'], receiver: 'ops' },
        ],
      },
    });
    const logger = recordingLogger();
    const event = jobEvent({ name: 'a' });
    // Act
    const both = groupTargets(routeTree(config), () => true, event, logger);
    const withoutOps = groupTargets(routeTree(config), (name) => name !== 'ops', event, logger);
    // Assess
    expect(both.map((t) => t.sk.split('#')[0])).toEqual(['webhook', 'ops']);
    expect(both[0]?.groupLabels).toEqual({ alertname: 'job.failed', target: 'prod-blink' });
    expect(withoutOps.map((t) => t.sk.split('#')[0])).toEqual(['webhook']);
    expect(logger.lines.map((l) => `${l.level} ${l.message}`)).toEqual([
      'error route names an unknown receiver',
    ]);
  });

  it('batches events per group, oldest observation first', () => {
    // Arrange
    const late = jobEvent({ name: 'a', observedAtMs: T0 + 2000 });
    const early = jobEvent({ name: 'b', observedAtMs: T0 + 1000 });
    const stuck = jobEvent({ name: 'c', type: 'job.stuck', observedAtMs: T0 });
    // Act
    const batches = batchByGroup([late, early, stuck], (e) => [routeOf(e)]);
    // Assess
    expect(batches.map((b) => b.events.map((e) => e.data.resource.name))).toEqual([['b', 'a'], ['c']]);
  });
});

describe('stage group: mergeIntoGroup', () => {
  const firing = jobEvent({ name: 'a', observedAtMs: T0 });
  const target = routeOf(firing);

  it('opens a group due after group_wait', () => {
    // Act
    const group = mergeIntoGroup(undefined, target, [firing], T0);
    // Assess
    expect(group?.createdAtMs).toBe(T0);
    expect(group?.nextFlushAtMs).toBe(T0 + 30_000);
    expect(Object.keys(group?.alerts ?? {})).toEqual([firing.data.fingerprint]);
  });

  it('changes nothing for a duplicate, an older event or a resolution of an alert it never had', () => {
    // Arrange
    const resolved = resolvedOf(firing, T0 + 60_000);
    const group = mergeIntoGroup(
      undefined,
      target,
      [resolved.data.status === 'resolved' ? firing : firing],
      T0,
    );
    const withResolve = mergeIntoGroup(group, target, [resolved], T0) as GroupState;
    const stranger = resolvedOf(jobEvent({ name: 'z' }), T0);
    // Act / Assess
    expect(mergeIntoGroup(withResolve, target, [resolved], T0)).toBeUndefined();
    expect(mergeIntoGroup(withResolve, target, [firing], T0)).toBeUndefined();
    expect(mergeIntoGroup(withResolve, target, [stranger], T0)).toBeUndefined();
    expect(withResolve.alerts[firing.data.fingerprint]?.event.id).toBe(resolved.id);
    expect(group?.alerts[firing.data.fingerprint]?.event.id).toBe(firing.id);
  });
});

describe('stage group: upsertGroup and advanceGroup (store)', () => {
  it('eight concurrent deliveries into one group all land', async () => {
    // Arrange
    const events = Array.from({ length: 8 }, (_, i) => jobEvent({ name: `j${i}` }));
    const target = routeOf(events[0] as (typeof events)[number]);
    // Act
    await Promise.all(events.map((e) => upsertGroup(h.store, target, [e], T0)));
    // Assess
    const group = await h.store.get<GroupState>(GROUP_PK, target.sk);
    expect(Object.keys(group?.data.alerts ?? {}).sort()).toEqual(
      events.map((e) => e.data.fingerprint).sort(),
    );
  });

  it('drops handled alerts unless a newer event came, never moves the timer back, deletes an empty group', async () => {
    // Arrange
    const a = jobEvent({ name: 'a', observedAtMs: T0 });
    const b = jobEvent({ name: 'b', observedAtMs: T0 });
    const target = routeOf(a);
    await upsertGroup(h.store, target, [a, b], T0);
    await upsertGroup(h.store, target, [resolvedOf(a, T0 + 1000), resolvedOf(b, T0 + 1000)], T0);
    const before = (await h.store.get<GroupState>(GROUP_PK, target.sk))?.data as GroupState;
    const handled = resolvedHandled(before);
    // b fires again before the flush records its resolve as handled.
    await upsertGroup(h.store, target, [jobEvent({ name: 'b', observedAtMs: T0 + 2000 })], T0);
    // Act
    await advanceGroup(h.store, target.sk, handled, T0 + 10_000);
    const after = (await h.store.get<GroupState>(GROUP_PK, target.sk))?.data;
    await advanceGroup(h.store, target.sk, new Map(), T0 + 5_000);
    const timer = (await h.store.get<GroupState>(GROUP_PK, target.sk))?.data.nextFlushAtMs;
    await advanceGroup(h.store, target.sk, handledBySend(after as GroupState), T0 + 20_000);
    await advanceGroup(
      h.store,
      target.sk,
      new Map([[b.data.fingerprint, (after as GroupState).alerts[b.data.fingerprint]?.event.id ?? '']]),
      T0 + 20_000,
    );
    // Assess
    expect(handled.size).toBe(2);
    expect(Object.keys(after?.alerts ?? {})).toEqual([b.data.fingerprint]);
    expect(after?.nextFlushAtMs).toBe(T0 + 30_000);
    expect(timer).toBe(T0 + 30_000);
    expect(await h.store.get(GROUP_PK, target.sk)).toBeUndefined();
  });
});

describe('group keys', () => {
  it('digest the labels sorted by name as JSON entries, whatever order they come in', () => {
    const expected = (labels: Record<string, string>) =>
      `root.1:${createHash('sha256')
        .update(JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))))
        .digest('hex')
        .slice(0, 16)}`;
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string(), { maxKeys: 6 }), (labels) => {
        const reversed = Object.fromEntries(Object.entries(labels).reverse());
        expect(groupKeyFor('root.1', labels)).toBe(expected(labels));
        expect(groupKeyFor('root.1', reversed)).toBe(expected(labels));
      }),
      { numRuns: 500 },
    );
    expect(groupKeyFor('root', groupLabelsFor(['target', 'alertname'], { alertname: 'job.failed' }))).toBe(
      expected({ alertname: 'job.failed', target: '' }).replace('root.1:', 'root:'),
    );
    // A key made before is found again for equal labels, per route, and a label more is another group.
    const labels = { alertname: 'job.failed', target: 'bench' };
    for (let i = 0; i < 2; i++) {
      expect(groupKeyFor('root.1', { ...labels })).toBe(expected(labels));
      expect(groupKeyFor('root.0', { ...labels })).toBe(expected(labels).replace('root.1:', 'root.0:'));
      expect(groupKeyFor('root.1', { ...labels, team: '' })).toBe(expected({ ...labels, team: '' }));
      expect(groupKeyFor('root.1', { alertname: 'job.failed' })).toBe(expected({ alertname: 'job.failed' }));
    }
  });
});
