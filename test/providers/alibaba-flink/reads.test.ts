/**
 * Issue 17, "do less work": a job's events, savepoints and diagnosis are read only when the listing says
 * something may have changed, a checkpoint is due, the last read showed trouble or failed, and on a
 * staggered full read every `fullReadEvery` polls. Over real sockets against the scripted scenarios:
 * every finding on the same poll as reading everything every poll (`fullReadEvery: 1`, the old
 * behaviour), with fewer calls.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TargetSnapshot } from '../../../lib/model/snapshot.js';
import { alibabaFlinkProvider } from '../../../lib/providers/alibaba-flink/index.js';
import { alibabaFlinkSandboxPlugin } from '../../../lib/providers/alibaba-flink/sandbox.js';
import { jobByName, type ProviderHarness, startProviderHarness } from '../harness.js';

let h: ProviderHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

type Options = Record<string, unknown>;

const start = (scenario: 'test' | 'demo', options: Options) =>
  startProviderHarness(alibabaFlinkProvider, alibabaFlinkSandboxPlugin, {
    scenario,
    target: (t) => ({ ...t, options: { ...(t['options'] as Options), ...options } }),
  });

/** Polls a fresh sandbox `polls` times, `everyMs` apart: `poll type status job` lines, calls, snapshots. */
async function timeline(scenario: 'test' | 'demo', options: Options, polls: number, everyMs: number) {
  h = await start(scenario, options);
  const lines: string[] = [];
  const calls: Record<string, number> = {};
  const snapshots: TargetSnapshot[] = [];
  for (let poll = 0; poll < polls; poll++) {
    const { snapshot, events } = await h.poll();
    expect(snapshot.errors).toEqual([]);
    snapshots.push(snapshot);
    for (const [op, n] of Object.entries(snapshot.apiCalls)) calls[op] = (calls[op] ?? 0) + n;
    for (const event of events)
      lines.push(`${poll} ${event.data.type} ${event.data.status} ${event.data.resource.name}`);
    h.clock.advance(everyMs);
  }
  await h.stop();
  h = undefined;
  return { lines, calls, snapshots };
}

const perJobReads = (calls: Record<string, number>) =>
  (calls['GetEvents'] ?? 0) + (calls['ListSavepoints'] ?? 0) + (calls['GetJobDiagnosis'] ?? 0);

describe('alibaba-flink per-job reads on change (issue 17)', () => {
  // [scenario, poll interval, polls, per-job reads at most (x everything)]. A poll that falls on a
  // checkpoint's due time reads the savepoints: a new checkpoint may have failed.
  for (const [scenario, everyMs, polls, ratio] of [
    ['test', 30_000, 37, 0.5],
    ['test', 60_000, 20, 0.7],
    ['demo', 5_000, 40, 0.6],
  ] as const) {
    it(`${scenario} scenario, a poll every ${everyMs / 1000} s: every finding on the same poll as reading everything`, async () => {
      const everything = await timeline(scenario, { fullReadEvery: 1 }, polls, everyMs);
      const onChange = await timeline(scenario, {}, polls, everyMs);
      expect(everything.lines.length).toBeGreaterThan(0);
      expect(onChange.lines).toEqual(everything.lines);
      // Same listings; the per-job reads are what is saved.
      for (const op of ['ListDeployments', 'ListJobs'])
        expect(onChange.calls[op], op).toBe(everything.calls[op]);
      expect(perJobReads(onChange.calls)).toBeLessThan(perJobReads(everything.calls) * ratio);
    }, 120_000);
  }

  it('steady state: each job is read in full once in fullReadEvery polls, its last read carried between', async () => {
    h = await start('test', { fullReadEvery: 3 });
    const first = await h.poll();
    const running = first.snapshot.apiCalls['GetEvents'] ?? 0;
    expect(running).toBeGreaterThan(5);
    const perPoll: number[] = [];
    // Polls a second apart: nothing moves at the vendor, no checkpoint is due; only the full reads read.
    for (let poll = 1; poll <= 3; poll++) {
      h.clock.advance(1_000);
      const { snapshot } = await h.poll();
      expect(snapshot.errors).toEqual([]);
      perPoll.push(snapshot.apiCalls['GetEvents'] ?? 0);
      expect(snapshot.apiCalls['ListSavepoints'] ?? 0).toBeLessThan(
        first.snapshot.apiCalls['ListSavepoints'] ?? 0,
      );
      // Read or carried, the healthy job's evidence is whole.
      const orders = jobByName(snapshot, 'orders_etl');
      expect(orders.missing).toBeUndefined();
      expect(orders.failovers).toEqual([]);
      expect(orders.checkpoints?.intervalMs).toBe(60_000);
    }
    for (const n of perPoll) expect(n).toBeLessThan(running);
    expect(perPoll.reduce((a, b) => a + b, 0)).toBe(running);
  }, 60_000);

  it('a failed read is missing evidence and is read again the next poll', async () => {
    h = await start('test', { fullReadEvery: 1 });
    const first = await h.poll();
    const running = first.snapshot.apiCalls['GetEvents'] ?? 0;
    h.clock.advance(1_000);
    h.sandbox.faults.inject({
      provider: 'alibaba-flink',
      operation: 'GetEvents',
      kind: 'status',
      status: 500,
    });
    const faulted = await h.poll();
    h.sandbox.faults.clear();
    expect(faulted.snapshot.jobs.filter((j) => j.missing?.includes('failovers')).length).toBe(running);
    // From here on nothing asks for a full read but the failed reads: every one of them is made again.
    const options = h.target.options as Options;
    options['fullReadEvery'] = 100;
    h.clock.advance(1_000);
    const next = await h.poll();
    expect(next.snapshot.errors).toEqual([]);
    expect(next.snapshot.jobs.filter((j) => j.missing !== undefined)).toEqual([]);
    expect(next.snapshot.apiCalls['GetEvents']).toBe(running);
    h.clock.advance(1_000);
    const steady = await h.poll();
    expect(steady.snapshot.apiCalls['GetEvents'] ?? 0).toBeLessThan(running);
  }, 60_000);
});
