import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerSnapshot, JobSnapshot } from '../../../lib/model/snapshot.js';
import { closeHuaweiClients } from '../../../lib/providers/huawei/index.js';
import { huaweiDliProvider } from '../../../lib/providers/huawei-dli/index.js';
import type { ActionName, ActionRequest, ActionTarget } from '../../../lib/providers/types.js';
import { dliProviderOnClock } from '../../support/sim-providers.js';
import { type DliHarness, SECOND, startDliHarness } from './helpers.js';

let h: DliHarness;
let byName: Map<string, JobSnapshot>;
let queues: Map<string, ContainerSnapshot>;

beforeAll(async () => {
  h = await startDliHarness();
  const snapshot = await huaweiDliProvider.collect(h.target, h.ctx);
  byName = new Map(snapshot.jobs.map((j) => [j.name, j]));
  queues = new Map(snapshot.containers.map((c) => [c.name, c]));
});
afterAll(async () => {
  await h.stop();
  await closeHuaweiClients();
});
beforeEach(() => {
  h.sandbox.resetLog();
});

function jobTarget(name: string): ActionTarget {
  const job = byName.get(name);
  if (!job) throw new Error(`no job ${name}`);
  return {
    key: job.key,
    kind: 'job',
    jobKind: job.kind,
    vendorId: job.vendorId,
    scope: job.scope,
    name: job.name,
  };
}
function queueTarget(name: string): ActionTarget {
  const queue = queues.get(name);
  if (!queue) throw new Error(`no queue ${name}`);
  return { key: queue.key, kind: 'queue', vendorId: queue.vendorId, scope: queue.scope, name: queue.name };
}
function request(
  action: ActionName,
  resource: ActionTarget,
  params: Record<string, unknown> = {},
  verifyTimeoutMs = 120 * SECOND,
): ActionRequest {
  return { action, resource, params, verifyTimeoutMs, verifyIntervalMs: SECOND };
}
// The simulated clock stands still; a verification wait moves it. The vendor's transitions (seconds of
// simulated time) then come between the same reads however slowly the machine runs: a clock driven by the
// wall clock let a loaded machine skip past a whole transition between two reads.
const provider = dliProviderOnClock({ advance: (ms) => h.clock.advance(ms) });
const perform = (r: ActionRequest) => provider.actions.perform(h.target, r, h.ctx);
const operations = () => h.sandbox.requests.map((r) => r.operation);
const distinctInOrder = (ops: string[]) => ops.filter((op, i) => op !== ops[i - 1]);

