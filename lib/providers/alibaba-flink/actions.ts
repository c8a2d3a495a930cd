/**
 * Stop, restart and restart-from-checkpoint of a Realtime Compute for Apache Flink deployment's job. Every
 * action re-reads the deployment's newest job first, sends StopJob / StartJobWithParams (digest §5.1, §5.4),
 * then verifies with GetJob until the expected state or the timeout. A deployment is the resource (its id
 * is the vendorId); its jobs are runs (instanceId), and a start makes a new one.
 */
import type { z } from 'zod';
import { HttpCallError } from '../../http/errors.js';
import {
  callContext,
  failAction,
  jobActions,
  rejectAction,
  unsupportedAction,
  type VerifyWindow,
  waitForStatus,
} from '../actions-shared.js';
import type { ActionName, ActionRequest, ProviderActions, ProviderContext } from '../types.js';
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
  return waitForStatus(s, {
    read: () => getJob(s, jobId),
    statusOf,
    want,
    stateOf: (job) => normalizeFlinkState(statusOf(job)).state,
    what: `${s.name}: job ${jobId}`,
    reasonOf: (job) => job.status?.failure?.reason,
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
  if (!started) failAction(`${s.name}: StartJobWithParams answered without a job`, { retryable: true });
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

/** The session of one action: the deployment in its namespace, which must be in the target's workspace. */
async function openSession(
  target: FlinkTarget,
  request: ActionRequest,
  ctx: ProviderContext,
  params: FlinkActionParams,
): Promise<Omit<Session, keyof VerifyWindow>> {
  const scope = parseFlinkScopeId(request.resource.scope.id);
  if (!scope) unsupportedAction(request);
  if (target.options.workspace !== scope.workspace)
    rejectAction(`workspace ${scope.workspace} is not target ${target.id}'s workspace`);
  return {
    client: await resolveFlinkClient(target, ctx),
    call: callContext(ctx),
    namespace: scope.namespace,
    deploymentId: request.resource.vendorId,
    name: request.resource.name,
    params,
  };
}

export const flinkActions = jobActions<FlinkTarget, Session, FlinkActionParams>({
  supports: flinkSupportedActions,
  readState: readFlinkState,
  handlers: PERFORM,
  params: flinkActionParamsSchema,
  open: openSession,
  finalState: async (s) =>
    normalizeFlinkState(statusOf(await readLatest(s.client, s.namespace, s.deploymentId, s.call))).state,
});
