import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/index.js';
import { closeHuaweiClients } from '../../../lib/providers/huawei/index.js';
import { clearDliDetailCache } from '../../../lib/providers/huawei-dli/collector.js';
import { DLI_SANDBOX_PLANTED_SECRETS } from '../../../lib/providers/huawei-dli/sandbox.js';
import { count, type DliHarness, MINUTE, SECOND, startDliHarness, summarize } from './helpers.js';

afterAll(async () => {
  await closeHuaweiClients();
});

function expectNoSecrets(value: unknown): void {
  const text = JSON.stringify(value);
  for (const secret of [
    ...DLI_SANDBOX_PLANTED_SECRETS,
    'SANDBOXAKID',
    'sandbox-secret-key',
    'INSERT INTO',
    'CREATE TABLE',
  ]) {
    expect(text).not.toContain(secret);
  }
}

describe('DLI collector against the sandbox', () => {
  let h: DliHarness;
  beforeAll(async () => {
    clearDliDetailCache();
    h = await startDliHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('reads every listing across pages, checks totals, and maps the jobs', async () => {
    const { snapshot } = await h.poll();
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.complete).toBe(true);

    const flink = snapshot.jobs.filter((j) => j.kind === 'flink-stream');
    const spark = snapshot.jobs.filter((j) => j.kind === 'spark-batch');
    const sql = snapshot.jobs.filter((j) => j.kind === 'sql');
    // 125 Flink jobs at 100 per page, 113 Spark batches (110 old ones outside the window), 122 SQL jobs.
    expect(flink).toHaveLength(125);
    expect(spark.map((j) => j.name).sort()).toEqual(['daily-report', 'hourly-agg', 'long-batch']);
    expect(sql).toHaveLength(122);
    expect(snapshot.apiCalls).toMatchObject({
      ListFlinkJobs: 2,
      ListSparkJobs: 2,
      ListSqlJobs: 3,
      ListQueues: 1,
    });
    // Details only for the unhealthy-looking jobs: stuck-submit (PENDING) and nightly-stop (STOPPING).
    expect(snapshot.apiCalls.ShowFlinkJob).toBe(2);
    expect(h.sandbox.callCounts('huawei-dli')).toEqual(snapshot.apiCalls);

    const byName = new Map(snapshot.jobs.map((j) => [j.name, j]));
    expect(byName.get('orders-etl')).toMatchObject({ state: 'RUNNING', vendorState: 'job_running' });
    expect(byName.get('stuck-submit')).toMatchObject({
      state: 'PENDING',
      labels: expect.objectContaining({ queue: 'general_queue', env: 'sandbox', jobType: 'flink_sql_job' }),
      autoRestart: { enabled: false, fromCheckpoint: false },
    });
    expect(byName.get('nightly-stop')).toMatchObject({ state: 'STOPPING', vendorState: 'job_cancelling' });
    expect(byName.get('draft-job')).toMatchObject({ state: 'STOPPED', stateCause: 'user' });
    expect(byName.get('hourly-agg')).toMatchObject({ state: 'SUCCEEDED', vendorState: 'Success' });
    expect(byName.get('orders-etl')?.key).toBe(
      'huawei-dli/cn-north-4/project:d1a5a4d1ce0f4d6d9c3e5b7a2f8e6c10/job:1001',
    );

    expect(snapshot.containers.map((c) => `${c.name}:${c.health}`).sort()).toEqual([
      'etl_queue:HEALTHY',
      'general_queue:HEALTHY',
      'sql_queue:HEALTHY',
    ]);
    expect(snapshot.containers.find((c) => c.name === 'general_queue')?.capacity).toEqual({
      cuCount: 64,
      cuSpec: 64,
    });
    expectNoSecrets(snapshot);
  });

  it('fires each finding exactly once across repeated polls, and resolves the ones that recover', async () => {
    // Poll every 30 s of simulated time for 20 minutes.
    for (let t = 30 * SECOND; t <= 20 * MINUTE; t += 30 * SECOND) {
      h.clock.advance(30 * SECOND);
      const { snapshot } = await h.poll();
      expect(snapshot.errors).toEqual([]);
      expectNoSecrets(snapshot);
    }
    const events = h.events;
    expectNoSecrets(events);
    // Nothing else fired: every line below is one finding, in the order the story unfolds.
    expect(summarize(events).map((s) => s.replace(/\/insert\/[0-9a-f-]+/, '/insert/<id>'))).toEqual([
      'job.stuck stuck-submit firing',
      'job.failed sql_queue/insert/<id> firing',
      'job.failed clickstream-agg firing',
      'job.failed daily-report firing',
      'queue.unhealthy sql_queue firing',
      'queue.unhealthy sql_queue resolved',
      'job.failed clickstream-agg resolved',
    ]);
    expect(count(events, 'job.failed clickstream-agg firing')).toBe(1);
    expect(count(events, 'job.failed clickstream-agg resolved')).toBe(1);
    expect(count(events, 'job.failed daily-report firing')).toBe(1);
    const sqlFailed = summarize(events).filter((s) => s.startsWith('job.failed sql_queue/insert/'));
    expect(sqlFailed).toHaveLength(1);
    expect(count(events, 'job.stuck stuck-submit firing')).toBe(1);
    expect(count(events, 'queue.unhealthy sql_queue firing')).toBe(1);
    expect(count(events, 'queue.unhealthy sql_queue resolved')).toBe(1);
    expect(summarize(events).filter((s) => s.startsWith('source.unreachable'))).toEqual([]);

    const failed = events.find(
      (e) => e.data.type === 'job.failed' && e.data.resource.name === 'clickstream-agg',
    );
    expect(failed?.data.summary).toContain('sink connection refused');
    expect(failed?.data.summary).not.toContain('sandbox-flink-secret');
    const spark = events.find((e) => e.data.type === 'job.failed' && e.data.resource.name === 'daily-report');
    expect(spark?.data.summary).toContain('disk quota exceeded');
  });
});

describe('DLI paging readings', () => {
  let h: DliHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('falls back to offset-as-page and 0-based current-page and still reads everything', async () => {
    h = await startDliHarness({ fleet: { dliFlinkOffsetAsPage: 1, dliSqlPageFromZero: 1 } });
    const { snapshot } = await h.poll();
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.complete).toBe(true);
    expect(snapshot.jobs.filter((j) => j.kind === 'flink-stream')).toHaveLength(125);
    expect(snapshot.jobs.filter((j) => j.kind === 'sql')).toHaveLength(122);
  });

  // Issue 14, defect 13: with `offset` / `from` read as 1-based page numbers, the records reading sees a
  // repeat after its first page; the listing must still read every job instead of 100 of 153.
  it('a server reading offset and from as 1-based page numbers is read completely: 153 of 153', async () => {
    h = await startDliHarness({
      scenario: 'fleet',
      fleet: { dliFlinkJobs: 153, dliSparkJobs: 153, dliSqlJobs: 5, dliQueues: 1, dliOffsetPagesFrom1: 1 },
    });
    const { snapshot } = await h.poll();
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.complete).toBe(true);
    expect(snapshot.jobs.filter((j) => j.kind === 'flink-stream')).toHaveLength(153);
    expect(snapshot.jobs.filter((j) => j.kind === 'spark-batch')).toHaveLength(153);
    // The working reading is remembered: the next poll costs one call per page.
    h.sandbox.resetLog();
    const again = await h.poll();
    expect(again.snapshot.complete).toBe(true);
    expect(h.sandbox.callCounts('huawei-dli')).toMatchObject({ ListFlinkJobs: 2, ListSparkJobs: 2 });
  });

  it('reports a listing that does not add up as incomplete instead of silently skipping', async () => {
    h = await startDliHarness();
    // Schema-valid answer whose total promises more than the pages deliver.
    h.sandbox.faults.inject({
      provider: 'huawei-dli',
      operation: 'ListQueues',
      kind: 'drift',
      body: { is_success: true, queues: [{ queue_name: 'only_one', cu_count: 16, is_restarting: false }] },
    });
    h.sandbox.faults.inject({
      provider: 'huawei-dli',
      operation: 'ListSparkJobs',
      kind: 'drift',
      body: { from: 0, total: 5, sessions: [{ id: 'a1', state: 'running' }] },
      times: 10,
    });
    const { snapshot } = await h.poll();
    expect(snapshot.complete).toBe(false);
    const incomplete = snapshot.errors.filter((e) => e.kind === 'incomplete');
    expect(incomplete).toHaveLength(1);
    expect(incomplete[0]?.message).toContain('read 1 of the 5');
    expect(snapshot.containers.map((c) => c.name)).toEqual(['only_one']);
    expect(snapshot.jobs.filter((j) => j.kind === 'flink-stream')).toHaveLength(125);
  });
});

