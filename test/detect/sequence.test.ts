/**
 * Drives detect() over a scripted 24-minute day on one target (one poll per minute), persisting state
 * between polls like the runtime, and checks the whole event timeline plus the invariants every run must keep.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type JobwatchEvent, parseEvent } from '../../lib/events/index.js';
import type { JobSnapshot, JobState } from '../../lib/model/snapshot.js';
import { Driver, MIN, makeContainer, makeError, makeJob, type Poll, T0 } from './factories.js';

const at = (minutes: number) => T0 + minutes * MIN;

/** orders-etl fails at 5 and is restarted (new instance) at 9. */
function orders(m: number): JobSnapshot {
  if (m < 5) return makeJob({ name: 'orders-etl', stateSinceMs: at(-30), containerKey: makeContainer().key });
  if (m < 9)
    return makeJob({
      name: 'orders-etl',
      state: 'FAILED',
      stateCause: 'system',
      stateSinceMs: at(5),
      lastError: 'Checkpoint storage unavailable',
      containerKey: makeContainer().key,
    });
  return makeJob({
    name: 'orders-etl',
    instanceId: 'i-2',
    stateSinceMs: at(9),
    containerKey: makeContainer().key,
  });
}

/** clicks crash-loops (failovers at 10, 11, 12) and stops completing checkpoints between 14 and 18. */
function clicks(m: number): JobSnapshot {
  const lastCompleted = m >= 14 && m < 18 ? 14 : m;
  return makeJob({
    name: 'clicks',
    vendorId: 'clicks',
    stateSinceMs: at(-120),
    checkpoints: {
      intervalMs: MIN,
      toleratedFailures: 0,
      lastCompletedAtMs: at(lastCompleted),
      lastCompletedId: 100 + lastCompleted,
    },
    failovers: [10, 11, 12]
      .filter((f) => f <= m)
      .map((f) => ({ atMs: at(f - 0.5), message: 'TaskManager lost' })),
  });
}

/** nightly waits in PENDING for 4 minutes, then runs past its 10-minute limit. */
function nightly(m: number): JobSnapshot {
  const base = { name: 'nightly', vendorId: 'nightly', kind: 'spark-batch' as const, instanceId: 'batch-7' };
  return m < 4
    ? makeJob({ ...base, state: 'PENDING', stateSinceMs: at(0) })
    : makeJob({ ...base, state: 'RUNNING', stateSinceMs: at(4), startedAtMs: at(4) });
}

function day(m: number): Poll {
  const throttled = m >= 15 && m < 18;
  return {
    at: m,
    // While throttled the listing is incomplete and nightly is missing from it.
    jobs: throttled ? [orders(m), clicks(m)] : [orders(m), clicks(m), nightly(m)],
    containers: [makeContainer({ health: m === 6 || m === 7 ? 'DEGRADED' : 'HEALTHY' })],
    errors: throttled ? [makeError({ operation: 'ListBatches', atMs: at(m) })] : [],
    complete: !throttled,
  };
}

function timeline(polls: JobwatchEvent[][]): string[] {
  return polls.flatMap((events, m) =>
    events.map((e) => `${m} ${e.data.type}:${e.data.status}:${e.data.severity} ${e.data.resource.name}`),
  );
}

