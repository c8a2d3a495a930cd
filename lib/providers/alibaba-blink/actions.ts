/**
 * Pause, resume, stop and restart Realtime Compute jobs. Every action re-reads the state first (as the
 * vendor's DEMO does), sends ModifyInstanceState / StartJob, then verifies through GetInstanceRunSummary until
 * the expected ActualState or the timeout. Transitions: digest §7.3.
 */
import type { z } from 'zod';
import {
  callContext,
  jobActions,
  rejectAction,
  type VerifyWindow,
  waitForStatus,
} from '../actions-shared.js';
import type { ActionName, ActionRequest, ProviderActions, ProviderContext } from '../types.js';
import type { BlinkCallContext, BlinkClient } from './client.js';
import { CURRENT_INSTANCE, normalizeBlinkState, resolveBlinkClient } from './collector.js';
import { type BlinkTarget, blinkActionParamsSchema } from './config.js';
import {
  modifyStateResponseSchema,
  runSummaryResponseSchema,
  startJobResponseSchema,
  type VendorRunSummary,
} from './schemas.js';

const STREAM_ACTIONS: readonly ActionName[] = [
  'pause',
  'resume',
  'stop',
  'restart',
  'restart-from-checkpoint',
];
const BATCH_ACTIONS: readonly ActionName[] = ['stop', 'restart'];

type BlinkActionParams = z.infer<typeof blinkActionParamsSchema>;

export const blinkSupportedActions: ProviderActions['supports'] = (resource) => {
  if (resource.kind !== 'job') return [];
  if (resource.jobKind === 'flink-stream') return STREAM_ACTIONS;
  if (resource.jobKind === 'flink-batch') return BATCH_ACTIONS;
  return [];
};

interface Session extends VerifyWindow {
  client: BlinkClient;
  call: BlinkCallContext;
  project: string;
  job: string;
  /** `-1` for streaming jobs (the current instance), the real id for batch runs. */
  instance: string | number;
  batch: boolean;
  params: BlinkActionParams;
}

async function readSummary(s: Session): Promise<VendorRunSummary> {
  const answer = await s.client.call(
    {
      operation: 'GetInstanceRunSummary',
      method: 'GET',
      segments: ['projects', s.project, 'jobs', s.job, 'instances', s.instance, 'runsummary'],
    },
    runSummaryResponseSchema,
    s.call,
  );
  return answer.RunSummary ?? { ActualState: 'UNKNOWN' };
}

async function modifyState(s: Session, expectState: 'PAUSED' | 'RUNNING' | 'TERMINATED'): Promise<void> {
  const body: Record<string, unknown> = { expectState };
  if (expectState !== 'RUNNING' && s.params.triggerCheckpoint !== undefined)
    body['triggerCheckpoint'] = s.params.triggerCheckpoint;
  if (expectState === 'RUNNING' && s.params.isFlush !== undefined) body['isFlush'] = s.params.isFlush;
  await s.client.call(
    {
      operation: 'ModifyInstanceState',
      method: 'PUT',
      segments: ['projects', s.project, 'jobs', s.job, 'instances', s.instance, 'expectstate'],
      body,
    },
    modifyStateResponseSchema,
    s.call,
  );
}

async function startJob(s: Session): Promise<string | undefined> {
  const answer = await s.client.call(
    {
      operation: 'StartJob',
      method: 'POST',
      segments: ['projects', s.project, 'jobs', s.job, 'instance'],
      body: {},
    },
    startJobResponseSchema,
    s.call,
  );
  return answer.InstanceId === undefined ? undefined : String(answer.InstanceId);
}

const actualOf = (summary: VendorRunSummary) => (summary.ActualState ?? 'UNKNOWN').toUpperCase();

/**
 * Polls until ActualState is `want` (and, when given, the instance id differs from `notInstance`: a resume
 * or start creates a new instance). FAILED while waiting for anything else ends the wait as failed.
 */
async function waitFor(s: Session, want: string, notInstance?: number): Promise<VendorRunSummary> {
  return waitForStatus(s, {
    read: () => readSummary(s),
    statusOf: actualOf,
    want,
    fresh: (summary) => notInstance === undefined || summary.Id === undefined || summary.Id !== notInstance,
    stateOf: (summary) => normalizeBlinkState(summary.ActualState, summary.ExpectState).state,
    what: `job ${s.job}`,
  });
}

async function pause(s: Session): Promise<string> {
  const before = await readSummary(s);
  const actual = actualOf(before);
  if (actual === 'PAUSED') return 'already paused';
  if (actual !== 'RUNNING') rejectAction(`cannot pause job ${s.job} in state ${actual}`);
  await modifyState(s, 'PAUSED');
  await waitFor(s, 'PAUSED');
  return 'paused';
}

async function resume(s: Session): Promise<string> {
  const before = await readSummary(s);
  const actual = actualOf(before);
  if (actual === 'RUNNING') return 'already running';
  if (actual !== 'PAUSED')
    rejectAction(`cannot resume job ${s.job} in state ${actual}; only a paused job resumes`);
  await modifyState(s, 'RUNNING');
  await waitFor(s, 'RUNNING', before.Id);
  return 'resumed';
}

