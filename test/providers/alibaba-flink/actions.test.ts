/**
 * Actions against the emulator: each sends exactly one vendor call per state change (StopJob,
 * StartJobWithParams), then verifies with GetJob; checked through the sandbox's request log (what the
 * vendor received, bodies included) and the next snapshot.
 */
import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../../lib/model/snapshot.js';
import { alibabaFlinkProvider } from '../../../lib/providers/alibaba-flink/index.js';
import { alibabaFlinkSandboxPlugin } from '../../../lib/providers/alibaba-flink/sandbox.js';
import type { ActionName, ActionTarget } from '../../../lib/providers/types.js';
import type { SandboxPlugin } from '../../../lib/sandbox/index.js';
import { stopAfterEach } from '../../support/stop-after-each.js';
import { actionTarget, MINUTE, type ProviderHarness, startProviderHarness } from '../harness.js';

const startHarness = stopAfterEach(startProviderHarness);

const actions = alibabaFlinkProvider.actions;

/** Request bodies as the emulator received them, by operation (the request log keeps no bodies). */
const received: { operation: string; body: Record<string, unknown> }[] = [];
const recording: SandboxPlugin = {
  provider: 'alibaba-flink',
  create(options) {
    const emulator = alibabaFlinkSandboxPlugin.create(options);
    return {
      ...emulator,
      routes: emulator.routes.map((route) => ({
        ...route,
        handler: (req) => {
          if (req.body.length > 0)
            received.push({ operation: route.operation, body: JSON.parse(req.body.toString()) });
          return route.handler(req);
        },
      })),
    };
  },
};
const start = () => {
  received.length = 0;
  return startHarness(alibabaFlinkProvider, recording);
};

async function perform(
  harness: ProviderHarness,
  name: string,
  action: ActionName,
  params: Record<string, unknown> = {},
  edit: (t: ActionTarget) => ActionTarget = (t) => t,
) {
  const { snapshot } = await harness.poll();
  const job = snapshot.jobs.find((j) => j.name === name) as JobSnapshot;
  const mark = harness.sandbox.requests.length;
  // Verification timing runs on the wall clock; the emulator settles a transition on its second GetJob.
  const outcome = await actions.perform(
    harness.target,
    { action, resource: edit(actionTarget(job)), params, verifyTimeoutMs: 5_000, verifyIntervalMs: 5 },
    { ...harness.ctx, now: Date.now },
  );
  const requests = harness.sandbox.requests.slice(mark);
  const calls = (operation: string) => requests.filter((r) => r.operation === operation);
  const bodies = (operation: string) => received.filter((r) => r.operation === operation).map((r) => r.body);
  return { outcome, job, requests, calls, bodies };
}

