import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../../lib/model/snapshot.js';
import { closeHuaweiClients } from '../../../lib/providers/huawei/index.js';
import {
  MRS_SANDBOX_PROPERTY_SECRET,
  TEST_CLUSTER_BATCH,
  TEST_CLUSTER_PROD,
} from '../../../lib/providers/huawei-mrs/sandbox.js';
import { MINUTE, type MrsHarness, startMrsHarness, summarize, T0 } from './helpers.js';

afterAll(() => closeHuaweiClients());

describe('MRS sandbox: one poll', () => {
  let h: MrsHarness;
  beforeAll(async () => {
    h = await startMrsHarness({
      target: (t) => ({ ...t, options: { ...(t.options as object), pageSize: 10 } }),
    });
  });
  afterAll(() => h.stop());

  it('reads clusters, hosts and job executions into snapshots, over signed requests and several pages', async () => {
    // Prepare
    h.sandbox.resetLog();
    // Act
    const { snapshot } = await h.poll();
    // Assess
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.complete).toBe(true);
    expect(h.sandbox.requests.every((r) => r.status >= 200 && r.status < 300)).toBe(true);

    const prod = snapshot.containers.find((c) => c.vendorId === TEST_CLUSTER_PROD);
    expect(prod).toMatchObject({
      type: 'cluster',
      name: 'mrs-prod',
      health: 'HEALTHY',
      vendorState: 'running',
    });
    expect(prod?.hosts).toHaveLength(5);
    expect(prod?.capacity).toEqual({ totalNodes: 5, masterNodes: 2, coreNodes: 3 });
    // Cluster times arrive in seconds; the snapshot holds milliseconds.
    expect(prod?.stateSinceMs).toBe(Math.floor((T0 - 30 * 24 * 60 * MINUTE) / 1000) * 1000);

    const names = snapshot.jobs.map((j) => j.name).sort();
    expect(names).toEqual(
      [
        'daily-etl',
        'hive-report',
        'long-distcp',
        'user-adhoc',
        'wordcount',
        ...Array.from({ length: 25 }, (_, i) => `batch-job-${String(i).padStart(2, '0')}`),
      ].sort(),
    );
    const etl = snapshot.jobs.find((j) => j.name === 'daily-etl') as JobSnapshot;
    expect(etl).toMatchObject({
      state: 'RUNNING',
      kind: 'spark-batch',
      instanceId: 'e7a1d001-0000-4000-8000-000000000001',
      startedAtMs: T0 - MINUTE,
      containerKey: prod?.key,
      scope: { kind: 'cluster', id: TEST_CLUSTER_PROD, name: 'mrs-prod' },
    });
    expect(snapshot.jobs.find((j) => j.name === 'hive-report')).toMatchObject({
      state: 'PENDING',
      vendorState: 'ACCEPTED/UNDEFINED',
      stateSinceMs: T0 - MINUTE,
    });
    // Found only through the "unfinished" listing: it was submitted two hours ago.
    expect(snapshot.jobs.find((j) => j.name === 'long-distcp')?.state).toBe('RUNNING');

    // The batch cluster's 25 recent executions take 3 pages of 10; the collector's counts match the sandbox's.
    const calls = h.sandbox.callCounts('huawei-mrs');
    expect(calls).toEqual({ ListClusters: 1, ListHosts: 2, ShowJobExeListNew: 2 + 3 + 1 });
    expect(snapshot.apiCalls).toEqual(calls);
    expect(snapshot.jobs.filter((j) => j.scope.id === TEST_CLUSTER_BATCH)).toHaveLength(25);
  });

  it('copies no job arguments or properties (they hold keys) into snapshots', async () => {
    const { snapshot, events } = await h.poll();
    const text = JSON.stringify({ snapshot, events });
    expect(text).not.toContain(MRS_SANDBOX_PROPERTY_SECRET);
    expect(text).not.toContain('SANDBOXOBSACCESSKEY01');
    expect(text).not.toContain('--class');
  });
});

