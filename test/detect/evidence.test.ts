/**
 * Missing evidence is not a clear (issue 14, defect 2). For each kind of evidence a collector can fail to
 * read, a firing condition decided from it is neither resolved nor fired again across polls without it, its
 * stored counters and the job's cursors stay exactly as they were, and it resolves as usual once the
 * evidence is back and healthy.
 */
import { describe, expect, it } from 'vitest';
import type { ResourceState } from '../../lib/detect/index.js';
import type { JobSnapshot } from '../../lib/model/snapshot.js';
import { brief, Driver, MIN, makeJob, type Poll, T0, type TargetOptions } from './factories.js';

const at = (minutes: number) => T0 + minutes * MIN;
const running = (overrides: Partial<JobSnapshot> = {}) => makeJob({ state: 'RUNNING', ...overrides });

/** Runs the polls and returns each poll's events plus the job's stored state after each poll. */
function run(polls: Poll[], options?: TargetOptions) {
  const driver = new Driver(options);
  const key = makeJob().key;
  const stored: (ResourceState | undefined)[] = [];
  const events = polls.map((poll) => {
    const out = driver.poll(poll).map(brief);
    stored.push(structuredClone(driver.stored.get(key)));
    return out;
  });
  return { events, stored };
}

describe('missing evidence holds the conditions decided from it', () => {
  it('checkpoints: a failed checkpoint read neither resolves checkpoint.failed nor re-fires it', () => {
    const failures = (...ids: number[]) => ids.map((id) => ({ id, atMs: at(id - 100), message: 'expired' }));
    const { events, stored } = run([
      { jobs: [running({ checkpoints: { failedCount: 1, recentFailures: failures(101) } })] },
      { jobs: [running({ checkpoints: { failedCount: 2, recentFailures: failures(101, 102) } })] },
      // GetInstanceCheckpoint failed twice: no checkpoint statistics this poll.
      { jobs: [running({ missing: ['checkpoints'] })] },
      { jobs: [running({ missing: ['checkpoints'] })] },
      // Back, still failing (103 and 104 failed while unread): the same incident, no new page.
      { jobs: [running({ checkpoints: { failedCount: 4, recentFailures: failures(102, 103, 104) } })] },
      // Healthy again: resolves after resolvePolls (2) clean polls.
      { jobs: [running({ checkpoints: { failedCount: 4, recentFailures: failures(103, 104) } })] },
      { jobs: [running({ checkpoints: { failedCount: 4, recentFailures: failures(103, 104) } })] },
    ]);
    expect(events).toEqual([
      [],
      ['checkpoint.failed:firing:warning'],
      [],
      [],
      [],
      [],
      ['checkpoint.failed:resolved:warning'],
    ]);
    // Held means untouched: the condition's counters and the checkpoint cursor are those of poll 1.
    expect(stored[2]?.conditions).toEqual(stored[1]?.conditions);
    expect(stored[3]?.conditions).toEqual(stored[1]?.conditions);
    expect(stored[3]?.job?.checkpoint).toEqual({ maxFailedId: 102, failedCount: 2, instanceId: 'i-1' });
    expect(stored[4]?.job?.checkpoint).toEqual({ maxFailedId: 104, failedCount: 4, instanceId: 'i-1' });
  });

  it('checkpoints: statistics sent along with a missing flag move no cursor', () => {
    // A collector that read part of the document and then failed marks it missing: nothing in it counts.
    const { events, stored } = run([
      { jobs: [running({ checkpoints: { failedCount: 0, recentFailures: [] } })] },
      {
        jobs: [
          running({
            missing: ['checkpoints'],
            checkpoints: { failedCount: 3, recentFailures: [{ id: 7, atMs: at(0.5) }] },
          }),
        ],
      },
    ]);
    expect(events).toEqual([[], []]);
    expect(stored[1]?.job?.checkpoint).toEqual(stored[0]?.job?.checkpoint);
    expect(stored[1]?.conditions).toEqual({});
  });

  it('failovers: a failed exceptions read neither resolves failover.burst nor re-fires it', () => {
    // A job failing over every minute; GetInstanceExceptions fails from minute 4 to minute 14.
    const crashLoop = (m: number) =>
      running({
        failovers: [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5]
          .filter((f) => f <= m && f > m - 5)
          .map((f) => ({ atMs: at(f), message: 'TaskManager lost' })),
      });
    const polls: Poll[] = [0, 1, 2, 3].map((m) => ({ at: m, jobs: [crashLoop(m)] }));
    for (let m = 4; m <= 14; m++) polls.push({ at: m, jobs: [running({ missing: ['failovers'] })] });
    // Back at 15 with the loop still going, then the loop stops (the vendor keeps listing the last ones).
    polls.push({ at: 15, jobs: [crashLoop(15)] });
    polls.push({ at: 30, jobs: [crashLoop(15)] }, { at: 31, jobs: [crashLoop(15)] });
    const { events, stored } = run(polls);
    const fired = events
      .map((e, i) => (e.length > 0 ? `${polls[i]?.at} ${e.join(' ')}` : ''))
      .filter(Boolean);
    expect(fired).toEqual(['3 failover.burst:firing:critical', '31 failover.burst:resolved:critical']);
    // The failover cursor and its window stay as poll 3 left them through every poll without evidence.
    for (let i = 4; i <= 14; i++) {
      expect(stored[i]?.job?.failover).toEqual(stored[3]?.job?.failover);
      expect(stored[i]?.conditions).toEqual(stored[3]?.conditions);
    }
  });

  it('metrics: a failed metric read holds a breach, whatever state the job is reported in', () => {
    // Blink reads metrics for jobs whose vendor state is RUNNING; a pause requested by a person makes the
    // job STOPPING while it still runs, and a failed read there is as unknown as anywhere.
    const delay = (value: number, m: number) => [{ name: 'delay', value, atMs: at(m) }];
    const options: TargetOptions = { rules: { metrics: [{ name: 'delay', above: 1000, forPolls: 1 }] } };
    const { events, stored } = run(
      [
        { jobs: [running({ metrics: delay(5000, 0) })] },
        { jobs: [running({ metrics: delay(6000, 1) })] },
        { jobs: [running({ missing: ['metrics'] })] },
        { jobs: [makeJob({ state: 'STOPPING', missing: ['metrics'] })] },
        { jobs: [makeJob({ state: 'STOPPING', missing: ['metrics'] })] },
        { jobs: [running({ metrics: delay(7000, 5) })] },
        { jobs: [running({ metrics: delay(100, 6) })] },
        { jobs: [running({ metrics: delay(100, 7) })] },
      ],
      options,
    );
    expect(events).toEqual([
      ['metric.threshold:firing:warning'],
      [],
      [],
      [],
      [],
      [],
      [],
      ['metric.threshold:resolved:warning'],
    ]);
    expect(stored[4]?.conditions).toEqual(stored[1]?.conditions);
  });

  it('metrics: a poll without the metric does not count towards forPolls', () => {
    const delay = (value: number, m: number) => [{ name: 'delay', value, atMs: at(m) }];
    const options: TargetOptions = { rules: { metrics: [{ name: 'delay', above: 1000, forPolls: 3 }] } };
    const { events } = run(
      [
        { jobs: [running({ metrics: delay(5000, 0) })] },
        { jobs: [running({ metrics: delay(5000, 1) })] },
        { jobs: [makeJob({ state: 'STOPPING', missing: ['metrics'], metrics: delay(5000, 2) })] },
        { jobs: [running({ metrics: delay(5000, 3) })] },
      ],
      options,
    );
    expect(events).toEqual([[], [], [], ['metric.threshold:firing:warning']]);
  });

  it('state: an unverified state neither resolves job.failed nor re-fires it', () => {
    // Blink batch jobs: ListInstance says RUNNING, GetInstanceFinalState (what YARN says) failed.
    const failed = (overrides: Partial<JobSnapshot> = {}) =>
      makeJob({
        kind: 'flink-batch',
        state: 'FAILED',
        stateCause: 'system',
        stateSinceMs: at(0.5),
        ...overrides,
      });
    const unverified = () => makeJob({ kind: 'flink-batch', state: 'RUNNING', missing: ['state'] });
    const { events, stored } = run([
      { jobs: [failed()] },
      { jobs: [unverified()] },
      { jobs: [unverified()] },
      { jobs: [failed()] },
      { jobs: [makeJob({ kind: 'flink-batch', state: 'RUNNING' })] },
      { jobs: [makeJob({ kind: 'flink-batch', state: 'RUNNING' })] },
    ]);
    expect(events).toEqual([
      ['job.failed:firing:critical'],
      [],
      [],
      [],
      [],
      ['job.failed:resolved:critical'],
    ]);
    expect(stored[2]?.conditions).toEqual(stored[0]?.conditions);
    expect(stored[2]?.job).toEqual(stored[0]?.job);
  });

  it('state: a poll without state evidence does not count towards firePolls', () => {
    const failed = (overrides: Partial<JobSnapshot> = {}) =>
      makeJob({ state: 'FAILED', stateCause: 'system', stateSinceMs: at(0.5), ...overrides });
    const { events } = run(
      [
        { jobs: [running()] },
        { jobs: [failed()] },
        { jobs: [failed({ missing: ['state'] })] },
        { jobs: [failed()] },
      ],
      { rules: { hysteresis: { firePolls: 2 } } },
    );
    expect(events).toEqual([[], [], [], ['job.failed:firing:critical']]);
  });

  it('evidence of one kind missing leaves conditions decided from other kinds alone', () => {
    const { events } = run([
      { jobs: [makeJob({ state: 'FAILED', stateCause: 'system' })] },
      { jobs: [running({ missing: ['checkpoints', 'failovers', 'metrics', 'details'] })] },
      { jobs: [running({ missing: ['checkpoints', 'failovers', 'metrics', 'details'] })] },
    ]);
    expect(events).toEqual([['job.failed:firing:critical'], [], ['job.failed:resolved:critical']]);
  });

  it('firing events say which evidence the poll lacked', () => {
    const driver = new Driver();
    const [event] = driver.poll({
      jobs: [makeJob({ state: 'FAILED', stateCause: 'system', missing: ['details', 'checkpoints'] })],
    });
    expect(event?.data.values.missingEvidence).toBe('checkpoints,details');
  });
});
