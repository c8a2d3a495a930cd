import { describe, expect, it } from 'vitest';
import { DEADLETTER_PK, GROUP_PK } from '../../lib/alerts/index.js';
import type { JobwatchEvent } from '../../lib/events/schema.js';
import { silentLogger } from '../../lib/observability/logger.js';
import {
  listEveryDeadLetter,
  parkForSubscriber,
  redeliverParked,
  retryNotificationsNow,
  SUBSCRIBER_DEADLETTER_PKS,
} from '../../lib/runtime/dead-letters.js';
import { createLocalPipeline } from '../../lib/runtime/services.js';
import { CHANNEL_CONFIGS, configWith, jobEvent, resolvedOf, T0, useSinkAndStore } from '../alerts/helpers.js';

const h = useSinkAndStore();

function pipeline(route: Record<string, unknown> = {}) {
  return createLocalPipeline({
    config: configWith({
      channels: [CHANNEL_CONFIGS.webhook],
      route: { receiver: 'webhook', groupWaitSeconds: 0, groupIntervalSeconds: 300, ...route },
    }),
    ...h.notifierDeps(),
    providers: {},
  });
}

const parked = (pk: string) => h.store.query<{ event: JobwatchEvent }>(pk, { consistent: true });

describe('dead letters of notify and remediate', () => {
  it('are handed back to their subscriber by the flush job, delivered once, then deleted', async () => {
    const p = pipeline();
    const failed = jobEvent({ name: 'etl-orders' });
    const acted = jobEvent({ name: 'etl-billing' });
    await parkForSubscriber(h.store, 'notify', [failed], 'NotifierError: h.store unavailable', h.nowMs);
    await parkForSubscriber(h.store, 'remediate', [acted], 'RemediationIncompleteError: audit', h.nowMs);
    // Parked as they came: same id, times and observation, so a late replay is judged by its age.
    expect((await parked(SUBSCRIBER_DEADLETTER_PKS.notify))[0]?.data.event).toEqual(failed);
    expect((await listEveryDeadLetter(h.store)).map((r) => r.kind).sort()).toEqual(['notify', 'remediate']);

    expect(await p.replayDeadLetters()).toEqual({ replayed: 2, remaining: 0 });
    await p.settle();
    expect(h.sink.messages.map((m) => JSON.stringify(m.body).includes('etl-orders'))).toEqual([true]);
    expect(await listEveryDeadLetter(h.store)).toEqual([]);
    // Nothing left: the next flush delivers nothing twice.
    expect(await p.replayDeadLetters()).toEqual({ replayed: 0, remaining: 0 });
    expect(h.sink.messages).toHaveLength(1);
    await p.notifier.close();
  });

  it('an old firing replayed after its resolution was sent does not alert again', async () => {
    const p = pipeline();
    const firing = jobEvent({ name: 'etl-orders', observedAtMs: T0 });
    await p.notifier.handle([firing]);
    h.nowMs += 300_000;
    await p.notifier.handle([resolvedOf(firing, h.nowMs)]);
    expect(h.sink.messages.map((m) => (m.body as { status: string }).status)).toEqual(['firing', 'resolved']);

    // The firing copy notify failed on long ago comes back from the dead letter, unchanged.
    await parkForSubscriber(h.store, 'notify', [firing], 'NotifierError: h.store unavailable', T0);
    h.nowMs += 10 * 60_000;
    expect(await p.replayDeadLetters()).toEqual({ replayed: 1, remaining: 0 });
    await p.notifier.flush();
    expect(h.sink.messages).toHaveLength(2);
    await p.notifier.close();
  });

  it('keep an event that still fails, oldest first, without holding back the others', async () => {
    const events = ['a', 'b', 'c'].map((name, i) => jobEvent({ name, startsAtMs: T0 + i * 1000 }));
    await parkForSubscriber(h.store, 'notify', events, 'NotifierError: boom', h.nowMs);
    const seen: string[] = [];
    const result = await redeliverParked(
      { store: h.store, logger: silentLogger },
      'notify',
      async ([event]) => {
        seen.push(event?.data.resource.name ?? '');
        if (event?.data.resource.name === 'b') throw new Error('still failing');
      },
    );
    expect(result).toEqual({ replayed: 2, remaining: 1 });
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(
      (await parked(SUBSCRIBER_DEADLETTER_PKS.notify)).map((i) => i.data.event.data.resource.name),
    ).toEqual(['b']);
  });
});

describe('undelivered notifications', () => {
  it('are listed, and an operator replay sends their group now and clears them', async () => {
    h.sink.failNext('webhook', 1, 400);
    const p = pipeline();
    await p.notifier.handle([jobEvent({ name: 'etl-orders' })]);
    const [row] = await listEveryDeadLetter(h.store);
    expect(row).toMatchObject({ kind: 'notification', subject: 'webhook firing: 1 firing, 0 resolved' });
    expect(row?.reason).toContain('HTTP 400');

    // Not due again for a group interval; the operator does not wait for it.
    h.nowMs += 1_000;
    expect(await retryNotificationsNow(h.store, h.nowMs)).toEqual({ due: 1, obsolete: 0 });
    expect(await p.notifier.flush()).toMatchObject({ sent: 1 });
    expect(await h.store.query(DEADLETTER_PK, { consistent: true })).toEqual([]);
  });

  it('drops a record whose group is gone', async () => {
    h.sink.failNext('webhook', 1, 400);
    const p = pipeline();
    await p.notifier.handle([jobEvent({ name: 'etl-orders' })]);
    const [group] = await h.store.query(GROUP_PK, { consistent: true });
    await h.store.delete(GROUP_PK, group?.sk ?? '');
    expect(await retryNotificationsNow(h.store, h.nowMs)).toEqual({ due: 0, obsolete: 1 });
    expect(await listEveryDeadLetter(h.store)).toEqual([]);
  });
});