describe('MRS sandbox: 45 minutes of polls through detect()', () => {
  let h: MrsHarness;
  beforeAll(async () => {
    h = await startMrsHarness({
      target: (t) => ({ ...t, rules: { stuck: { runningMaxSeconds: 5400 } } }),
    });
    for (let minute = 0; minute <= 45; minute++) {
      await h.poll();
      h.clock.advance(MINUTE);
    }
  });
  afterAll(() => h.stop());

  const count = (line: string) => summarize(h.events).filter((l) => l === line).length;

  it('a failed run fires job.failed once, and the next run of the same job resolves it once', () => {
    expect(count('job.failed daily-etl firing')).toBe(1);
    expect(count('job.failed daily-etl resolved')).toBe(1);
    const fired = h.events.find((e) => e.data.type === 'job.failed' && e.data.status === 'firing');
    // FINISHED is not success: the result said FAILED.
    expect(fired?.data.values.vendorState).toBe('FINISHED/FAILED');
    expect(fired?.data.resource.instanceId).toBe('e7a1d001-0000-4000-8000-000000000001');
  });

  it('a job stuck in ACCEPTED fires job.stuck once, with the unhealthy cluster as context', () => {
    expect(count('job.stuck hive-report firing')).toBe(1);
    const stuck = h.events.find((e) => e.data.type === 'job.stuck' && e.data.resource.name === 'hive-report');
    expect(stuck?.data.values).toMatchObject({
      state: 'PENDING',
      containerHealth: 'UNHEALTHY',
      container: 'mrs-prod',
    });
  });

  it('a job running longer than the limit fires job.stuck once', () => {
    expect(count('job.stuck long-distcp firing')).toBe(1);
  });

  it('the cluster turning abnormal fires cluster.unhealthy once and resolves once', () => {
    expect(count('cluster.unhealthy mrs-prod firing')).toBe(1);
    expect(count('cluster.unhealthy mrs-prod resolved')).toBe(1);
    const fired = h.events.find((e) => e.data.type === 'cluster.unhealthy');
    // abnormal is UNHEALTHY (critical), not merely DEGRADED by its SHUTOFF host; the cause comes along.
    expect(fired?.data.severity).toBe('critical');
    expect(fired?.data.values).toMatchObject({ unhealthyHostCount: 1 });
    expect(String(fired?.data.values.detail)).toContain('NodeManager lost');
    expect(fired?.data.startsAtMs).toBe(T0 + 10 * MINUTE);
  });

  it('a job killed by a user is not a failure; the old failure outside the window never shows', () => {
    expect(summarize(h.events).filter((l) => l.includes('user-adhoc'))).toEqual([]);
    expect(summarize(h.events).filter((l) => l.includes('old-failure'))).toEqual([]);
    expect(summarize(h.events).filter((l) => l.startsWith('source.unreachable'))).toEqual([]);
  });

  it('emits nothing else', () => {
    expect(summarize(h.events).sort()).toEqual(
      [
        'cluster.unhealthy mrs-prod firing',
        'cluster.unhealthy mrs-prod resolved',
        'job.failed daily-etl firing',
        'job.failed daily-etl resolved',
        'job.stuck hive-report firing',
        'job.stuck long-distcp firing',
      ].sort(),
    );
  });
});

describe('MRS sandbox: narrow window and explicit clusters', () => {
  let h: MrsHarness;
  beforeAll(async () => {
    h = await startMrsHarness({
      target: (t) => ({
        ...t,
        options: {
          ...(t.options as object),
          recentWindowSeconds: 60,
          clusters: [TEST_CLUSTER_PROD, 'no-such-cluster'],
        },
      }),
    });
  });
  afterAll(() => h.stop());

  it('reads configured clusters by id; an unknown id is an error while the others still report', async () => {
    h.sandbox.resetLog();
    const { snapshot } = await h.poll();
    expect(snapshot.containers.map((c) => c.name)).toEqual(['mrs-prod']);
    expect(h.sandbox.callCounts('huawei-mrs').ListClusters).toBeUndefined();
    expect(snapshot.errors.map((e) => [e.operation, e.kind, e.vendorCode])).toEqual([
      ['ShowClusterDetails', 'client-error', '12000003'],
      ['ShowJobExeListNew', 'client-error', '12000003'],
      ['ShowJobExeListNew', 'client-error', '12000003'],
    ]);
    expect(snapshot.complete).toBe(false);
    // Unfinished runs are listed whatever their age; finished ones only inside the 60 s window.
    expect(snapshot.jobs.map((j) => j.name).sort()).toEqual([
      'daily-etl',
      'hive-report',
      'long-distcp',
      'user-adhoc',
    ]);
  });

  it('a run submitted before the window that then fails is still seen failing (detail follow-up)', async () => {
    // daily-etl run 1 was submitted at T0-2 min and fails at T0+2 min: no listing returns it any more.
    h.clock.set(T0 + 3 * MINUTE);
    h.sandbox.resetLog();
    const { snapshot, events } = await h.poll();
    expect(snapshot.jobs.find((j) => j.name === 'daily-etl')).toMatchObject({ state: 'FAILED' });
    // user-adhoc vanished too and was followed up, but it ended (T0+1 min) before the window (T0+2 min).
    expect(h.sandbox.callCounts('huawei-mrs').ShowSingleJobExe).toBe(2);
    expect(snapshot.jobs.find((j) => j.name === 'user-adhoc')).toBeUndefined();
    expect(summarize(events)).toContain('job.failed daily-etl firing');
  });
});

describe('MRS sandbox: fleet of 10,000 jobs', () => {
  let h: MrsHarness;
  beforeAll(async () => {
    h = await startMrsHarness({
      scenario: 'fleet',
      fleet: { mrsClusters: 10, mrsJobs: 10_000, unhealthyPercent: 4 },
    });
  });
  afterAll(() => h.stop());

  it('is read completely, with a few percent unhealthy and one abnormal cluster', async () => {
    const { snapshot, events } = await h.poll();
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.complete).toBe(true);
    expect(snapshot.jobs).toHaveLength(10_000);
    expect(snapshot.containers.filter((c) => c.health === 'UNHEALTHY').map((c) => c.name)).toEqual([
      'mrs-fleet-007',
    ]);
    const failed = snapshot.jobs.filter((j) => j.state === 'FAILED').length;
    const pending = snapshot.jobs.filter((j) => j.state === 'PENDING').length;
    expect(failed).toBeGreaterThan(200);
    expect(failed).toBeLessThan(400);
    expect(pending).toBeGreaterThan(50);
    expect(pending).toBeLessThan(150);
    expect(events.filter((e) => e.data.type === 'job.failed')).toHaveLength(failed);
  });
});
