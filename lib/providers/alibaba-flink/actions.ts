/**
 * Stop, restart and restart-from-checkpoint of a Realtime Compute for Apache Flink deployment's job. Every
 * action re-reads the deployment's newest job first, sends StopJob / StartJobWithParams (digest §5.1, §5.4),
 * then verifies with GetJob until the expected state or the timeout. A deployment is the resource (its id
 * is the vendorId); its jobs are runs (instanceId), and a start makes a new one.
 */
import type { z } from 'zod';
import { sleep } from '../../async/sleep.js';
import { HttpCallError } from '../../http/errors.js';
import {
  ActionStop,
  callContext,
  parseActionParams,
  pollWithin,
  rejectAction,
  runAction,
  unsupportedAction,
  type VerifyWindow,
} from '../actions-shared.js';
import type { ActionName, ProviderActions } from '../types.js';
import type { FlinkCallContext, FlinkClient } from './client.js';
import { latestJob, normalizeFlinkState, parseFlinkScopeId, resolveFlinkClient } from './collector.js';
import { type FlinkTarget, flinkActionParamsSchema, type RESTORE_KINDS } from './config.js';
import { jobResponseSchema, listJobsResponseSchema, type VendorJob } from './schemas.js';

const JOB_ACTIONS: readonly ActionName[] = ['stop', 'restart', 'restart-from-checkpoint'];

type FlinkActionParams = z.infer<typeof flinkActionParamsSchema>;

export const flinkSupportedActions: ProviderActions['supports'] = (resource) => {
  if (resource.kind !== 'job') return [];
  return resource.jobKind === 'flink-stream' || resource.jobKind === 'flink-batch' ? JOB_ACTIONS : [];
};

interface Session extends VerifyWindow {
  client: FlinkClient;
  call: FlinkCallContext;
  namespace: string;
  deploymentId: string;
  name: string;
  params: FlinkActionParams;
}

const statusOf = (job: VendorJob | undefined) => (job?.status?.currentJobStatus ?? 'UNKNOWN').toUpperCase();
const LIVE = new Set(['STARTING', 'RUNNING']);
const ENDED = new Set(['CANCELLED', 'FAILED', 'FINISHED']);

/** The deployment's newest job (ListJobs, newest first asked; the newest is picked whatever the order). */
async function readLatest(
  client: FlinkClient,
  namespace: string,
  deploymentId: string,
  call: FlinkCallContext,
): Promise<VendorJob | undefined> {
  const answer = await client.call(
    {
      operation: 'ListJobs',
      method: 'GET',
      namespace,
      segments: ['jobs'],
      query: [
        ['deploymentId', deploymentId],
        ['pageIndex', '1'],
        ['pageSize', '100'],
        ['sortName', 'gmt_create'],
      ],
    },
    listJobsResponseSchema,
    call,
  );
  return latestJob(answer.data);
}

async function getJob(s: Session, jobId: string): Promise<VendorJob> {
  const answer = await s.client.call(
    { operation: 'GetJob', method: 'GET', namespace: s.namespace, segments: ['jobs', jobId] },
    jobResponseSchema,
    s.call,
  );
  if (!answer.data)
    throw new HttpCallError('GetJob: the answer carries no job', {
      kind: 'invalid-response',
      operation: 'GetJob',
      attempts: 1,
    });
  return answer.data;
}

/** Polls GetJob until `want`; FAILED while waiting for anything else ends the wait as failed. */
async function waitFor(s: Session, jobId: string, want: string): Promise<VendorJob> {
  const polled = await pollWithin(
    s,
    () => getJob(s, jobId),
    (job) => {
      const status = statusOf(job);
      if (status === want) return 'done';
      return status === 'FAILED' && want !== 'FAILED' ? 'failed' : 'wait';
    },
    { retryReads: false },
  );
  const job = polled.last as VendorJob;
  if (polled.result === 'done') return job;
  if (polled.result === 'failed') {
    const reason = job.status?.failure?.reason;
    throw new ActionStop({
      ok: false,
      status: 'failed',
      finalState: 'FAILED',
      message: `${s.name}: job ${jobId} reached FAILED while waiting for ${want}${reason ? ` (${reason})` : ''}`,
      retryable: false,
    });
  }
  if (polled.aborted) throw s.ctx.signal?.reason;
  throw new ActionStop({
    ok: false,
    status: 'timeout',
    finalState: normalizeFlinkState(statusOf(job)).state,
    message: `${s.name}: job ${jobId} still ${statusOf(job)} after ${s.request.verifyTimeoutMs} ms, expected ${want}`,
    retryable: true,
  });
}

async function stopJob(s: Session, job: VendorJob): Promise<string> {
  const stopStrategy = s.params.stopStrategy ?? (s.params.withSavepoint ? 'STOP_WITH_SAVEPOINT' : 'NONE');
  await s.client.call(
    {
      operation: 'StopJob',
      method: 'POST',
      namespace: s.namespace,
      segments: ['jobs', job.jobId],
      verb: ':stop',
      body: { stopStrategy },
    },
    jobResponseSchema,
    s.call,
  );
  await waitFor(s, job.jobId, 'CANCELLED');
  return stopStrategy;
}