describe('DLI actions against the sandbox', () => {
  it('declares what it supports per resource kind', () => {
    expect(huaweiDliProvider.actions.supports({ kind: 'job', jobKind: 'flink-stream' })).toEqual([
      'stop',
      'restart',
    ]);
    expect(huaweiDliProvider.actions.supports({ kind: 'job', jobKind: 'spark-batch' })).toEqual(['cancel']);
    expect(huaweiDliProvider.actions.supports({ kind: 'job', jobKind: 'sql' })).toEqual(['cancel']);
    expect(huaweiDliProvider.actions.supports({ kind: 'queue' })).toEqual(['restart-queue']);
  });

  it('unsupported combinations are refused without calling the vendor', async () => {
    for (const [action, target] of [
      ['pause', jobTarget('orders-etl')],
      ['cancel', jobTarget('orders-etl')],
      ['stop', jobTarget('long-batch')],
      ['restart-queue', jobTarget('orders-etl')],
    ] as const) {
      const outcome = await perform(request(action, target));
      expect(outcome).toMatchObject({ ok: false, status: 'unsupported', retryable: false });
    }
    expect(h.sandbox.requests).toEqual([]);
  });

  it('stops a Flink job with a savepoint: one stop call for one job, then polls until job_cancel_success', async () => {
    const outcome = await perform(request('stop', jobTarget('orders-etl'), { withSavepoint: true }));
    expect(outcome).toMatchObject({ ok: true, status: 'verified', finalState: 'STOPPED' });
    expect(outcome.message).toContain('with a savepoint');
    expect(distinctInOrder(operations())).toEqual(['BatchStopFlinkJobs', 'ShowFlinkJob']);
    expect(operations().filter((o) => o === 'ShowFlinkJob').length).toBeGreaterThan(1);
  });

  it('restarts a stopped Flink job from its savepoint without stopping it again', async () => {
    const outcome = await perform(request('restart', jobTarget('orders-etl'), { fromSavepoint: true }));
    expect(outcome).toMatchObject({ ok: true, status: 'verified', finalState: 'RUNNING' });
    expect(distinctInOrder(operations())).toEqual(['ShowFlinkJob', 'BatchRunFlinkJobs', 'ShowFlinkJob']);
  });

  it('restarts a running Flink job: stop, verify stopped, run, verify running', async () => {
    const outcome = await perform(request('restart', jobTarget('filler-flink-000')));
    expect(outcome).toMatchObject({ ok: true, status: 'verified', finalState: 'RUNNING' });
    expect(distinctInOrder(operations())).toEqual([
      'ShowFlinkJob',
      'BatchStopFlinkJobs',
      'ShowFlinkJob',
      'BatchRunFlinkJobs',
      'ShowFlinkJob',
    ]);
  });

  it('reports a timeout when the vendor does not confirm in time', async () => {
    const outcome = await perform(request('stop', jobTarget('filler-flink-001'), {}, 1));
    expect(outcome).toMatchObject({
      ok: false,
      status: 'timeout',
      retryable: true,
      finalState: 'job_canceling',
    });
  });

  it('rejects invalid params before calling the vendor', async () => {
    const outcome = await perform(request('stop', jobTarget('filler-flink-002'), { withSavepoint: 'yes' }));
    expect(outcome).toMatchObject({ ok: false, status: 'rejected', retryable: false });
    expect(h.sandbox.requests).toEqual([]);
  });

  it('cancels a Spark batch and verifies it is dead; a second cancel is rejected by DLI', async () => {
    const first = await perform(request('cancel', jobTarget('long-batch')));
    expect(first).toMatchObject({ ok: true, status: 'verified' });
    expect(distinctInOrder(operations())).toEqual(['CancelSparkJob', 'ShowSparkJobStatus']);
    const second = await perform(request('cancel', jobTarget('long-batch')));
    expect(second).toMatchObject({ ok: false, status: 'rejected', retryable: false });
    expect(second.message).toContain('DLI.0001');
  });

  it('cancels a running SQL job and verifies CANCELLED', async () => {
    const running = [...byName.values()].find(
      (j) => j.kind === 'sql' && j.state === 'RUNNING' && j.name.includes('/query/'),
    );
    if (!running) throw new Error('no running SQL query in the scenario');
    const outcome = await perform(request('cancel', jobTarget(running.name)));
    expect(outcome).toMatchObject({ ok: true, status: 'verified', finalState: 'STOPPED' });
    expect(distinctInOrder(operations())).toEqual(['CancelSqlJob', 'ShowSqlJobStatus']);
  });

  it('restarts a SQL queue (plain and forced) and verifies; a general queue is refused by DLI', async () => {
    const plain = await perform(request('restart-queue', queueTarget('etl_queue')));
    expect(plain).toMatchObject({ ok: true, status: 'verified', finalState: 'available' });
    expect(distinctInOrder(operations())).toEqual(['ListQueues', 'RunQueueAction', 'ListQueues']);

    h.sandbox.resetLog();
    const forced = await perform(request('restart-queue', queueTarget('etl_queue'), { force: true }));
    expect(forced).toMatchObject({ ok: true, status: 'verified' });
    expect(distinctInOrder(operations())).toEqual(['ListQueues', 'RunQueueAction', 'ShowSqlJobStatus']);

    const general = await perform(request('restart-queue', queueTarget('general_queue')));
    expect(general).toMatchObject({ ok: false, status: 'rejected', retryable: false });
    expect(general.message).toContain('DLI.0007');
  });
});
