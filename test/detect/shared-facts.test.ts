/**
 * Events of one poll share what is equal between them (evidence items, health facts) instead of each
 * keeping its own copy (issue 17). Sharing must never change what an event says.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobRef, jobRefOr } from '../../lib/detect/describe.js';
import { healthFact, healthOfJob, jobHealthFact } from '../../lib/detect/health.js';
import type { ConditionState, ResourceState } from '../../lib/detect/state.js';
import { HEALTH_WINDOW_MS } from '../../lib/diagnose/health.js';
import type { JobSnapshot } from '../../lib/model/snapshot.js';
import { Driver, MIN, makeJob, T0 } from './factories.js';

const NOW = T0 + 90 * MIN;

/** Times of which `inside` fall within the health window ending at NOW, the rest before it. */
const timesArb = fc
  .tuple(fc.nat({ max: 25 }), fc.nat({ max: 3 }))
  .map(([inside, outside]) => [
    ...Array.from({ length: outside }, (_, i) => NOW - HEALTH_WINDOW_MS - i * MIN),
    ...Array.from({ length: inside }, (_, i) => NOW - i * 1000),
  ]);

const conditionArb = fc.record({
  type: fc.constantFrom('checkpoint.stalled', 'metric.threshold', 'job.failed', 'failover.burst'),
  discriminator: fc.constantFrom('delay', 'backlog'),
  firing: fc.boolean(),
});

const stateArb = fc
  .record({
    failures: fc.option(timesArb, { nil: undefined }),
    failovers: fc.option(timesArb, { nil: undefined }),
    checkpointFailures: fc.option(timesArb, { nil: undefined }),
    state: fc.constantFrom('FAILED', 'RUNNING', 'STOPPED'),
    conditions: fc.array(conditionArb, { maxLength: 3 }),
  })
  .map(({ failures, failovers, checkpointFailures, state, conditions }): ResourceState => {
    const recent: Record<string, number[]> = {};
    if (failures) recent['failures'] = failures;
    if (failovers) recent['failovers'] = failovers;
    if (checkpointFailures) recent['checkpointFailures'] = checkpointFailures;
    const stored: Record<string, ConditionState> = {};
    for (const c of conditions)
      stored[`${c.type}|${c.discriminator}`] = {
        type: c.type,
        discriminator: c.discriminator,
        seen: 1,
        absent: 0,
        firing: c.firing,
        startsAtMs: T0,
      } as ConditionState;
    return {
      v: 1,
      ref: { key: 'k', kind: 'job', name: 'j', vendorId: 'j', scope: { kind: 'project', id: 'p' } },
      labels: {},
      job: { state, sinceMs: T0, recent } as ResourceState['job'],
      conditions: stored,
    } as ResourceState;
  });

