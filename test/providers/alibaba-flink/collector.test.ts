/**
 * The collector against the emulator over real sockets: paging with totals, states, secrets, and detection
 * across polls (each scripted finding fires once and resolves once).
 */
import { describe, expect, it } from 'vitest';
import type { JobSnapshot, TargetSnapshot } from '../../../lib/model/snapshot.js';
import { alibabaFlinkProvider } from '../../../lib/providers/alibaba-flink/index.js';
import {
  alibabaFlinkSandboxPlugin,
  FLINK_SANDBOX_PLANTED_SECRET,
} from '../../../lib/providers/alibaba-flink/sandbox.js';
import { SANDBOX_CREDENTIALS } from '../../../lib/sandbox/index.js';
import { stopAfterEach } from '../../support/stop-after-each.js';
import { MINUTE, startProviderHarness, summarize, T0 } from '../harness.js';

const startHarness = stopAfterEach(startProviderHarness);

const start = () => startHarness(alibabaFlinkProvider, alibabaFlinkSandboxPlugin);
const job = (snapshot: TargetSnapshot, name: string): JobSnapshot => {
  const found = snapshot.jobs.find((j) => j.name === name);
  if (!found) throw new Error(`no job ${name} in ${snapshot.jobs.map((j) => j.name).join(',')}`);
  return found;
};

describe('alibaba-flink collector (test scenario)', () => {
  it('reads every deployment across pages, maps states, counts calls, leaks nothing', async () => {
    const h = await start();
    const { snapshot } = await h.poll();
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.complete).toBe(true);
    expect(snapshot.confirmedByTotals).toBe(true);
    // default-namespace: 13 deployments (3 pages of 5), one never started; risk-control: 1.
    expect(snapshot.jobs.map((j) => j.name).sort()).toEqual(
      [
        'clicks_sessionize',
        'filler_00',
        'filler_01',
        'filler_02',
        'filler_03',
        'filler_04',
        'filler_05',
        'inventory_sync',
        'legacy_report',
        'nightly_rollup',
        'orders_etl',
        'payments_agg',
        'rules_engine',
      ].sort(),
    );
    expect(snapshot.apiCalls).toEqual({
      ListDeployments: 4,
      ListJobs: 13,
      // Running streaming jobs: every one but the finished batch job (payments fails and legacy_report
      // is stopped later); plus one read of each namespace's event feed (2).
      GetEvents: 12 + 2,
      ListSavepoints: 12,
      GetJobDiagnosis: 1,
    });
    expect(h.sandbox.callCounts('alibaba-flink')).toEqual(snapshot.apiCalls);
    expect(job(snapshot, 'nightly_rollup')).toMatchObject({ state: 'SUCCEEDED', kind: 'flink-batch' });
    const orders = job(snapshot, 'orders_etl');
    expect(orders).toMatchObject({
      state: 'RUNNING',
      kind: 'flink-stream',
      scope: { kind: 'project', id: 'a14bd5d90a0001:default-namespace', name: 'default-namespace' },
      labels: {
        env: 'sandbox',
        namespace: 'default-namespace',
        workspace: 'a14bd5d90a0001',
        queue: 'default-queue',
      },
    });
    expect(orders.key).toBe(
      `alibaba-flink/cn-hangzhou/project:a14bd5d90a0001:default-namespace/job:${orders.vendorId}`,
    );
    // The deployment's own labels (ververica `labels`) are read as vendor tags, not copied into event labels.
    expect(orders.vendorTags).toEqual({ team: 'data-platform' });
    expect(orders.checkpoints).toMatchObject({ intervalMs: 60_000, lastCompletedAtMs: T0 });
    expect(orders.failovers).toEqual([]);
    expect(orders.startedAtMs).toBe(T0 - 60 * MINUTE);
    const text = JSON.stringify(snapshot);
    expect(text).not.toContain(FLINK_SANDBOX_PLANTED_SECRET);
    expect(text).not.toContain(SANDBOX_CREDENTIALS.accessKeySecret);
    // Every request carried the workspace header and a V3 signature the emulator checked.
    expect(h.sandbox.requests.every((r) => r.status === 200)).toBe(true);
  });

  it('scripted failures: failed job with diagnosis, restarts as failovers, failed checkpoints', async () => {
    const h = await start();
    await h.poll();
    h.clock.advance(4 * MINUTE);
    const { snapshot } = await h.poll();
    expect(job(snapshot, 'legacy_report')).toMatchObject({
      state: 'STOPPED',
      vendorState: 'CANCELLED',
      stateCause: 'user',
      finishedAtMs: T0 + 0.5 * MINUTE,
    });
    const payments = job(snapshot, 'payments_agg');
    expect(payments).toMatchObject({ state: 'FAILED', vendorState: 'FAILED', stateCause: 'system' });
    expect(payments.stateSinceMs).toBe(T0 + 1.5 * MINUTE);
    expect(payments.lastError).toContain('JobFailed: java.lang.RuntimeException: sink write failed');
    expect(payments.lastError).toContain('diagnosis: SinkWriteFailure');
    expect(payments.lastError).not.toContain(FLINK_SANDBOX_PLANTED_SECRET);
    expect(payments.lastError).not.toContain('\tat com.example');

    const clicks = job(snapshot, 'clicks_sessionize');
    expect(clicks.state).toBe('RUNNING');
    expect(clicks.failovers?.map((f) => f.atMs - T0)).toEqual(
      [1, 1.5, 2, 2.5, 3, 3.5, 4].map((m) => m * MINUTE),
    );
    expect(clicks.metrics).toContainEqual({ name: 'restarts', value: 7, atMs: h.clock.now() });
    expect(clicks.labels['flinkJobStatus']).toBe('RESTARTING');

    const inventory = job(snapshot, 'inventory_sync');
    expect(inventory.checkpoints?.recentFailures?.map((f) => f.atMs - T0)).toEqual([
      61_200, 121_200, 181_200, 241_200,
    ]);
    expect(inventory.checkpoints?.lastCompletedAtMs).toBe(T0);
    expect(inventory.lastError).toContain('diagnosis: CheckpointTimeout');
  });

  it('each finding fires exactly once across repeated polls and resolves once (with detect)', async () => {
    const h = await start();
    for (let poll = 0; poll <= 36; poll++) {
      const { snapshot, events } = await h.poll();
      expect(snapshot.errors).toEqual([]);
      for (const event of events) expect(JSON.stringify(event)).not.toContain(FLINK_SANDBOX_PLANTED_SECRET);
      h.clock.advance(30_000);
    }
    expect(summarize(h.events).sort()).toEqual(
      [
        'checkpoint.failed inventory_sync firing',
        'checkpoint.failed inventory_sync resolved',
        'checkpoint.stalled inventory_sync firing',
        'checkpoint.stalled inventory_sync resolved',
        'failover.burst clicks_sessionize firing',
        'failover.burst clicks_sessionize resolved',
        'job.failed payments_agg firing',
      ].sort(),
    );
  });
});