async function startJob(s: Session, restoreKind: (typeof RESTORE_KINDS)[number]): Promise<VendorJob> {
  const restoreStrategy: Record<string, unknown> = { kind: restoreKind };
  if (restoreKind === 'FROM_SAVEPOINT') restoreStrategy['savepointId'] = s.params.savepointId;
  if (s.params.allowNonRestoredState !== undefined)
    restoreStrategy['allowNonRestoredState'] = s.params.allowNonRestoredState;
  if (restoreKind === 'NONE' && s.params.jobStartTimeMs !== undefined)
    restoreStrategy['jobStartTimeInMs'] = s.params.jobStartTimeMs;
  const answer = await s.client.call(
    {
      operation: 'StartJobWithParams',
      method: 'POST',
      namespace: s.namespace,
      segments: ['jobs'],
      verb: ':start',
      body: {
        deploymentId: s.deploymentId,
        restoreStrategy,
        ...(s.params.resourceQueueName ? { resourceQueueName: s.params.resourceQueueName } : {}),
      },
    },
    jobResponseSchema,
    s.call,
  );
  // The answer is the new job; without it the new run cannot be told from the old one.
  const started = answer.data ?? (await readLatest(s.client, s.namespace, s.deploymentId, s.call));
  if (!started)
    throw new ActionStop({
      ok: false,
      status: 'failed',
      message: `${s.name}: StartJobWithParams answered without a job`,
      retryable: true,
    });
  return waitFor(s, started.jobId, 'RUNNING');
}

async function stop(s: Session): Promise<string> {
  const job = await readLatest(s.client, s.namespace, s.deploymentId, s.call);
  const status = statusOf(job);
  if (!job || ENDED.has(status)) return `already stopped (${status})`;
  if (!LIVE.has(status)) rejectAction(`cannot stop ${s.name} in state ${status}`);
  const strategy = await stopJob(s, job);
  return `stopped job ${job.jobId} (${strategy})`;
}

/** Stop the live job if any (verified CANCELLED), then StartJobWithParams, verified RUNNING. */
async function restartWith(s: Session, fromCheckpoint: boolean): Promise<string> {
  const job = await readLatest(s.client, s.namespace, s.deploymentId, s.call);
  const status = statusOf(job);
  if (status === 'CANCELLING') rejectAction(`cannot restart ${s.name} while it is CANCELLING`);
  let stoppedWith: string | undefined;
  if (job && LIVE.has(status)) stoppedWith = await stopJob(s, job);
  const restore =
    (s.params.savepointId ? 'FROM_SAVEPOINT' : undefined) ??
    (fromCheckpoint ? 'LATEST_STATE' : undefined) ??
    s.params.restoreStrategy ??
    (stoppedWith === 'STOP_WITH_SAVEPOINT' ? 'LATEST_SAVEPOINT' : 'LATEST_STATE');
  const started = await startJob(s, restore);
  return `restarted as job ${started.jobId} from ${restore} (was ${status}${stoppedWith ? `, stopped with ${stoppedWith}` : ''})`;
}

const PERFORM: Partial<Record<ActionName, (s: Session) => Promise<string>>> = {
  stop,
  restart: (s) => restartWith(s, false),
  'restart-from-checkpoint': (s) => restartWith(s, true),
};

const readFlinkState: ProviderActions<FlinkTarget>['readState'] = async (target, resource, ctx) => {
  const scope = parseFlinkScopeId(resource.scope.id);
  if (resource.kind !== 'job' || !scope)
    throw new Error(
      `alibaba-flink cannot read the state of a ${resource.kind} in ${resource.scope.kind} ${resource.scope.id}`,
    );
  const client = await resolveFlinkClient(target, ctx);
  const job = await readLatest(client, scope.namespace, resource.vendorId, callContext(ctx));
  const vendorState = statusOf(job);
  return {
    kind: 'job',
    ...normalizeFlinkState(vendorState),
    vendorState,
    ...(job ? { instanceId: job.jobId } : {}),
  };
};

export const flinkActions: ProviderActions<FlinkTarget> = {
  supports: flinkSupportedActions,
  readState: readFlinkState,

  perform: (target, request, ctx) =>
    runAction(request.action, ctx, async (startedMs) => {
      const handler = PERFORM[request.action];
      const scope = parseFlinkScopeId(request.resource.scope.id);
      if (
        !handler ||
        !scope ||
        !flinkSupportedActions(request.resource).includes(request.action) ||
        request.resource.scope.kind !== 'project'
      )
        unsupportedAction(request);
      if (target.options.workspace !== scope.workspace)
        rejectAction(`workspace ${scope.workspace} is not target ${target.id}'s workspace`);
      const params = parseActionParams(flinkActionParamsSchema, request);
      const client = await resolveFlinkClient(target, ctx);
      const session: Session = {
        client,
        call: callContext(ctx),
        namespace: scope.namespace,
        deploymentId: request.resource.vendorId,
        name: request.resource.name,
        request,
        ctx,
        startedMs,
        sleep,
        params,
      };
      const message = await handler(session);
      const final = await readLatest(client, scope.namespace, request.resource.vendorId, session.call);
      return {
        ok: true,
        finalState: normalizeFlinkState(statusOf(final)).state,
        message: `${request.resource.name}: ${message}`,
      };
    }),
};
