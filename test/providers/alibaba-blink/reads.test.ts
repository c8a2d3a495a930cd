/**
 * Issue 17, "do less work": a running job's checkpoints and exceptions are read only when the state, the
 * failover rate or the checkpoint duration say something changed, and on every `fullReadEvery`-th poll.
 * Over real sockets against the scripted scenarios: every finding on the same poll as reading everything
 * every poll (`fullReadEvery: 1`, the old behaviour), with far fewer calls.
 */
import { describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../../lib/config/schema.js';
import type { TargetSnapshot } from '../../../lib/model/snapshot.js';
import { toCheckpointStats } from '../../../lib/providers/alibaba-blink/mapping.js';
import { planReads, rememberCheckpoints, targetMemory } from '../../../lib/providers/alibaba-blink/reads.js';
import type { VendorCheckpointsDoc, VendorRunSummary } from '../../../lib/providers/alibaba-blink/schemas.js';
import { beginPoll, fullReadDue } from '../../../lib/providers/read-memory.js';
import { stopAfterEach } from '../../support/stop-after-each.js';
import { detector, jobByName, startBlinkSandbox } from './helpers.js';

const startBlink = stopAfterEach(startBlinkSandbox);

type Options = Record<string, unknown>;

/** Polls a fresh sandbox `polls` times, `everyMs` apart: `poll type status job` lines, calls, snapshots. */
async function timeline(
  scenario: 'test' | 'demo',
  options: Options,
  polls: number,
  everyMs: number,
  startAfterMs = 0,
) {
  const harness = await startBlink({ scenario });
  const base = harness.target as TargetConfig & { options: Options };
  const target = { ...base, options: { ...base.options, ...options } } as TargetConfig;
  const run = detector(harness.config, target);
  harness.clock.advance(startAfterMs);
  const lines: string[] = [];
  const calls: Record<string, number> = {};
  const snapshots: TargetSnapshot[] = [];
  for (let poll = 0; poll < polls; poll++) {
    const snapshot = await harness.collect(target);
    expect(snapshot.errors).toEqual([]);
    snapshots.push(snapshot);
    for (const [op, n] of Object.entries(snapshot.apiCalls)) calls[op] = (calls[op] ?? 0) + n;
    for (const event of run(snapshot, harness.clock.now()))
      lines.push(`${poll} ${event.data.type} ${event.data.status} ${event.data.resource.name}`);
    harness.clock.advance(everyMs);
  }
  return { lines, calls, snapshots };
}

const perJobReads = (calls: Record<string, number>) =>
  (calls['GetInstanceCheckpoint'] ?? 0) + (calls['GetInstanceExceptions'] ?? 0);

describe('checkpoint and exception reads on change (issue 17)', () => {
  // [scenario, poll interval, polls, clock advance before the first, per-job reads at most (x everything)].
  // Polls that fall on a checkpoint's trigger time (every poll when they are one checkpoint interval apart,
  // as in the sandbox) read it: its completion cannot show yet, and a failure would be seen that poll.
  for (const [scenario, everyMs, polls, startAfterMs, ratio] of [
    ['test', 30_000, 37, 0, 0.6],
    ['test', 60_000, 20, 0, 0.65],
    ['demo', 5_000, 40, 0, 0.6],
    ['demo', 10_000, 30, 170_000, 0.9],
  ] as const) {
    it(`${scenario} scenario, a poll every ${everyMs / 1000} s: every finding on the same poll as reading everything`, async () => {
      const everything = await timeline(scenario, { fullReadEvery: 1 }, polls, everyMs, startAfterMs);
      const onChange = await timeline(scenario, {}, polls, everyMs, startAfterMs);
      expect(everything.lines.length).toBeGreaterThan(0);
      expect(onChange.lines).toEqual(everything.lines);
      // Same listings, summaries and metric calls; the per-job reads are what is saved.
      for (const op of ['ListJob', 'BatchGetInstanceRunSummary', 'GetInstanceMetric'])
        expect(onChange.calls[op], op).toBe(everything.calls[op]);
      expect(perJobReads(onChange.calls)).toBeLessThan(perJobReads(everything.calls) * ratio);
    }, 120_000);
  }

  it('a skipped read carries the last one forward: not missing evidence, and no stall from an old completion', async () => {
    const run = await timeline('test', {}, 6, 30_000);
    const second = run.snapshots[1] as TargetSnapshot;
    // Poll 1 reads no checkpoints for the healthy job, yet its snapshot has them, and nothing is missing.
    const orders = jobByName(second, 'orders_etl');
    expect(orders.missing).toBeUndefined();
    expect(orders.checkpoints?.intervalMs).toBe(60_000);
    expect(orders.failovers).toEqual([]);
    expect(second.apiCalls['GetInstanceCheckpoint'] ?? 0).toBeLessThan(
      run.snapshots[0]?.apiCalls['GetInstanceCheckpoint'] ?? 0,
    );
  }, 60_000);

  it('every running job is read in full once in fullReadEvery polls, a share of them on each poll; a failed read is read again the next poll', async () => {
    const harness = await startBlink();
    const base = harness.target as TargetConfig & { options: Options };
    const target = { ...base, options: { ...base.options, fullReadEvery: 3 } } as TargetConfig;
    const exceptionReads = () =>
      harness.sandbox.requests
        .filter((r) => r.operation === 'GetInstanceExceptions')
        .map((r) => r.path.split('/jobs/')[1]?.split('/')[0]);
    const first = await harness.collect(target);
    const running = first.apiCalls['GetInstanceMetric'] ?? 0;
    expect(first.apiCalls['GetInstanceExceptions']).toBe(running);
    // Three polls a second apart: nothing changes at the vendor, so only the full reads read exceptions.
    const perPoll: number[] = [];
    const read = new Set<string | undefined>();
    for (let poll = 1; poll <= 3; poll++) {
      harness.clock.advance(1_000);
      const before = exceptionReads().length;
      await harness.collect(target);
      const names = exceptionReads().slice(before);
      perPoll.push(names.length);
      for (const name of names) read.add(name);
    }
    expect(read.size).toBe(running);
    for (const n of perPoll) expect(n).toBeLessThan(running);

    await harness.stop(); // the second half starts afresh

    const again = await startBlink();
    await again.collect();
    again.clock.advance(30_000);
    again.failWith('GetInstanceMetric', 500, { pathIncludes: '/jobs/orders_etl/' });
    const failed = await again.collect();
    again.sandbox.faults.clear();
    // Without the metric nothing says the job is unchanged: both reads are made, the metrics are missing.
    expect(jobByName(failed, 'orders_etl').missing).toEqual(['metrics']);
    const readPaths = () =>
      again.sandbox.requests.filter(
        (r) => r.path.includes('/jobs/orders_etl/') && /checkpoints|exceptions/.test(r.path),
      ).length ?? 0;
    const before = readPaths();
    again.failWith('GetInstanceCheckpoint', 500, { pathIncludes: '/jobs/orders_etl/' });
    // The next checkpoint is due (one interval after the last one read): the read is made, and fails.
    again.clock.advance(30_000);
    const noCheckpoints = await again.collect();
    again.sandbox.faults.clear();
    expect(jobByName(noCheckpoints, 'orders_etl').missing).toEqual(['checkpoints']);
    expect(readPaths()).toBeGreaterThan(before);
    const afterFault = readPaths();
    again.clock.advance(1_000);
    const next = await again.collect();
    expect(jobByName(next, 'orders_etl').missing).toBeUndefined();
    // The failed read is made again; the exceptions, read a second ago, are not.
    expect(readPaths() - afterFault).toBe(1);
    expect(again.sandbox.requests.at(-1)?.path).toBeDefined();
  }, 60_000);
});

describe('a checkpoint the duration gauge showed completing after the last read (issue 17, poll every minute)', () => {
  // A job checkpointing every minute at T0 + 5 s + k minutes, each taking 14-18 ms; the gauge sampled
  // every 10 s (points on multiples of 10 s) up to the poll.
  const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
  const INTERVAL = 60_000;
  const triggerOf = (k: number) => T0 + 5_000 + k * INTERVAL;
  const durationOf = (k: number) => 14 + (((k % 5) + 5) % 5);
  const entry = (k: number) => ({
    id: 100 + k,
    status: 'COMPLETED',
    is_savepoint: false,
    trigger_timestamp: triggerOf(k),
    latest_ack_timestamp: triggerOf(k) + durationOf(k),
    end_to_end_duration: durationOf(k),
  });
  const lastCompletedBy = (atMs: number) => Math.floor((atMs - T0 - 5_000 - 20) / INTERVAL);
  /** The gauge's points up to `nowMs`, each the value `at` gives for its time. */
  const gauge = (nowMs: number, at: (t: number) => number) => {
    const points: [number, number][] = [];
    for (let t = Math.floor(nowMs / 10_000) * 10_000 - 590_000; t <= nowMs; t += 10_000)
      points.push([t, at(t)]);
    return { checkpointDuration: points, failoverRate: points.map(([t]) => [t, 0] as [number, number]) };
  };
  const summary = { Id: 7, ActualState: 'RUNNING', ExpectState: 'RUNNING' } as VendorRunSummary;

  /**
   * A job read 10 s after checkpoint 0 was triggered (the newest listed); returns its plan at a later
   * poll, the gauge's value at each point from `at`.
   */
  function readJob(name: string, at: (t: number) => number) {
    const memory = targetMemory(name);
    const key = 'proj/steady_job';
    const plan = (nowMs: number) => {
      beginPoll(memory);
      expect(fullReadDue(memory, key, 100)).toBe(false);
      return planReads({ memory, key, summary, series: gauge(nowMs, at), fullReadEvery: 100, nowMs });
    };
    const readAt = T0 + 10_000;
    expect(plan(readAt).checkpoints).toBe(true);
    const doc: VendorCheckpointsDoc = {
      counts: { restored: 0, total: 60, in_progress: 0, completed: 60, failed: 0 },
      latest: { completed: entry(0) },
      history: [0, -1, -2, -3, -4].map(entry),
    };
    rememberCheckpoints(memory, key, doc, toCheckpointStats(doc), readAt);
    return plan;
  }

  it('is a newer checkpoint, triggered an interval after the one read: not read before the next is due', () => {
    const plan = readJob('reads-test-gauge', (t) => durationOf(lastCompletedBy(t)));
    // 70 s: checkpoint 1 (65 s) completed, in the gauge's newest point: nothing due.
    expect(plan(T0 + 70_000).checkpoints).toBe(false);
    // 122 s: checkpoint 2 is due at 125 s. Known only as "after the point before the change" (60 s), the
    // completed one would have been taken as triggered up to 5 s earlier than it was, and read here.
    const beforeNext = plan(T0 + 122_000);
    expect(beforeNext.checkpoints).toBe(false);
    expect(beforeNext.carriedCheckpoints?.lastCompletedAtMs).toBeGreaterThanOrEqual(T0 + 60_000);
    // 128 s: checkpoint 2 was triggered and its completion is not in the gauge yet: read.
    expect(plan(T0 + 128_000).checkpoints).toBe(true);
  });

  it('a gauge that moves twice for one completion (two samples averaged in a step) is not taken for two checkpoints', () => {
    // Samples every 5 s averaged per 10 s step: a completion shows as old -> blend -> new. Checkpoint 2
    // (125 s) fails: nothing completes after checkpoint 1 (65 s).
    const completedBy = (atMs: number) => Math.min(1, lastCompletedBy(atMs));
    const plan = readJob(
      'reads-test-blend',
      (t) => (durationOf(completedBy(t - 5_000)) + durationOf(completedBy(t))) / 2,
    );
    // 72 s sees old -> blend, 82 s blend -> new: one completion, checkpoint 1.
    expect(plan(T0 + 72_000).checkpoints).toBe(false);
    expect(plan(T0 + 82_000).checkpoints).toBe(false);
    // 142 s: checkpoint 2 (125 s) never completed. Counting the two moves as two checkpoints would place
    // the next one at 185 s and carry the old facts; the bound is off by at most the blended step (10 s).
    expect(plan(T0 + 142_000).checkpoints).toBe(true);
  });
});