describe('multi-poll sequence', () => {
  it('reports each finding of the scripted day exactly once, and resolves it once', () => {
    const driver = new Driver({ rules: { stuck: { pendingMaxSeconds: 120, runningMaxSeconds: 600 } } });
    const polls = Array.from({ length: 24 }, (_, m) => driver.poll(day(m)));
    expect(timeline(polls)).toEqual([
      // PENDING since 0 with a 120 s limit: 180 s old at minute 3.
      '3 job.stuck:firing:warning nightly',
      '5 job.failed:firing:critical orders-etl',
      // RUNNING at 4 and 5: two clean polls resolve.
      '5 job.stuck:resolved:warning nightly',
      '6 queue.unhealthy:firing:warning q-stream',
      '9 queue.unhealthy:resolved:warning q-stream',
      // The restarted instance runs at 9 and 10.
      '10 job.failed:resolved:critical orders-etl',
      // Third failover inside 10 minutes.
      '12 failover.burst:firing:critical clicks',
      '15 source.unreachable:firing:warning dli-prod',
      // Last checkpoint at 14, limit 60 s x (0 + 2): 180 s old at 17.
      '17 checkpoint.stalled:firing:warning clicks',
      // Third failing poll in a row.
      '17 source.unreachable:firing:critical dli-prod',
      // nightly was missing from the incomplete listings at 15-17 (kept, not resolved); back at 18, 14 min in.
      '18 job.stuck:firing:warning nightly',
      '19 checkpoint.stalled:resolved:warning clicks',
      '19 source.unreachable:resolved:critical dli-prod',
      // The first failover (9.5) leaves the window at 20; resolved at 21.
      '21 failover.burst:resolved:critical clicks',
    ]);
    assertInvariants(polls.flat());
  });
});

/**
 * Invariants of any run: every event is a valid CloudEvent; per fingerprint, a resolve follows a firing,
 * observation times only grow, and firing repeats only to escalate severity or to report a new occurrence
 * of the same incident (same start, next occurrence number).
 */
function assertInvariants(events: JobwatchEvent[]): void {
  const last = new Map<string, JobwatchEvent>();
  for (const event of events) {
    expect(parseEvent(event)).toEqual(event);
    const previous = last.get(event.data.fingerprint);
    if (previous)
      expect(event.data.observedAtMs, `observation went back: ${event.data.title}`).toBeGreaterThan(
        previous.data.observedAtMs as number,
      );
    if (event.data.status === 'resolved') {
      expect(previous?.data.status, `resolve without firing: ${event.data.title}`).toBe('firing');
      expect(event.data.endsAtMs).toBeGreaterThanOrEqual(event.data.startsAtMs);
      expect(event.data.occurrence).toBe(previous?.data.occurrence);
    } else if (previous?.data.status === 'firing') {
      expect(event.data.startsAtMs, `a new incident without a resolve: ${event.data.title}`).toBe(
        previous.data.startsAtMs,
      );
      const recurred = (event.data.occurrence ?? 1) === (previous.data.occurrence ?? 1) + 1;
      const escalated = SEVERITY[event.data.severity] > SEVERITY[previous.data.severity];
      expect(recurred || escalated, `repeated firing: ${event.data.title}`).toBe(true);
    } else {
      expect(event.data.occurrence, `a new incident starts at occurrence 1: ${event.data.title}`).toBe(1);
    }
    last.set(event.data.fingerprint, event);
  }
}

const SEVERITY = { info: 0, warning: 1, critical: 2 } as const;

