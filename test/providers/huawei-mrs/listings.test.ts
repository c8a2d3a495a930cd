/**
 * Issue 17: the two job-execution listings do not overlap. The window's listing reads everything submitted
 * in it; the unfinished listing reads only what was submitted before the window, so an unfinished execution
 * inside the window costs one listing, not two.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeHuaweiClients } from '../../../lib/providers/huawei/index.js';
import { TEST_CLUSTER_BATCH } from '../../../lib/providers/huawei-mrs/sandbox.js';
import { MINUTE, type MrsHarness, startMrsHarness, T0 } from './helpers.js';

let h: MrsHarness;
beforeAll(async () => {
  h = await startMrsHarness({
    target: (t) => ({ ...t, options: { ...(t.options as object), pageSize: 10 } }),
  });
});
afterAll(async () => {
  await h.stop();
  await closeHuaweiClients();
});

describe('MRS job listings', () => {
  it('an unfinished execution inside the window is listed once: only the window listing grows', async () => {
    await h.poll();
    h.clock.advance(MINUTE);
    const before = await h.poll();
    const windowBeginMs =
      h.clock.now() - (h.target.options as { recentWindowSeconds: number }).recentWindowSeconds * 1000;
    const bucket = h.world.executions.get(TEST_CLUSTER_BATCH) ?? [];
    const inWindow = bucket.filter((e) => e.submittedMs >= windowBeginMs).length;
    // Fifteen long runs submitted a minute ago, still running: unfinished, and inside the window.
    for (let i = 0; i < 15; i++)
      bucket.unshift({
        id: `extra-${i}`,
        name: `extra-${i}`,
        type: 'SparkSubmit',
        clusterId: TEST_CLUSTER_BATCH,
        queue: 'default',
        user: 'etl',
        submittedMs: T0 - MINUTE + i,
        runningFromMs: T0 - MINUTE + i,
        arguments: '[]',
        properties: '{}',
      });
    h.clock.advance(1_000);
    const after = await h.poll();
    expect(after.snapshot.errors).toEqual([]);
    expect(after.snapshot.jobs.filter((j) => j.name.startsWith('extra-'))).toHaveLength(15);
    const pages = (n: number) => Math.max(1, Math.ceil(n / 10));
    // Overlapping listings would also page the unfinished listing through the fifteen.
    expect(
      (after.snapshot.apiCalls['ShowJobExeListNew'] ?? 0) -
        (before.snapshot.apiCalls['ShowJobExeListNew'] ?? 0),
    ).toBe(pages(inWindow + 15) - pages(inWindow));
  });
});