async function stop(s: Session): Promise<string> {
  const before = await readSummary(s);
  const actual = actualOf(before);
  if (actual === 'TERMINATED') return 'already stopped';
  if (!['RUNNING', 'PAUSED', 'WAITING'].includes(actual))
    rejectAction(`cannot stop job ${s.job} in state ${actual}`);
  await modifyState(s, 'TERMINATED');
  await waitFor(s, 'TERMINATED');
  return 'stopped';
}

/** Stop if needed, then StartJob; waits for the new instance to run. */
async function restart(s: Session): Promise<string> {
  // A batch job without a known run has nothing to stop: start a new run.
  const before: VendorRunSummary =
    s.batch && s.instance === CURRENT_INSTANCE ? { ActualState: 'UNKNOWN' } : await readSummary(s);
  let actual = actualOf(before);
  if (actual === 'RUNNING' || actual === 'PAUSED' || actual === 'WAITING') {
    await modifyState(s, 'TERMINATED');
    await waitFor(s, 'TERMINATED');
    actual = 'TERMINATED';
  }
  const instanceId = await startJob(s);
  // A batch run's new id comes from StartJob; a streaming job is read through -1.
  if (s.batch && instanceId !== undefined) s.instance = instanceId;
  await waitFor(s, 'RUNNING', s.batch ? undefined : before.Id);
  return instanceId ? `restarted as instance ${instanceId} (was ${actual})` : `restarted (was ${actual})`;
}

/**
 * Keeps state: a pause takes a checkpoint, the resume restores from it (a new instance). The API has no
 * "start from checkpoint" for a stopped or failed job, so those are rejected: use `restart`.
 */
async function restartFromCheckpoint(s: Session): Promise<string> {
  const before = await readSummary(s);
  const actual = actualOf(before);
  if (actual === 'RUNNING') {
    s.params.triggerCheckpoint ??= true;
    await modifyState(s, 'PAUSED');
    await waitFor(s, 'PAUSED');
  } else if (actual !== 'PAUSED') {
    rejectAction(
      `cannot restart job ${s.job} from a checkpoint in state ${actual}: no running or paused instance`,
    );
  }
  const paused = await readSummary(s);
  await modifyState(s, 'RUNNING');
  await waitFor(s, 'RUNNING', paused.Id ?? before.Id);
  return 'restarted from the latest checkpoint (pause + resume)';
}

const PERFORM: Partial<Record<ActionName, (s: Session) => Promise<string>>> = {
  pause,
  resume,
  stop,
  restart,
  'restart-from-checkpoint': restartFromCheckpoint,
};

/**
 * The job's current run summary: the current instance (`-1`) of a streaming job, the event's run of a batch
 * job (the current instance when the event names none).
 */
const readBlinkState: ProviderActions<BlinkTarget>['readState'] = async (target, resource, ctx) => {
  if (resource.kind !== 'job' || resource.scope.kind !== 'project')
    throw new Error(`alibaba-blink cannot read the state of a ${resource.kind} in a ${resource.scope.kind}`);
  const batch = resource.jobKind === 'flink-batch';
  const client = await resolveBlinkClient(target, ctx);
  const answer = await client.call(
    {
      operation: 'GetInstanceRunSummary',
      method: 'GET',
      segments: [
        'projects',
        resource.scope.id,
        'jobs',
        resource.vendorId,
        'instances',
        batch ? (resource.instanceId ?? CURRENT_INSTANCE) : CURRENT_INSTANCE,
        'runsummary',
      ],
    },
    runSummaryResponseSchema,
    callContext(ctx),
  );
  const summary = answer.RunSummary ?? { ActualState: 'UNKNOWN' };
  const normalized = normalizeBlinkState(summary.ActualState, summary.ExpectState);
  return {
    kind: 'job',
    ...normalized,
    vendorState: actualOf(summary),
    ...(summary.Id === undefined ? {} : { instanceId: String(summary.Id) }),
  };
};

/** The session of one action; a batch job's action other than restart needs the run it acts on. */
async function openSession(
  target: BlinkTarget,
  request: ActionRequest,
  ctx: ProviderContext,
  params: BlinkActionParams,
): Promise<Omit<Session, keyof VerifyWindow>> {
  const batch = request.resource.jobKind === 'flink-batch';
  if (batch && !request.resource.instanceId && request.action !== 'restart')
    rejectAction('a batch job action needs the instance id');
  return {
    client: await resolveBlinkClient(target, ctx),
    call: callContext(ctx),
    project: request.resource.scope.id,
    job: request.resource.vendorId,
    instance: batch ? (request.resource.instanceId ?? CURRENT_INSTANCE) : CURRENT_INSTANCE,
    batch,
    params: { ...params },
  };
}

export const blinkActions = jobActions<BlinkTarget, Session, BlinkActionParams>({
  supports: blinkSupportedActions,
  readState: readBlinkState,
  handlers: PERFORM,
  params: blinkActionParamsSchema,
  open: openSession,
  finalState: async (session) => {
    const final = await readSummary(session);
    return normalizeBlinkState(final.ActualState, final.ExpectState).state;
  },
});