describe('properties', () => {
  const states: JobState[] = ['PENDING', 'RUNNING', 'PAUSED', 'STOPPING', 'STOPPED', 'FAILED', 'UNKNOWN'];
  const pollArb = fc.record({
    state: fc.constantFrom(...states),
    cause: fc.constantFrom(undefined, 'user' as const, 'system' as const),
    instance: fc.constantFrom('i-1', 'i-2'),
    failedCount: fc.nat({ max: 6 }),
    failoverMinutes: fc.uniqueArray(fc.integer({ min: -15, max: 30 }), { maxLength: 6 }),
    delay: fc.integer({ min: 0, max: 3000 }),
    health: fc.constantFrom(
      'HEALTHY' as const,
      'DEGRADED' as const,
      'UNHEALTHY' as const,
      'UNKNOWN' as const,
    ),
    listed: fc.boolean(),
    complete: fc.boolean(),
    errors: fc.boolean(),
  });
  const hysteresisArb = fc.record({
    firePolls: fc.integer({ min: 1, max: 3 }),
    resolvePolls: fc.integer({ min: 1, max: 3 }),
  });

  it('any poll sequence keeps the firing/resolve invariants and a bounded state', () => {
    fc.assert(
      fc.property(fc.array(pollArb, { minLength: 1, maxLength: 25 }), hysteresisArb, (polls, hysteresis) => {
        const driver = new Driver({
          rules: {
            hysteresis,
            stateChanged: { enabled: true },
            stuck: { pendingMaxSeconds: 120, noProgressSeconds: 120 },
            metrics: [{ name: 'delay', above: 1000, forPolls: 2 }],
          },
        });
        const events = polls.flatMap((p, m) => {
          const job = makeJob({
            state: p.state,
            ...(p.cause ? { stateCause: p.cause } : {}),
            instanceId: p.instance,
            progress: p.delay > 2000 ? 1 : m,
            checkpoints: {
              failedCount: p.failedCount,
              intervalMs: MIN,
              lastCompletedAtMs: at(m - (p.delay % 5)),
            },
            failovers: p.failoverMinutes.filter((f) => f <= m).map((f) => ({ atMs: at(f), message: 'x' })),
            metrics: [{ name: 'delay', value: p.delay, atMs: at(m) }],
          });
          return driver.poll({
            at: m,
            jobs: p.listed ? [job] : [],
            containers: [makeContainer({ health: p.health })],
            errors: p.errors ? [makeError({ atMs: at(m) })] : [],
            complete: p.complete && !p.errors,
          });
        });
        assertInvariants(events);
        // Bounded, not tiny: a job with six conditions firing at once carries each one's occurrence and
        // observation time plus the diagnosis evidence (first exception of a loop, recent transitions);
        // 2048 was exceeded by such a case (seed 893982623: 2051 bytes). The bound guards unbounded growth.
        for (const state of driver.stored.values()) expect(JSON.stringify(state).length).toBeLessThan(4096);
        // What is written is plain JSON with no undefined members (the DynamoDB document client refuses them).
        for (const output of driver.outputs) {
          for (const key of output.changed) {
            const state = output.next.get(key);
            expect(JSON.parse(JSON.stringify(state))).toStrictEqual(state);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('garbage tolerance', () => {
  const odd = fc.oneof(
    fc.constant(Number.NaN),
    fc.constant(Number.POSITIVE_INFINITY),
    fc.double({ min: -1e13, max: 1e13 }),
    fc.integer({ min: T0 - 3_600_000, max: T0 + 3_600_000 }),
  );
  it('vendor numbers that are NaN, infinite, negative or fractional never make detect() throw', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(odd, odd, odd, odd), { minLength: 1, maxLength: 6 }), (polls) => {
        const driver = new Driver({
          rules: {
            stuck: { pendingMaxSeconds: 0.5, runningMaxSeconds: 1.5, noProgressSeconds: 0.25 },
            checkpoint: { stallAfterSeconds: 0.75 },
            metrics: [{ name: 'delay', above: 1, forPolls: 1 }],
          },
        });
        polls.forEach(([a, b, c, d], m) => {
          const events = driver.poll({
            at: m,
            jobs: [
              makeJob({
                state: m % 2 ? 'FAILED' : 'PENDING',
                kind: 'spark-batch',
                stateSinceMs: a,
                startedAtMs: b,
                finishedAtMs: c,
                progress: d,
                checkpoints: {
                  intervalMs: a,
                  timeoutMs: b,
                  lastCompletedAtMs: c,
                  failedCount: d,
                  recentFailures: [{ id: d, atMs: a }],
                },
                failovers: [{ atMs: b, message: 'x' }],
                metrics: [{ name: 'delay', value: d, atMs: c }],
              }),
            ],
            errors: [makeError({ atMs: a })],
          });
          for (const event of events) expect(parseEvent(event)).toEqual(event);
        });
      }),
      { numRuns: 300 },
    );
  });
});
