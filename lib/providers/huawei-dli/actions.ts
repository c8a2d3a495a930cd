/**
 * DLI actions: stop / restart a Flink job (savepoints on request), cancel a Spark batch or a SQL job,
 * restart a queue. DLI answers these calls before the work is done ("request dispatched"), so an answer
 * only means "accepted": every action then polls the job or queue until the expected state or the timeout.
 */
import type { z } from 'zod';
import { sleep as defaultSleep, type Sleep } from '../../async/sleep.js';
import { HttpCallError } from '../../http/errors.js';
import type { JobState } from '../../model/snapshot.js';
import {
  failedOutcome,
  isRetryableFailure,
  type PollResult,
  type PollVerdict,
  pollUntil,
  rejectedOutcome,
  timedOutOutcome,
  unsupportedOutcome,
  verifiedOutcome,
} from '../actions-shared.js';
import type {
  ActionName,
  ActionOutcome,
  ActionRequest,
  ActionTarget,
  CurrentState,
  ProviderActions,
  ProviderContext,
} from '../types.js';
import { createDliApi, type DliApi } from './client.js';
import { flinkState, sparkState, sqlState } from './collector.js';
import {
  type DliTarget,
  dliFlinkParamsSchema as flinkParams,
  dliNoParamsSchema as noParams,
  dliQueueParamsSchema as queueParams,
} from './config.js';

const FLINK_ACTIONS: readonly ActionName[] = ['stop', 'restart'];
const CANCEL_ACTIONS: readonly ActionName[] = ['cancel'];
const QUEUE_ACTIONS: readonly ActionName[] = ['restart-queue'];

function supports(resource: Pick<ActionTarget, 'kind' | 'jobKind'>): readonly ActionName[] {
  if (resource.kind === 'queue') return QUEUE_ACTIONS;
  if (resource.kind !== 'job') return [];
  if (resource.jobKind === 'flink-stream') return FLINK_ACTIONS;
  if (resource.jobKind === 'spark-batch' || resource.jobKind === 'sql') return CANCEL_ACTIONS;
  return [];
}

class Verifier {
  private readonly startedMs: number;
  constructor(
    private readonly ctx: ProviderContext,
    private readonly request: ActionRequest,
    private readonly sleep: Sleep,
  ) {
    this.startedMs = ctx.now();
  }

  elapsedMs(): number {
    return this.ctx.now() - this.startedMs;
  }

  /** Polls `read` from the action's start until `decide` says done or failed, or the verify timeout. */
  async until<T>(
    read: () => Promise<T>,
    decide: (value: T, polls: number) => PollVerdict,
    describe: (value: T) => string,
  ): Promise<PollResult<T>> {
    const polled = await pollUntil({
      read,
      decide,
      now: this.ctx.now,
      sleep: this.sleep,
      signal: this.ctx.signal,
      startedMs: this.startedMs,
      verifyTimeoutMs: this.request.verifyTimeoutMs,
      verifyIntervalMs: this.request.verifyIntervalMs,
    });
    if (polled.result === 'timeout') {
      this.ctx.logger.debug('DLI action verification gave up', {
        action: this.request.action,
        last: polled.last === undefined ? undefined : describe(polled.last),
      });
    }
    return polled;
  }
}

type Outcome = ActionOutcome;

function rejected(action: ActionName, error: unknown, durationMs: number): Outcome {
  const message =
    error instanceof HttpCallError
      ? error.message
      : error instanceof Error
        ? `${error.name}: ${error.message}`
        : 'request failed';
  return rejectedOutcome({ action, message, durationMs, retryable: isRetryableFailure(error) });
}

function timedOut(
  action: ActionName,
  what: string,
  finalState: string | undefined,
  durationMs: number,
): Outcome {
  return timedOutOutcome({
    action,
    finalState: finalState || undefined,
    message: `${what} was accepted but not confirmed in time${finalState ? ` (last state ${finalState})` : ''}`,
    durationMs,
  });
}

async function flinkStatus(api: DliApi, jobId: number): Promise<string> {
  return (await api.showFlinkJob(jobId)).status.toLowerCase();
}

/** Flink job states a run request is accepted in (the emulator accepts the same ones). */
export const FLINK_RUNNABLE: ReadonlySet<string> = new Set([
  'job_init',
  'job_cancel_success',
  'job_running_exception',
  'job_submit_fail',
  'job_finish',
  'job_idle',
  'job_arrearage_stopped',
]);

