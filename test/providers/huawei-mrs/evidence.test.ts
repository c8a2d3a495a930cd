/**
 * Missing evidence (issue 14, defect 2) on MRS: the per-job read is the detail follow-up of an execution that
 * left both listings (it was submitted before the window and has just ended). When that read fails, the
 * execution is followed up again next poll, so its end is not lost, and a job shown from another run of
 * the same name meanwhile says its state is missing.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeHuaweiClients } from '../../../lib/providers/huawei/index.js';
import { TEST_CLUSTER_PROD } from '../../../lib/providers/huawei-mrs/sandbox.js';
import { MINUTE, type MrsHarness, startMrsHarness, summarize, T0 } from './helpers.js';

let h: MrsHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});
afterAll(async () => {
  await closeHuaweiClients();
});

async function start(): Promise<MrsHarness> {
  h = await startMrsHarness({
    target: (t) => ({
      ...t,
      options: { ...(t.options as object), recentWindowSeconds: 60, clusters: [TEST_CLUSTER_PROD] },
    }),
  });
  return h;
}

/** daily-etl run 1: submitted at T0-2 min, RUNNING, fails at T0+2 min (then no listing returns it). */
function failingRunId(harness: MrsHarness): string {
  const run = harness.world.executions
    .get(TEST_CLUSTER_PROD)
    ?.find((e) => e.name === 'daily-etl' && e.submittedMs === T0 - 2 * MINUTE);
  if (!run) throw new Error('daily-etl run 1 not in the test world');
  return run.id;
}

describe('MRS per-job reads', () => {
  it('a failed follow-up is retried next poll: the failure of a run that left the listings is still reported', async () => {
    const harness = await start();
    const runId = failingRunId(harness);
    await harness.poll();
    harness.clock.set(T0 + 3 * MINUTE);
    harness.failWith('ShowSingleJobExe', 503, { pathIncludes: runId });
    const faulted = await harness.poll();
    harness.sandbox.faults.clear();
    expect(faulted.snapshot.errors.map((e) => e.operation)).toEqual(['ShowSingleJobExe']);
    expect(faulted.snapshot.complete).toBe(false);
    expect(summarize(faulted.events).filter((l) => l.includes('daily-etl'))).toEqual([]);

    harness.clock.set(T0 + 3.5 * MINUTE);
    const next = await harness.poll();
    expect(next.snapshot.errors).toEqual([]);
    expect(next.snapshot.jobs.find((j) => j.name === 'daily-etl')).toMatchObject({
      state: 'FAILED',
      instanceId: runId,
    });
    expect(summarize(next.events)).toContain('job.failed daily-etl firing');
  });

  it('a job shown from an older run while the newer run could not be read has its state missing', async () => {
    const harness = await start();
    const runId = failingRunId(harness);
    // An older run of daily-etl still waiting in the queue: the unfinished listing returns it.
    const executions = harness.world.executions.get(TEST_CLUSTER_PROD) ?? [];
    const run1 = executions.find((e) => e.id === runId);
    executions.push({
      ...(run1 as NonNullable<typeof run1>),
      id: `${runId}-older`,
      submittedMs: T0 - 3 * MINUTE,
      runningFromMs: undefined,
      endsAtMs: undefined,
      result: undefined,
    });
    executions.sort((a, b) => b.submittedMs - a.submittedMs);
    await harness.poll();
    harness.clock.set(T0 + 3 * MINUTE);
    harness.failWith('ShowSingleJobExe', 503, { pathIncludes: `/job-executions/${runId}` });
    const faulted = await harness.poll();
    harness.sandbox.faults.clear();
    expect(faulted.snapshot.jobs.find((j) => j.name === 'daily-etl')).toMatchObject({
      instanceId: `${runId}-older`,
      missing: ['state'],
    });
    expect(faulted.snapshot.jobs.filter((j) => j.missing).map((j) => j.name)).toEqual(['daily-etl']);
  });
});
