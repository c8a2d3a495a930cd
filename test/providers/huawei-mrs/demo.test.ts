import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../../lib/model/snapshot.js';
import { closeHuaweiClients } from '../../../lib/providers/huawei/index.js';
import { createMrsActions } from '../../../lib/providers/huawei-mrs/actions.js';
import { type MrsHarness, startMrsHarness, summarize, T0 } from './helpers.js';

afterAll(() => closeHuaweiClients());

/** The demo scenario's promises, checked on simulated time polled every 5 s as the demo does. */
describe('MRS demo scenario timeline', () => {
  let h: MrsHarness;
  const at: Record<number, string[]> = {};
  beforeAll(async () => {
    h = await startMrsHarness({ scenario: 'demo' });
    for (let s = 0; s <= 420; s += 5) {
      h.clock.set(T0 + s * 1000);
      const { events } = await h.poll();
      if (events.length) at[s] = summarize(events);
    }
  });
  afterAll(() => h.stop());

  const firstAt = (line: string) =>
    Number(Object.entries(at).find(([, lines]) => lines.includes(line))?.[0] ?? Number.NaN);

  it('a job fails visibly between 15 and 40 s after start', () => {
    const s = firstAt('job.failed demo-spark-etl firing');
    expect(s).toBeGreaterThanOrEqual(15);
    expect(s).toBeLessThanOrEqual(40);
    expect(firstAt('job.stuck demo-hive-report firing')).toBeLessThanOrEqual(40);
  });

  it('the prod cluster turns abnormal and recovers; the periodic job crash-loops later', () => {
    expect(firstAt('cluster.unhealthy mrs-demo-prod firing')).toBeGreaterThanOrEqual(75);
    expect(firstAt('cluster.unhealthy mrs-demo-prod resolved')).toBeGreaterThanOrEqual(300);
    const loops = Object.values(at)
      .flat()
      .filter((l) => l === 'job.failed demo-hourly-agg firing').length;
    expect(loops).toBeGreaterThanOrEqual(3);
  });

  it('resubmitting the failed job succeeds (the remediation demo shows recovery)', async () => {
    // A fresh sandbox, at 30 s: the job has failed and the cluster is still running.
    const fresh = await startMrsHarness({ scenario: 'demo' });
    try {
      fresh.clock.set(T0 + 30_000);
      const { snapshot } = await fresh.poll();
      const etl = snapshot.jobs.find((j) => j.name === 'demo-spark-etl') as JobSnapshot;
      const actions = createMrsActions({ sleep: async (ms) => fresh.clock.advance(ms) });
      const outcome = await actions.perform(
        fresh.target,
        {
          action: 'resubmit',
          resource: {
            key: etl.key,
            kind: 'job',
            vendorId: etl.vendorId,
            instanceId: etl.instanceId as string,
            scope: { kind: 'cluster', id: etl.scope.id },
            name: etl.name,
          },
          params: {},
          verifyTimeoutMs: 30_000,
          verifyIntervalMs: 5_000,
        },
        fresh.ctx,
      );
      expect(outcome).toMatchObject({ ok: true, status: 'verified' });
      await fresh.poll();
      fresh.clock.advance(10_000);
      const { events } = await fresh.poll();
      expect(summarize(events)).toContain('job.failed demo-spark-etl resolved');
    } finally {
      await fresh.stop();
    }
  });
});
