import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeHuaweiClients } from '../../../lib/providers/huawei/index.js';
import { huaweiMrsProvider } from '../../../lib/providers/huawei-mrs/index.js';
import { SANDBOX_CREDENTIALS } from '../../../lib/sandbox/index.js';
import { whileHung } from '../harness.js';
import { type MrsHarness, startMrsHarness, summarize } from './helpers.js';

afterAll(() => closeHuaweiClients());

describe('MRS API failures become snapshot errors and source.unreachable', () => {
  let h: MrsHarness;
  beforeAll(async () => {
    h = await startMrsHarness();
    await h.poll(); // baseline
  });
  afterAll(() => h.stop());
  afterEach(() => h.sandbox.faults.clear());

  it('429 with Retry-After on the job list: throttled error, partial data kept, one source.unreachable', async () => {
    h.failWith('ShowJobExeListNew', 429, { retryAfterSeconds: 0 });
    const { snapshot, events } = await h.poll();
    expect(snapshot.complete).toBe(false);
    expect(snapshot.errors.length).toBeGreaterThan(0);
    expect(snapshot.errors.every((e) => e.kind === 'throttled' && e.operation === 'ShowJobExeListNew')).toBe(
      true,
    );
    expect(snapshot.errors[0]).toMatchObject({ status: 429, vendorCode: 'APIGW.0308', attempts: 3 });
    // Clusters were still read.
    expect(snapshot.containers).toHaveLength(2);
    expect(summarize(events)).toEqual(['source.unreachable huawei-mrs-sandbox firing']);
    // The next failing poll does not fire again.
    const again = await h.poll();
    expect(summarize(again.events)).toEqual([]);
  });

  it('one 429 with Retry-After: 1 is waited out and retried; the poll succeeds', async () => {
    h.failWith('ListClusters', 429, { retryAfterSeconds: 1, times: 1 });
    const started = Date.now();
    const snapshot = await huaweiMrsProvider.collect(h.target, h.ctx);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.apiCalls.ListClusters).toBe(2);
  });

  it('recovers: a clean poll resolves source.unreachable (after the resolve hysteresis)', async () => {
    const first = await h.poll();
    const second = await h.poll();
    expect(first.snapshot.errors).toEqual([]);
    expect([...summarize(first.events), ...summarize(second.events)]).toEqual([
      'source.unreachable huawei-mrs-sandbox resolved',
    ]);
  });

  it('500 on cluster detail listing: server-error; jobs of unknown clusters are not reported as gone', async () => {
    h.failWith('ListClusters', 500);
    const { snapshot } = await h.poll();
    expect(snapshot.errors).toEqual([
      expect.objectContaining({
        kind: 'server-error',
        operation: 'ListClusters',
        status: 500,
        vendorCode: '12000041',
      }),
    ]);
    expect(snapshot.complete).toBe(false);
    expect(snapshot.jobs).toEqual([]);
  });

  it('malformed JSON: invalid-response, no throw', async () => {
    h.sandbox.faults.inject({ operation: 'ListHosts', kind: 'malformed', body: '{"hosts": [' });
    const { snapshot } = await h.poll();
    expect(snapshot.errors.map((e) => [e.kind, e.operation])).toEqual([
      ['invalid-response', 'ListHosts'],
      ['invalid-response', 'ListHosts'],
    ]);
    // Cluster snapshots are still there, just without hosts.
    expect(snapshot.containers.map((c) => c.hosts)).toEqual([undefined, undefined]);
  });

  it('schema drift names the field', async () => {
    h.sandbox.faults.inject({
      operation: 'ShowJobExeListNew',
      kind: 'drift',
      body: { total_record: 1, job_list: [{ jobName: 'renamed' }] },
      times: 1,
    });
    const { snapshot } = await h.poll();
    expect(snapshot.errors).toHaveLength(1);
    expect(snapshot.errors[0]?.message).toContain('job_list[0].job_id');
  });

  it('a total that never adds up is an incomplete error, not silence', async () => {
    h.sandbox.faults.inject({
      operation: 'ShowJobExeListNew',
      kind: 'drift',
      body: { total_record: 99, job_list: [] },
    });
    const { snapshot } = await h.poll();
    expect(snapshot.complete).toBe(false);
    expect(snapshot.errors.length).toBe(4);
    expect(snapshot.errors.every((e) => e.kind === 'incomplete')).toBe(true);
    expect(snapshot.errors[0]?.message).toMatch(/read 0 of 99/);
  });

  it('a timeout (the deadline signal fires) is a timeout error', async () => {
    h.sandbox.faults.inject({ operation: 'ListClusters', kind: 'timeout', ms: 30_000, times: 1 });
    const snapshot = await whileHung(h.sandbox, 'ListClusters', (signal) =>
      huaweiMrsProvider.collect(h.target, { ...h.ctx, signal }),
    );
    expect(snapshot.errors[0]).toMatchObject({ kind: 'timeout', operation: 'ListClusters' });
  });
});

describe('bad credentials', () => {
  let h: MrsHarness;
  beforeAll(async () => {
    h = await startMrsHarness({ env: { JOBWATCH_SANDBOX_SK: 'not-the-sandbox-secret-key-0123456789' } });
  });
  afterAll(() => h.stop());

  it('the sandbox rejects the signature with the gateway envelope; the error names no secret', async () => {
    const { snapshot, events } = await h.poll();
    expect(snapshot.errors[0]).toMatchObject({ kind: 'auth', status: 401, vendorCode: 'APIGW.0301' });
    const text = JSON.stringify({ snapshot, events });
    expect(text).not.toContain('not-the-sandbox-secret-key');
    expect(text).not.toContain(SANDBOX_CREDENTIALS.accessKeySecret);
    expect(summarize(events)).toEqual(['source.unreachable huawei-mrs-sandbox firing']);
  });

  it('an unresolvable secret reference is a configuration error naming it, not a throw', async () => {
    const snapshot = await huaweiMrsProvider.collect(h.target, {
      ...h.ctx,
      secrets: async () => {
        throw new Error('secret reference env:JOBWATCH_SANDBOX_AK: environment variable is not set');
      },
    });
    expect(snapshot.errors).toEqual([
      // Issue 15: our own unresolved reference is not the vendor refusing us (was kind 'auth').
      expect.objectContaining({
        kind: 'config',
        operation: 'ResolveCredentials',
        message: expect.stringContaining('secret reference env:JOBWATCH_SANDBOX_AK'),
      }),
    ]);
  });
});

describe('paging readings', () => {
  let h: MrsHarness;
  beforeAll(async () => {
    h = await startMrsHarness({
      plugin: { jobOffsetMode: 'pages-from-1' },
      target: (t) => ({ ...t, options: { ...(t.options as object), pageSize: 10 } }),
    });
  });
  afterAll(() => h.stop());

  it('a server reading offset as a 1-based page number still yields every execution, and is remembered', async () => {
    const first = await h.poll();
    expect(first.snapshot.errors).toEqual([]);
    expect(first.snapshot.complete).toBe(true);
    expect(first.snapshot.jobs).toHaveLength(30);
    const firstCalls = first.snapshot.apiCalls.ShowJobExeListNew as number;

    const second = await h.poll();
    expect(second.snapshot.jobs).toHaveLength(30);
    // Remembered reading: 2 (prod) + 3 + 1 (batch) calls, no probing.
    expect(second.snapshot.apiCalls.ShowJobExeListNew).toBe(6);
    expect(firstCalls).toBeGreaterThan(6);
  });
});