async function stopFlink(
  api: DliApi,
  jobId: number,
  withSavepoint: boolean,
  verifier: Verifier,
  action: ActionName,
): Promise<Outcome | { stopped: true }> {
  try {
    await api.stopFlinkJob(jobId, withSavepoint);
  } catch (error) {
    return rejected(action, error, verifier.elapsedMs());
  }
  const verdict = await verifier.until(
    () => flinkStatus(api, jobId),
    (status) => (status === 'job_cancel_success' ? 'done' : status === 'job_cancel_fail' ? 'failed' : 'wait'),
    (status) => status,
  );
  if (verdict.result === 'done') return { stopped: true };
  if (verdict.result === 'failed') {
    return failedOutcome({
      action,
      finalState: verdict.last ?? 'job_cancel_fail',
      message: `DLI could not stop Flink job ${jobId} (job_cancel_fail)`,
      durationMs: verifier.elapsedMs(),
      retryable: true,
    });
  }
  return timedOut(action, `stop of Flink job ${jobId}`, verdict.last, verifier.elapsedMs());
}

/** The request's params read with the action's schema, or the rejection naming the first problem. */
function readParams<T>(
  schema: z.ZodType<T>,
  request: ActionRequest,
): { ok: true; data: T } | { ok: false; rejected: Outcome } {
  const parsed = schema.safeParse(request.params);
  if (parsed.success) return { ok: true, data: parsed.data };
  const message = `invalid params: ${parsed.error.issues[0]?.message}`;
  return { ok: false, rejected: rejectedOutcome({ action: request.action, message, durationMs: 0 }) };
}

async function performFlink(api: DliApi, request: ActionRequest, verifier: Verifier): Promise<Outcome> {
  const { action, resource } = request;
  const jobId = Number(resource.vendorId);
  if (!Number.isSafeInteger(jobId)) {
    return rejectedOutcome({
      action,
      message: 'Flink job id must be a number',
      durationMs: 0,
    });
  }
  const params = readParams(flinkParams, request);
  if (!params.ok) return params.rejected;
  const { withSavepoint, fromSavepoint } = params.data;

  if (action === 'stop') {
    const stopped = await stopFlink(api, jobId, withSavepoint, verifier, action);
    if (!('stopped' in stopped)) return stopped;
    return verifiedOutcome({
      action,
      finalState: 'STOPPED',
      message: `Flink job ${jobId} stopped${withSavepoint ? ' with a savepoint' : ''}`,
      durationMs: verifier.elapsedMs(),
    });
  }

  // restart: read the state first, stop only a job that still runs, then run it.
  let current: string;
  try {
    current = await flinkStatus(api, jobId);
  } catch (error) {
    return rejected(action, error, verifier.elapsedMs());
  }
  if (!FLINK_RUNNABLE.has(current)) {
    const stopped = await stopFlink(api, jobId, withSavepoint || fromSavepoint, verifier, action);
    if (!('stopped' in stopped)) return stopped;
  }
  try {
    await api.runFlinkJob(jobId, fromSavepoint);
  } catch (error) {
    return rejected(action, error, verifier.elapsedMs());
  }
  let sawProgress = false;
  const verdict = await verifier.until(
    () => flinkStatus(api, jobId),
    (status, polls) => {
      if (status === 'job_running') return 'done';
      if (flinkState(status).state === 'PENDING') sawProgress = true;
      // Right after the run request the old failure state may still show; it counts only after the job moved.
      if (['job_submit_fail', 'job_running_exception'].includes(status) && (sawProgress || polls >= 3))
        return 'failed';
      return 'wait';
    },
    (status) => status,
  );
  if (verdict.result === 'done') {
    return verifiedOutcome({
      action,
      finalState: 'RUNNING',
      message: `Flink job ${jobId} restarted${fromSavepoint ? ' from its latest savepoint' : ''} and is running`,
      durationMs: verifier.elapsedMs(),
    });
  }
  if (verdict.result === 'failed') {
    return failedOutcome({
      action,
      finalState: verdict.last ?? 'job_submit_fail',
      message: `Flink job ${jobId} did not come back: ${verdict.last}`,
      durationMs: verifier.elapsedMs(),
    });
  }
  return timedOut(action, `run of Flink job ${jobId}`, verdict.last, verifier.elapsedMs());
}