describe('facts shared between events', () => {
  it('the health a firing event carries is the score computed from scratch, whatever was computed before', () => {
    fc.assert(
      fc.property(stateArb, fc.constantFrom([], ['metrics'], ['checkpoints', 'state']), (state, missing) => {
        const fresh = healthFact(healthOfJob(state, NOW, missing));
        expect(jobHealthFact(state, NOW, missing)).toEqual(fresh);
      }),
      { numRuns: 500 },
    );
  });

  it('jobs failing at the same time share evidence items, and each event says what it said alone', () => {
    const names = ['orders-etl', 'billing-etl'];
    const shared = new Driver();
    shared.poll({ at: 0, jobs: names.map((name) => makeJob({ name, state: 'RUNNING' })) });
    const events = shared.poll({ at: 1, jobs: names.map((name) => makeJob({ name, state: 'FAILED' })) });
    const [first, second] = events.map((e) => e.data.diagnosis?.evidence ?? []);
    expect(first?.map((item) => item.label)).toEqual(['state', 'transition', 'instance']);
    for (const [i, item] of (first ?? []).entries()) expect(second?.[i]).toBe(item);

    // The same job alone, in a driver of its own: the same JSON.
    for (const [i, name] of names.entries()) {
      const alone = new Driver();
      alone.poll({ at: 0, jobs: [makeJob({ name, state: 'RUNNING' })] });
      const [event] = alone.poll({ at: 1, jobs: [makeJob({ name, state: 'FAILED' })] });
      expect(JSON.stringify(events[i]?.data.diagnosis)).toBe(JSON.stringify(event?.data.diagnosis));
    }
  });

  it('an item with the same text but another time or label is not taken for the shared one', () => {
    const driver = new Driver();
    driver.poll({ at: 0, jobs: [makeJob({ name: 'a', state: 'RUNNING', instanceId: 'x' })] });
    const [early] = driver.poll({ at: 1, jobs: [makeJob({ name: 'a', state: 'FAILED', instanceId: 'x' })] });
    const other = new Driver();
    // The instance id reads like the other job's whole evidence line: a value shared by text alone would
    // carry the wrong label.
    const stateText = early?.data.diagnosis?.evidence[0]?.value as string;
    other.poll({ at: 0, jobs: [makeJob({ name: 'b', state: 'RUNNING', instanceId: stateText })] });
    const [late] = other.poll({
      at: 1,
      jobs: [makeJob({ name: 'b', state: 'FAILED', instanceId: stateText })],
    });
    const evidence = late?.data.diagnosis?.evidence ?? [];
    expect(evidence[0]).toEqual({ label: 'state', value: stateText, atMs: T0 + MIN });
    expect(evidence[2]).toEqual({ label: 'instance', value: stateText });
    expect(early?.data.diagnosis?.evidence[0]).toEqual({ label: 'state', value: stateText, atMs: T0 + MIN });
    // A later poll's state line has a text of its own; one with the same text at another time is its own item.
    const [later] = other.poll({ at: 3, jobs: [makeJob({ name: 'b', state: 'FAILED', instanceId: 'y' })] });
    expect(later?.data.diagnosis?.evidence[0]?.atMs).toBe(T0 + MIN);
  });

  it('a state item is made again for the same state and start seen at another time', () => {
    const failing = (name: string) => makeJob({ name, state: 'FAILED', stateSinceMs: T0 + MIN });
    const early = new Driver();
    early.poll({ at: 0, jobs: [makeJob({ name: 'a', state: 'RUNNING' })] });
    const [first] = early.poll({ at: 1, jobs: [failing('a')] });
    const late = new Driver();
    late.poll({ at: 0, jobs: [makeJob({ name: 'b', state: 'RUNNING' })] });
    const [second] = late.poll({ at: 3, jobs: [failing('b')] });
    expect(first?.data.diagnosis?.evidence[0]?.value).toBe('FAILED for 0 s (since 2026-11-23T03:01:00.000Z)');
    expect(second?.data.diagnosis?.evidence[0]?.value).toBe(
      'FAILED for 2 min (since 2026-11-23T03:01:00.000Z)',
    );
    expect(second?.data.diagnosis?.evidence[1]).toBe(first?.data.diagnosis?.evidence[1]);
  });

  it('a job keeps its stored reference while jobRef would make an equal one, and gets the new one otherwise', () => {
    const jobArb = fc
      .record({
        name: fc.constantFrom('a', 'b'),
        vendorId: fc.constantFrom('1', '2'),
        instanceId: fc.constantFrom(undefined, 'i-1', 'i-2'),
        kind: fc.constantFrom('flink-stream', 'spark-batch'),
        scopeName: fc.constantFrom(undefined, '', 'analytics'),
        scopeId: fc.constantFrom('p1', 'p2'),
      })
      .map(({ name, vendorId, instanceId, kind, scopeName, scopeId }) => {
        const job = makeJob({
          name,
          vendorId,
          kind,
          scope: { kind: 'project', id: scopeId },
        } as Partial<JobSnapshot>);
        if (instanceId === undefined) delete job.instanceId;
        else job.instanceId = instanceId;
        if (scopeName !== undefined) job.scope.name = scopeName;
        return job;
      });
    const extra = fc.constantFrom(undefined, 'member', 'scope member');
    fc.assert(
      // Half the time the job is the stored one again (a new snapshot object with the same members).
      fc.property(jobArb, fc.option(jobArb, { freq: 2, nil: null }), extra, (stored, other, added) => {
        const job = other ?? (JSON.parse(JSON.stringify(stored)) as JobSnapshot);
        const previous = JSON.parse(JSON.stringify(jobRef(stored)));
        if (added === 'member') previous.extra = 'x';
        if (added === 'scope member') previous.scope.extra = 'x';
        const expected = jobRef(job);
        const same = added === undefined && JSON.stringify(previous) === JSON.stringify(expected);
        const kept = jobRefOr(previous, job);
        if (same) expect(kept).toBe(previous);
        else expect(kept).not.toBe(previous);
        expect(kept).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });
});
