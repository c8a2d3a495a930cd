/**
 * Issue 17, "do less work": a deployment's jobs are listed only when its listing or the namespace's event
 * feed says they may have moved, and a job's events, savepoints and diagnosis are read only when the job
 * listing says something may have changed, a checkpoint is due, the last read showed trouble or failed;
 * both on a staggered full read every `fullReadEvery` polls. Over real sockets against the scripted
 * scenarios: every finding on the same poll as reading everything every poll (`fullReadEvery: 1`, the old
 * behaviour), with fewer calls.
 */
import { describe, expect, it } from 'vitest';
import type { TargetSnapshot } from '../../../lib/model/snapshot.js';
import { alibabaFlinkProvider } from '../../../lib/providers/alibaba-flink/index.js';
import { alibabaFlinkSandboxPlugin } from '../../../lib/providers/alibaba-flink/sandbox.js';
import { stopAfterEach } from '../../support/stop-after-each.js';
import { jobByName, startProviderHarness } from '../harness.js';

const startHarness = stopAfterEach(startProviderHarness);

type Options = Record<string, unknown>;

/** Namespaces of the `test` scenario: one event feed read each per poll. */
const NAMESPACES = 2;

const start = (scenario: 'test' | 'demo', options: Options) =>
  startHarness(alibabaFlinkProvider, alibabaFlinkSandboxPlugin, {
    scenario,
    target: (t) => ({ ...t, options: { ...(t['options'] as Options), ...options } }),
  });

/** A `test` sandbox polled twice, a second apart; every GetEvents call of the second answers `status`. */
async function pollsWithGetEventsFailing(options: Options, status: number) {
  const h = await start('test', options);
  const first = await h.poll();
  h.clock.advance(1_000);
  h.failWith('GetEvents', status);
  const faulted = await h.poll();
  h.sandbox.faults.clear();
  return { h, first, faulted };
}

/** Polls a fresh sandbox `polls` times, `everyMs` apart: `poll type status job` lines, calls, snapshots. */
async function timeline(scenario: 'test' | 'demo', options: Options, polls: number, everyMs: number) {
  const h = await start(scenario, options);
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
  return { lines, calls, snapshots };
}

const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
const perJobReads = (calls: Record<string, number>) =>
  (calls['GetEvents'] ?? 0) + (calls['ListSavepoints'] ?? 0) + (calls['GetJobDiagnosis'] ?? 0);