async function performCancel(api: DliApi, request: ActionRequest, verifier: Verifier): Promise<Outcome> {
  const { action, resource } = request;
  const spark = resource.jobKind === 'spark-batch';
  const what = `${spark ? 'Spark batch' : 'SQL job'} ${resource.vendorId}`;
  try {
    if (spark) await api.cancelSparkBatch(resource.vendorId);
    else await api.cancelSqlJob(resource.vendorId);
  } catch (error) {
    return rejected(action, error, verifier.elapsedMs());
  }
  const read = spark
    ? async () => (await api.sparkBatchState(resource.vendorId)).toLowerCase()
    : async () => (await api.sqlJobStatus(resource.vendorId)).toUpperCase();
  const done = spark ? ['dead'] : ['CANCELLED'];
  const otherEnd = spark ? ['success'] : ['FINISHED', 'FAILED'];
  const verdict = await verifier.until(
    read,
    (state) => (done.includes(state) ? 'done' : otherEnd.includes(state) ? 'failed' : 'wait'),
    (state) => state,
  );
  if (verdict.result === 'done') {
    return verifiedOutcome({
      action,
      finalState: 'STOPPED',
      message: `${what} cancelled`,
      durationMs: verifier.elapsedMs(),
    });
  }
  if (verdict.result === 'failed') {
    return failedOutcome({
      action,
      finalState: verdict.last || undefined,
      message: `${what} ended as ${verdict.last} before the cancel took effect`,
      durationMs: verifier.elapsedMs(),
    });
  }
  return timedOut(action, `cancel of ${what}`, verdict.last, verifier.elapsedMs());
}

async function performQueueRestart(
  api: DliApi,
  request: ActionRequest,
  verifier: Verifier,
): Promise<Outcome> {
  const { action, resource } = request;
  const params = readParams(queueParams, request);
  if (!params.ok) return params.rejected;
  const name = resource.vendorId;
  // A restart already under way is not restarted again (the doc states no idempotency).
  try {
    const queue = (await api.listQueues()).find((q) => q.name.toLowerCase() === name.toLowerCase());
    if (!queue)
      return rejectedOutcome({
        action,
        message: `queue ${name} not found`,
        durationMs: verifier.elapsedMs(),
      });
    if (queue.restarting) {
      return rejectedOutcome({
        action,
        message: `queue ${name} is already restarting`,
        durationMs: verifier.elapsedMs(),
        retryable: true,
      });
    }
  } catch (error) {
    return rejected(action, error, verifier.elapsedMs());
  }
  let asyncJobId: string | undefined;
  try {
    asyncJobId = await api.restartQueue(name, params.data.force);
  } catch (error) {
    return rejected(action, error, verifier.elapsedMs());
  }
  if (asyncJobId) {
    const jobId = asyncJobId;
    const verdict = await verifier.until(
      async () => (await api.sqlJobStatus(jobId)).toUpperCase(),
      (status) =>
        status === 'FINISHED' ? 'done' : status === 'FAILED' || status === 'CANCELLED' ? 'failed' : 'wait',
      (status) => status,
    );
    if (verdict.result === 'done') {
      return verifiedOutcome({
        action,
        finalState: 'available',
        message: `queue ${name} restarted (forced)`,
        durationMs: verifier.elapsedMs(),
      });
    }
    if (verdict.result === 'failed') {
      return failedOutcome({
        action,
        finalState: verdict.last || undefined,
        message: `restart job of queue ${name} ended ${verdict.last}`,
        durationMs: verifier.elapsedMs(),
        retryable: true,
      });
    }
    return timedOut(action, `restart of queue ${name}`, verdict.last, verifier.elapsedMs());
  }
  // Without a job id, the queue's `is_restarting` flag is the only signal: wait until it was seen set and
  // then cleared, or never set within a couple of polls (a restart faster than the poll interval).
  let sawRestarting = false;
  const verdict = await verifier.until(
    async () => (await api.listQueues()).find((q) => q.name.toLowerCase() === name.toLowerCase())?.restarting,
    (restarting, polls) => {
      if (restarting) sawRestarting = true;
      if (restarting === undefined) return 'failed';
      return !restarting && (sawRestarting || polls >= 2) ? 'done' : 'wait';
    },
    (restarting) => (restarting ? 'restarting' : 'available'),
  );
  if (verdict.result === 'done') {
    return verifiedOutcome({
      action,
      finalState: 'available',
      message: `queue ${name} restarted and available`,
      durationMs: verifier.elapsedMs(),
    });
  }
  if (verdict.result === 'failed') {
    return failedOutcome({
      action,
      message: `queue ${name} disappeared during the restart`,
      durationMs: verifier.elapsedMs(),
    });
  }
  return timedOut(
    action,
    `restart of queue ${name}`,
    verdict.last ? 'restarting' : undefined,
    verifier.elapsedMs(),
  );
}