describe('DLI fleet scenario', () => {
  it('serves and collects 10,000 Flink jobs completely, a few percent unhealthy', async () => {
    const h = await startDliHarness({
      scenario: 'fleet',
      fleet: { dliFlinkJobs: 10_000, dliSparkJobs: 200, dliSqlJobs: 200, dliQueues: 4 },
    });
    try {
      h.clock.advance(15 * MINUTE);
      const { snapshot } = await h.poll();
      expect(snapshot.errors).toEqual([]);
      expect(snapshot.complete).toBe(true);
      const flink = snapshot.jobs.filter((j) => j.kind === 'flink-stream');
      expect(flink).toHaveLength(10_000);
      expect(snapshot.apiCalls.ListFlinkJobs).toBe(100);
      const failed = flink.filter((j) => j.state === 'FAILED').length;
      expect(failed).toBeGreaterThan(100);
      expect(failed).toBeLessThan(600);
      // Detail calls only for the failed ones, and only once while they stay unchanged.
      expect(snapshot.apiCalls.ShowFlinkJob).toBe(failed);
      h.clock.advance(MINUTE);
      const second = await h.poll();
      expect(second.snapshot.apiCalls.ShowFlinkJob ?? 0).toBe(0);
    } finally {
      await h.stop();
    }
  });
});

