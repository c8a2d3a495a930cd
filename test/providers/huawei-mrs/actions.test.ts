import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../../lib/model/snapshot.js';
import { closeHuaweiClients } from '../../../lib/providers/huawei/index.js';
import { createMrsActions } from '../../../lib/providers/huawei-mrs/actions.js';
import { huaweiMrsProvider } from '../../../lib/providers/huawei-mrs/index.js';
import { MRS_SANDBOX_PROPERTY_SECRET } from '../../../lib/providers/huawei-mrs/sandbox.js';
import type { ActionRequest, ActionTarget } from '../../../lib/providers/types.js';
import { actionTarget } from '../harness.js';
import { MINUTE, type MrsHarness, startMrsHarness, T0 } from './helpers.js';

afterAll(() => closeHuaweiClients());

describe('MRS actions against the sandbox', () => {
  let h: MrsHarness;
  // Verification sleeps advance the simulated clock instead of waiting.
  const actions = createMrsActions({
    sleep: async (ms) => {
      h.clock.advance(ms);
    },
  });
  const request = (action: ActionRequest['action'], resource: ActionTarget): ActionRequest => ({
    action,
    resource,
    params: {},
    verifyTimeoutMs: 60_000,
    verifyIntervalMs: 1_000,
  });
  const job = async (name: string) => {
    const snapshot = await huaweiMrsProvider.collect(h.target, h.ctx);
    return snapshot.jobs.find((j) => j.name === name) as JobSnapshot;
  };
  const ops = () => h.sandbox.requests.map((r) => `${r.operation} ${r.status}`);

  beforeAll(async () => {
    h = await startMrsHarness();
  });
  afterAll(() => h.stop());
  beforeEach(() => h.sandbox.resetLog());

  it('supports kill and resubmit on jobs only', () => {
    expect(huaweiMrsProvider.actions.supports({ kind: 'job', jobKind: 'hive' })).toEqual([
      'kill',
      'resubmit',
    ]);
    expect(huaweiMrsProvider.actions.supports({ kind: 'cluster' })).toEqual([]);
  });

  it('an unsupported action is refused without calling MRS', async () => {
    const hive = await job('hive-report');
    h.sandbox.resetLog();
    const outcome = await actions.perform(h.target, request('pause', actionTarget(hive)), h.ctx);
    expect(outcome).toMatchObject({ ok: false, status: 'unsupported', retryable: false });
    expect(h.sandbox.requests).toEqual([]);
  });

  it('kill: sends StopJob once, then polls the detail until the execution shows KILLED', async () => {
    const hive = await job('hive-report');
    h.sandbox.resetLog();
    const outcome = await actions.perform(h.target, request('kill', actionTarget(hive)), h.ctx);
    expect(outcome).toMatchObject({
      ok: true,
      status: 'verified',
      action: 'kill',
      finalState: 'KILLED/KILLED',
    });
    // Kill takes 3 s at MRS: detail, kill, then detail polls 1 s apart until KILLED.
    expect(ops()).toEqual([
      'ShowSingleJobExe 202',
      'StopJob 202',
      'ShowSingleJobExe 202',
      'ShowSingleJobExe 202',
      'ShowSingleJobExe 202',
      'ShowSingleJobExe 202',
    ]);
    expect(h.world.kills).toEqual([expect.objectContaining({ jobId: hive.instanceId })]);
    // The collector now sees a user stop.
    expect(await job('hive-report')).toMatchObject({ state: 'STOPPED', stateCause: 'user' });
  });

  it('kill of an execution that already ended is rejected without a StopJob call', async () => {
    const hive = await job('hive-report');
    h.sandbox.resetLog();
    const outcome = await actions.perform(h.target, request('kill', actionTarget(hive)), h.ctx);
    expect(outcome).toMatchObject({ ok: false, status: 'rejected', retryable: false });
    expect(ops()).toEqual(['ShowSingleJobExe 202']);
  });

  it('resubmit of a job that has not failed is rejected', async () => {
    const distcp = await job('long-distcp');
    h.sandbox.resetLog();
    const outcome = await actions.perform(h.target, request('resubmit', actionTarget(distcp)), h.ctx);
    expect(outcome).toMatchObject({ ok: false, status: 'rejected' });
    expect(ops()).toEqual(['ShowSingleJobExe 202']);
  });

  it('resubmit of a failed run submits the same type, name, arguments and properties, and verifies it runs', async () => {
    h.clock.set(T0 + 3 * MINUTE); // daily-etl run 1 failed at T0+2 min
    const etl = await job('daily-etl');
    expect(etl.state).toBe('FAILED');
    h.sandbox.resetLog();
    const outcome = await actions.perform(h.target, request('resubmit', actionTarget(etl)), h.ctx);
    expect(outcome).toMatchObject({ ok: true, status: 'verified', finalState: 'RUNNING/UNDEFINED' });
    expect(ops().filter((o) => o.startsWith('CreateExecuteJob'))).toEqual(['CreateExecuteJob 200']);
    const submission = h.world.submissions[0];
    expect(submission).toMatchObject({ name: 'daily-etl', type: 'SparkSubmit', argumentCount: 5 });
    // Properties (with the fake key) went to MRS unchanged...
    const resubmitted = h.world.executions.get(etl.scope.id)?.find((e) => e.id === submission?.jobId);
    expect(resubmitted?.properties).toContain(MRS_SANDBOX_PROPERTY_SECRET);
    expect(resubmitted?.arguments).toBe(
      '[--class, com.example.daily_etl, --master, yarn-cluster, obs://sandbox-bucket/app.jar]',
    );
    // ...and nowhere else.
    expect(JSON.stringify(outcome)).not.toContain(MRS_SANDBOX_PROPERTY_SECRET);
    // The next poll sees the new run: the job is no longer failed.
    expect(await job('daily-etl')).toMatchObject({ state: 'RUNNING', instanceId: submission?.jobId });
  });

  it('resubmit while the cluster is abnormal: MRS refuses (500), sent once, never retried', async () => {
    h.clock.set(T0 + 12 * MINUTE);
    const etl = await job('daily-etl');
    // The latest run is the resubmitted one (succeeded); target run 1, which failed.
    const failedRun: ActionTarget = {
      ...actionTarget(etl),
      instanceId: 'e7a1d001-0000-4000-8000-000000000001',
    };
    h.sandbox.resetLog();
    const outcome = await actions.perform(h.target, request('resubmit', failedRun), h.ctx);
    expect(outcome).toMatchObject({ ok: false, status: 'failed' });
    expect(outcome.message).toContain('HTTP 500');
    expect(ops().filter((o) => o.startsWith('CreateExecuteJob'))).toEqual(['CreateExecuteJob 500']);
  });

  it('verification gives up at the timeout', async () => {
    h.clock.set(T0 + 25 * MINUTE);
    const distcp = await job('long-distcp');
    // A verify window shorter than MRS's kill delay (3 s).
    const outcome = await actions.perform(
      h.target,
      { ...request('kill', actionTarget(distcp)), verifyTimeoutMs: 1_500 },
      h.ctx,
    );
    expect(outcome).toMatchObject({
      ok: false,
      status: 'timeout',
      retryable: true,
      finalState: 'RUNNING/UNDEFINED',
    });
  });
});