/** One read per resource kind: the Flink job's detail, the Spark batch's or SQL job's state, the queue list. */
async function readDliState(
  target: DliTarget,
  resource: ActionTarget,
  ctx: ProviderContext,
): Promise<CurrentState> {
  const api = await createDliApi(target, ctx);
  if (resource.kind === 'queue') {
    const name = resource.vendorId.toLowerCase();
    const queue = (await api.listQueues()).find((q) => q.name.toLowerCase() === name);
    // As the collector reads it: DLI exposes no queue health besides `is_restarting`.
    if (!queue) return { kind: 'queue', health: 'UNKNOWN', vendorState: 'not listed' };
    return queue.restarting
      ? { kind: 'queue', health: 'DEGRADED', vendorState: 'restarting' }
      : { kind: 'queue', health: 'HEALTHY', vendorState: 'available' };
  }
  if (resource.kind !== 'job') throw new Error(`huawei-dli cannot read the state of a ${resource.kind}`);
  let vendorState: string;
  let normalized: { state: JobState; cause?: 'user' | 'system' };
  if (resource.jobKind === 'flink-stream') {
    const jobId = Number(resource.vendorId);
    if (!Number.isSafeInteger(jobId)) throw new Error('Flink job id must be a number');
    vendorState = (await api.showFlinkJob(jobId)).status;
    normalized = flinkState(vendorState);
  } else if (resource.jobKind === 'spark-batch') {
    vendorState = await api.sparkBatchState(resource.vendorId);
    normalized = sparkState(vendorState);
  } else if (resource.jobKind === 'sql') {
    vendorState = await api.sqlJobStatus(resource.vendorId);
    normalized = sqlState(vendorState);
  } else throw new Error(`huawei-dli cannot read the state of a ${resource.jobKind ?? 'job'} job`);
  return {
    kind: 'job',
    state: normalized.state,
    vendorState,
    ...(normalized.cause ? { stateCause: normalized.cause } : {}),
  };
}

export interface DliActionsOptions {
  /** Injected in tests to advance a simulated clock; must reject when the signal aborts. */
  sleep?: Sleep;
}

export function createDliActions(options: DliActionsOptions = {}): ProviderActions<DliTarget> {
  const sleep = options.sleep ?? defaultSleep;
  return {
    supports,
    readState: readDliState,
    perform: (target, request, ctx) => perform(target, request, ctx, sleep),
  };
}

export const dliActions: ProviderActions<DliTarget> = createDliActions();

async function perform(
  target: DliTarget,
  request: ActionRequest,
  ctx: ProviderContext,
  sleep: Sleep,
): Promise<Outcome> {
  const { action, resource } = request;
  if (!supports(resource).includes(action)) {
    return unsupportedOutcome({
      action,
      message: `${action} is not supported on DLI ${resource.kind}${resource.jobKind ? ` (${resource.jobKind})` : ''}; supported: ${supports(resource).join(', ') || 'none'}`,
      durationMs: 0,
    });
  }
  if (
    resource.kind !== 'queue' &&
    resource.jobKind !== 'flink-stream' &&
    !noParams.safeParse(request.params).success
  ) {
    return rejectedOutcome({
      action,
      message: 'cancel takes no params',
      durationMs: 0,
    });
  }
  const verifier = new Verifier(ctx, request, sleep);
  let api: DliApi;
  try {
    api = await createDliApi(target, ctx);
  } catch (error) {
    return rejected(action, error, verifier.elapsedMs());
  }
  if (resource.kind === 'queue') return performQueueRestart(api, request, verifier);
  if (resource.jobKind === 'flink-stream') return performFlink(api, request, verifier);
  return performCancel(api, request, verifier);
}