describe('alibaba-flink actions', () => {
  it('supports stop, restart and restart-from-checkpoint on jobs only', () => {
    expect(actions.supports({ kind: 'job', jobKind: 'flink-stream' })).toEqual([
      'stop',
      'restart',
      'restart-from-checkpoint',
    ]);
    expect(actions.supports({ kind: 'job', jobKind: 'flink-batch' })).toEqual([
      'stop',
      'restart',
      'restart-from-checkpoint',
    ]);
    expect(actions.supports({ kind: 'queue' })).toEqual([]);
  });

  it('stop with a savepoint: one StopJob (STOP_WITH_SAVEPOINT), verified CANCELLED', async () => {
    const h = await start();
    const { outcome, calls, bodies } = await perform(h, 'orders_etl', 'stop', { withSavepoint: true });
    expect(outcome).toMatchObject({ ok: true, status: 'verified', action: 'stop', finalState: 'STOPPED' });
    expect(calls('StopJob')).toHaveLength(1);
    expect(bodies('StopJob')).toEqual([{ stopStrategy: 'STOP_WITH_SAVEPOINT' }]);
    expect(calls('StartJobWithParams')).toHaveLength(0);
    expect(calls('GetJob').length).toBeGreaterThan(0);
    const { snapshot } = await h.poll();
    expect(snapshot.jobs.find((j) => j.name === 'orders_etl')).toMatchObject({
      state: 'STOPPED',
      stateCause: 'user',
    });
  });

  it('restart of a running job: one StopJob, then one StartJobWithParams from the latest savepoint', async () => {
    const h = await start();
    const { outcome, calls, bodies, job } = await perform(h, 'orders_etl', 'restart', {
      withSavepoint: true,
      resourceQueueName: 'default-queue',
    });
    expect(outcome).toMatchObject({ ok: true, status: 'verified', finalState: 'RUNNING' });
    expect(calls('StopJob')).toHaveLength(1);
    expect(calls('StartJobWithParams')).toHaveLength(1);
    expect(bodies('StartJobWithParams')).toEqual([
      {
        deploymentId: job.vendorId,
        restoreStrategy: { kind: 'LATEST_SAVEPOINT' },
        resourceQueueName: 'default-queue',
      },
    ]);
    const { snapshot } = await h.poll();
    const after = snapshot.jobs.find((j) => j.name === 'orders_etl') as JobSnapshot;
    expect(after.state).toBe('RUNNING');
    expect(after.instanceId).not.toBe(job.instanceId);
  });

  it('restart-from-checkpoint of a FAILED job: no stop, one start from the given savepoint', async () => {
    const h = await start();
    h.clock.advance(2 * MINUTE);
    const { outcome, calls, bodies } = await perform(h, 'payments_agg', 'restart-from-checkpoint', {
      savepointId: 'sp-1',
      allowNonRestoredState: true,
    });
    expect(outcome).toMatchObject({ ok: true, status: 'verified', finalState: 'RUNNING' });
    expect(calls('StopJob')).toHaveLength(0);
    expect(calls('StartJobWithParams')).toHaveLength(1);
    expect(bodies('StartJobWithParams')[0]?.restoreStrategy).toEqual({
      kind: 'FROM_SAVEPOINT',
      savepointId: 'sp-1',
      allowNonRestoredState: true,
    });
  });

  it('an already stopped job is not stopped again; bad params and a foreign workspace call nothing', async () => {
    const h = await start();
    h.clock.advance(MINUTE);
    const stopped = await perform(h, 'legacy_report', 'stop');
    expect(stopped.outcome).toMatchObject({ ok: true, message: expect.stringContaining('already stopped') });
    expect(stopped.calls('StopJob')).toHaveLength(0);

    const bad = await perform(h, 'orders_etl', 'restart', { savepoint: true });
    expect(bad.outcome).toMatchObject({
      ok: false,
      status: 'rejected',
      message: expect.stringContaining('invalid params'),
    });
    expect(bad.requests).toEqual([]);
    const fromSavepoint = await perform(h, 'orders_etl', 'restart', { restoreStrategy: 'FROM_SAVEPOINT' });
    expect(fromSavepoint.outcome).toMatchObject({ ok: false, status: 'rejected' });
    expect(fromSavepoint.requests).toEqual([]);

    const foreign = await perform(h, 'orders_etl', 'stop', {}, (t) => ({
      ...t,
      scope: { kind: 'project', id: 'another-workspace:default-namespace' },
    }));
    expect(foreign.outcome).toMatchObject({ ok: false, status: 'rejected' });
    expect(foreign.requests).toEqual([]);
  });

  it('readState reads the deployment newest job in one call', async () => {
    const h = await start();
    const { snapshot } = await h.poll();
    const job = snapshot.jobs.find((j) => j.name === 'orders_etl') as JobSnapshot;
    const mark = h.sandbox.requests.length;
    await expect(actions.readState(h.target, actionTarget(job), h.ctx)).resolves.toEqual({
      kind: 'job',
      state: 'RUNNING',
      vendorState: 'RUNNING',
      instanceId: job.instanceId,
    });
    expect(h.sandbox.requests.slice(mark).map((r) => r.operation)).toEqual(['ListJobs']);
  });
});