describe('alibaba-flink per-job reads on change (issue 17)', () => {
  // A poll that falls on a checkpoint's due time reads the savepoints: a new checkpoint may have failed.
  // [scenario, poll interval, polls, per-job reads at most (x everything), namespaces (a feed read each)].
  for (const [scenario, everyMs, polls, ratio, namespaces] of [
    ['test', 30_000, 37, 0.5, NAMESPACES],
    ['test', 60_000, 20, 0.7, NAMESPACES],
    ['demo', 5_000, 40, 0.6, 1],
  ] as const) {
    it(`${scenario} scenario, a poll every ${everyMs / 1000} s: every finding on the same poll as reading everything`, async () => {
      const everything = await timeline(scenario, { fullReadEvery: 1 }, polls, everyMs);
      const onChange = await timeline(scenario, {}, polls, everyMs);
      expect(everything.lines.length).toBeGreaterThan(0);
      expect(onChange.lines).toEqual(everything.lines);
      // Same deployment listings; the job listings and the per-job reads are what is saved, for one
      // read of each namespace's event feed a poll (one page here).
      expect(onChange.calls['ListDeployments']).toBe(everything.calls['ListDeployments']);
      expect(onChange.calls['ListJobs']).toBeLessThan((everything.calls['ListJobs'] ?? 0) * 0.5);
      const feedReads = polls * namespaces;
      expect(perJobReads(onChange.calls) - feedReads).toBeLessThan(perJobReads(everything.calls) * ratio);
      expect(total(onChange.calls)).toBeLessThan(total(everything.calls) * 0.65);
    }, 120_000);
  }

  it('steady state: each job is read in full once in fullReadEvery polls, its last read carried between', async () => {
    const h = await start('test', { fullReadEvery: 3 });
    const first = await h.poll();
    const deployments = first.snapshot.apiCalls['ListJobs'] ?? 0;
    expect(deployments).toBe(first.snapshot.jobs.length);
    // inventory_sync's risk level is raised: its savepoints are read every poll, its jobs listed in turn.
    const risky = first.snapshot.jobs.filter((j) => j.labels['riskLevel'] === 'RISK_LEVEL_HIGH').length;
    expect(risky).toBe(1);
    const perPoll: number[] = [];
    let diagnoses = 0;
    // Polls a second apart: nothing moves at the vendor, no checkpoint is due; only the full reads read.
    for (let poll = 1; poll <= 3; poll++) {
      h.clock.advance(1_000);
      const { snapshot } = await h.poll();
      expect(snapshot.errors).toEqual([]);
      perPoll.push(snapshot.apiCalls['ListJobs'] ?? 0);
      diagnoses += snapshot.apiCalls['GetJobDiagnosis'] ?? 0;
      // The risky job's diagnosis, read or carried, stays on its error text.
      expect(jobByName(snapshot, 'inventory_sync').lastError).toMatch(/diagnosis: /);
      // The two namespaces' feeds, read whole and quiet: every job's events are carried, full read or not.
      expect(snapshot.apiCalls['GetEvents']).toBe(NAMESPACES);
      expect(snapshot.apiCalls['ListSavepoints'] ?? 0).toBeLessThan(
        first.snapshot.apiCalls['ListSavepoints'] ?? 0,
      );
      // Read or carried, the healthy job's evidence is whole.
      const orders = jobByName(snapshot, 'orders_etl');
      expect(orders.missing).toBeUndefined();
      expect(orders.failovers).toEqual([]);
      expect(orders.checkpoints?.intervalMs).toBe(60_000);
    }
    for (const n of perPoll) expect(n).toBeLessThan(deployments);
    expect(perPoll.reduce((a, b) => a + b, 0)).toBe(deployments);
    // The risky running job's diagnosis is read on its full read only, its listing being unchanged.
    expect(first.snapshot.apiCalls['GetJobDiagnosis']).toBe(risky);
    expect(diagnoses).toBe(risky);
  }, 60_000);

  it('a namespace event feed the API refuses is reported once, then not read: every deployment is listed', async () => {
    // No full read falls on these polls: the steady poll's only GetEvents calls are the two feeds.
    const { h, first, faulted: refused } = await pollsWithGetEventsFailing({ fullReadEvery: 100 }, 400);
    const deployments = first.snapshot.apiCalls['ListJobs'] ?? 0;
    expect(refused.snapshot.apiCalls['GetEvents']).toBe(NAMESPACES);
    expect(refused.snapshot.errors.map((e) => [e.operation, e.kind])).toEqual(
      Array.from({ length: NAMESPACES }, () => ['GetEvents', 'client-error']),
    );
    expect(refused.snapshot.errors[0]?.message).toMatch(/event feed is off/);
    expect(refused.snapshot.apiCalls['ListJobs']).toBe(deployments);
    for (let poll = 0; poll < 2; poll++) {
      h.clock.advance(1_000);
      const { snapshot } = await h.poll();
      expect(snapshot.errors).toEqual([]);
      expect(snapshot.apiCalls['GetEvents'] ?? 0).toBe(0);
      expect(snapshot.apiCalls['ListJobs']).toBe(deployments);
    }
  }, 60_000);

  it('a failed read is missing evidence and is read again the next poll', async () => {
    const { h, first, faulted } = await pollsWithGetEventsFailing({ fullReadEvery: 1 }, 500);
    // Reading everything every poll, no feed is read: one GetEvents per running job.
    const running = first.snapshot.apiCalls['GetEvents'] ?? 0;
    expect(faulted.snapshot.jobs.filter((j) => j.missing?.includes('failovers')).length).toBe(running);
    // From here on nothing asks for a full read but the failed reads: every one of them is made again.
    const options = h.target.options as Options;
    options['fullReadEvery'] = 100;
    h.clock.advance(1_000);
    const next = await h.poll();
    expect(next.snapshot.errors).toEqual([]);
    expect(next.snapshot.jobs.filter((j) => j.missing !== undefined)).toEqual([]);
    // The failed reads, and the feed of each namespace.
    expect(next.snapshot.apiCalls['GetEvents']).toBe(running + NAMESPACES);
    h.clock.advance(1_000);
    const steady = await h.poll();
    expect(steady.snapshot.apiCalls['GetEvents'] ?? 0).toBeLessThan(running);
  }, 60_000);
});

describe('alibaba-flink steady poll of a fleet (issue 17, callsPerCycle)', () => {
  it('a second poll lists the jobs only of deployments something moved in, or whose full read is due', async () => {
    const deployments = 300;
    const h = await startHarness(alibabaFlinkProvider, alibabaFlinkSandboxPlugin, {
      scenario: 'fleet',
      fleet: { flinkDeployments: deployments },
    });
    const callsOf = async () => {
      const before = h.sandbox.requests.length;
      const { snapshot } = await h.poll();
      expect(snapshot.errors).toEqual([]);
      expect(snapshot.jobs.length).toBe(deployments);
      const counted: Record<string, number> = {};
      for (const r of h.sandbox.requests.slice(before))
        counted[r.operation] = (counted[r.operation] ?? 0) + 1;
      // The emulator saw what the collector counted.
      expect(counted).toEqual(snapshot.apiCalls);
      return { counted, snapshot };
    };
    const cold = await callsOf();
    expect(cold.counted['ListJobs']).toBe(deployments);
    h.clock.advance(1_000);
    const { counted, snapshot } = await callsOf();
    // Three pages of deployments and one page of the namespace's events; the jobs of about a tenth of the
    // deployments (their staggered full read, fullReadEvery 10).
    expect(counted['ListDeployments']).toBe(3);
    expect(counted['GetEvents']).toBe(1);
    expect(counted['ListJobs']).toBeGreaterThan(0.05 * deployments);
    expect(counted['ListJobs']).toBeLessThanOrEqual(0.2 * deployments);
    expect(total(counted)).toBeLessThanOrEqual(0.3 * total(cold.counted));
    // A job whose listing was not read keeps the last one's facts: its samples carry that read's time.
    const remembered = snapshot.jobs.filter((j) => j.metrics?.some((m) => m.atMs < snapshot.collectedAtMs));
    expect(remembered.length).toBeGreaterThan(0.7 * deployments);
    for (const job of remembered) expect(job.state).toBe('RUNNING');
  }, 120_000);
});
