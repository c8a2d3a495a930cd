import { describe, expect, it } from 'vitest';
import { parseConfig, type TargetConfig } from '../../../lib/config/index.js';
import { detect, type ResourceState } from '../../../lib/detect/index.js';
import { buildEvent, type JobwatchEvent } from '../../../lib/events/index.js';
import { huaweiDliProvider } from '../../../lib/providers/huawei-dli/index.js';
import { sandboxContext } from '../../support/sandbox-context.js';
import { retriesSpent, whileHung } from '../harness.js';
import { summarize, useDliHarnessPerTest } from './helpers.js';

const h = useDliHarnessPerTest();

describe('DLI collector under vendor faults', () => {
  it('retries a 429 with Retry-After and then succeeds', async () => {
    h.failWith('ListQueues', 429, { retryAfterSeconds: 1, times: 1 });
    const started = Date.now();
    const { snapshot } = await h.poll();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.apiCalls.ListQueues).toBe(2);
    expect(snapshot.containers).toHaveLength(3);
  });

  it('a throttled listing that stays throttled becomes an error and a source.unreachable event; the rest is still read', async () => {
    h.failWith('ListQueues', 429, { retryAfterSeconds: 0 });
    const { snapshot, events } = await h.poll();
    expect(snapshot.complete).toBe(false);
    expect(snapshot.errors).toHaveLength(1);
    expect(snapshot.errors[0]).toMatchObject(retriesSpent('ListQueues', 429, 'APIGW.0308'));
    expect(snapshot.apiCalls.ListQueues).toBe(3);
    expect(snapshot.jobs.length).toBeGreaterThan(200);
    expect(summarize(events)).toContain('source.unreachable huawei-dli-sandbox firing');
  });

  it('500s are retried, then reported as server-error with the vendor code', async () => {
    h.failWith('ListSparkJobs', 500);
    const { snapshot } = await h.poll();
    expect(snapshot.errors).toEqual([
      expect.objectContaining(retriesSpent('ListSparkJobs', 500, 'DLI.0999')),
    ]);
    expect(snapshot.jobs.some((j) => j.kind === 'spark-batch')).toBe(false);
    expect(snapshot.jobs.some((j) => j.kind === 'flink-stream')).toBe(true);
  });

  it('malformed JSON and schema drift are invalid-response errors naming the field', async () => {
    h.sandbox.faults.inject({
      provider: 'huawei-dli',
      operation: 'ListSqlJobs',
      kind: 'malformed',
      body: '{"jobs": [',
    });
    h.sandbox.faults.inject({
      provider: 'huawei-dli',
      operation: 'ListFlinkJobs',
      kind: 'drift',
      body: {
        is_success: 'true',
        job_list: { total_count: 1, jobs: [{ job_id: 'x', name: 'n', status: 'job_running' }] },
      },
    });
    const { snapshot } = await h.poll();
    const byOp = Object.fromEntries(snapshot.errors.map((e) => [e.operation, e]));
    expect(byOp.ListSqlJobs?.kind).toBe('invalid-response');
    expect(byOp.ListFlinkJobs?.kind).toBe('invalid-response');
    expect(byOp.ListFlinkJobs?.message).toContain('job_list.jobs[0].job_id');
    expect(snapshot.containers).toHaveLength(3);
  });

  it('a request that hangs ends as a timeout at the poll deadline', async () => {
    h.sandbox.faults.inject({ provider: 'huawei-dli', operation: 'ListQueues', kind: 'timeout', ms: 30_000 });
    const snapshot = await whileHung(h.sandbox, 'ListQueues', (signal) =>
      huaweiDliProvider.collect(h.target, { ...h.ctx, signal }),
    );
    expect(snapshot.errors).toEqual([expect.objectContaining({ kind: 'timeout', operation: 'ListQueues' })]);
    expect(snapshot.jobs.length).toBeGreaterThan(200);
  });

  it('a wrong secret key is a vendor-shaped 401 for that target only; the other target still reports', async () => {
    const [good] = h.sandbox.targets();
    const bad = {
      ...good,
      id: 'dli-bad-key',
      credentials: { accessKeyId: 'env:JOBWATCH_SANDBOX_AK', secretAccessKey: 'env:WRONG_SK' },
    };
    const config = parseConfig({ targets: [good, bad] });
    const ctx = sandboxContext(h.clock, { WRONG_SK: 'not-the-key' });
    const events: JobwatchEvent[] = [];
    const snapshots = await Promise.all(
      config.targets.map((t: TargetConfig) => huaweiDliProvider.collect(t, ctx)),
    );
    for (const [i, target] of config.targets.entries()) {
      const snapshot = snapshots[i];
      if (!snapshot) throw new Error('missing snapshot');
      const out = detect({
        target,
        snapshot,
        previous: new Map<string, ResourceState>(),
        nowMs: h.clock.now(),
      });
      events.push(...out.drafts.map(buildEvent));
    }
    const [okSnap, badSnap] = snapshots;
    expect(okSnap?.errors).toEqual([]);
    expect(okSnap?.jobs.length).toBeGreaterThan(200);
    expect(badSnap?.jobs).toEqual([]);
    expect(
      badSnap?.errors.every((e) => e.kind === 'auth' && e.status === 401 && e.vendorCode === 'APIGW.0301'),
    ).toBe(true);
    expect(JSON.stringify(badSnap)).not.toContain('not-the-key');
    const unreachable = events.filter((e) => e.data.type === 'source.unreachable');
    expect(unreachable.map((e) => e.data.targetId)).toEqual(['dli-bad-key']);
    // Auth failures are not retried.
    expect(badSnap?.apiCalls.ListQueues).toBe(1);
  });
});