describe('DLI queue-scoped target', () => {
  it('lists Flink and Spark jobs per queue and keeps only the chosen queues', async () => {
    const h = await startDliHarness({
      target: (t) => ({ ...t, options: { ...(t.options as object), queues: ['general_queue'] } }),
    });
    try {
      const { snapshot } = await h.poll();
      expect(snapshot.errors).toEqual([]);
      expect(snapshot.containers.map((c) => c.name)).toEqual(['general_queue']);
      expect(snapshot.jobs.filter((j) => j.kind === 'sql')).toEqual([]);
      const flink = snapshot.jobs.filter((j) => j.kind === 'flink-stream');
      expect(flink).toHaveLength(125);
      // The queue comes from the per-queue listing, so every job knows its queue without a detail call.
      expect(
        flink.every(
          (j) => j.labels.queue === 'general_queue' && j.containerKey?.endsWith('queue:general_queue'),
        ),
      ).toBe(true);
      expect(h.sandbox.requests.filter((r) => r.operation === 'ListFlinkJobs')).toHaveLength(2);
    } finally {
      await h.stop();
    }
  });

  it('refuses a queue name DLI could not have', () => {
    const target = {
      id: 'dli',
      provider: 'huawei-dli',
      region: 'cn-north-4',
      credentials: { accessKeyId: 'env:AK', secretAccessKey: 'env:SK' },
      options: { projectId: '0123456789abcdef0123456789abcdef', queues: ['bad/queue'] },
    };
    expect(() => parseConfig({ targets: [target] })).toThrow(/targets\[0\]\.options\.queues\[0\]/);
  });
});
