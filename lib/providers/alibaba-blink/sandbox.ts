/**
 * Realtime Compute (foas) emulator for the sandbox harness: the ROA endpoints jobwatch uses, a real ROA v1
 * signature check, vendor-shaped errors, and scripted job life cycles that are functions of the simulated
 * clock plus the state actions changed.
 *
 * Error codes the manual does not document (state conflicts, non-running instances) are sandbox inventions
 * in the POP gateway's style and are marked as such.
 */
import { createHash } from 'node:crypto';
import type { SimClock } from '../../sandbox/clock.js';
import { header, queryPairs } from '../../sandbox/request.js';
import {
  fleetPhaseMs,
  type SandboxPluginOptions,
  type SandboxRequest,
  type SandboxResponse,
  type SandboxRoute,
} from '../../sandbox/types.js';
import { type AlibabaEmulatorParts, alibabaGateway, alibabaSandboxPlugin } from '../alibaba/sandbox.js';
import {
  contentMd5,
  FOAS_API_VERSION,
  parseRoaAuthorization,
  roaSignature,
  roaStringToSign,
} from './client.js';

type Profile =
  | { kind: 'healthy' }
  | { kind: 'fails'; atMs: number; message: string }
  | { kind: 'crash-loop'; fromMs: number; untilMs: number; everyMs: number }
  | { kind: 'checkpoint-fails'; fromMs: number; untilMs: number }
  | { kind: 'delay-climbs'; fromMs: number; untilMs: number; perMinuteMs: number }
  | { kind: 'user-paused' }
  | { kind: 'never-started' }
  | { kind: 'batch'; startMs: number; durationMs: number; outcome: 'SUCCESS' | 'FAILED'; message?: string };

interface SimInstance {
  id: number;
  actual: string;
  expect: string;
  startedMs: number;
  endedMs?: number;
  lastErrorMessage?: string;
  lastErrorTimeMs?: number;
  /** Only the job's first instance follows the script; instances started by actions are healthy. */
  scripted: boolean;
}

interface Pending {
  to: 'PAUSED' | 'RUNNING' | 'TERMINATED';
  /** Applied on the second state read after the action, or after `atMs`, whichever comes first. */
  reads: number;
  atMs: number;
  newInstance: boolean;
}

interface SimJob {
  project: string;
  name: string;
  type: 'FLINK_STREAM' | 'FLINK_BATCH';
  apiType: 'SQL' | 'DATASTREAM';
  committed: boolean;
  profile: Profile;
  instance?: SimInstance;
  archived: SimInstance[];
  pending?: Pending;
  /**
   * How long before the first read the first instance's checkpoint schedule began, past the hour it has
   * been running (fleet: spread over the interval, so checkpoints fall due at every phase of a poll).
   */
  phaseMs?: number;
}

interface World {
  jobs: Map<string, SimJob[]>;
  byName: Map<string, SimJob>;
  checkpointIntervalMs: number;
  nextInstanceId: number;
  projects: string[];
  targetOptions: Record<string, unknown>;
  targetRules?: Record<string, unknown>;
}

const HOST_ID = 'foas.sandbox.local';
/** A credential-looking string the emulator plants in job code and errors: it must never reach an event. */
export const BLINK_SANDBOX_PLANTED_SECRET = 'Pl4nted-S3cret-Value';

// ---------------------------------------------------------------------------------------------------------
// Scenarios

function addJob(world: World, job: Omit<SimJob, 'archived'>): void {
  const full: SimJob = { ...job, archived: [] };
  const list = world.jobs.get(job.project) ?? [];
  list.push(full);
  world.jobs.set(job.project, list);
  world.byName.set(`${job.project}/${job.name}`, full);
}

const stream = (project: string, name: string, profile: Profile, apiType: 'SQL' | 'DATASTREAM' = 'SQL') => ({
  project,
  name,
  type: 'FLINK_STREAM' as const,
  apiType,
  committed: true,
  profile,
});

function scriptedJobs(world: World, t0: number, unit: number, project: string): void {
  const minute = 60_000 * unit;
  addJob(world, stream(project, 'orders_etl', { kind: 'healthy' }));
  addJob(
    world,
    stream(project, 'payments_agg', {
      kind: 'fails',
      atMs: t0 + 1.5 * minute,
      message: `java.lang.RuntimeException: sink write failed: jdbc:mysql://db.internal:3306/pay?user=etl&password=${BLINK_SANDBOX_PLANTED_SECRET}\n\tat com.example.Sink.invoke(Sink.java:42)`,
    }),
  );
  addJob(
    world,
    stream(project, 'clicks_sessionize', {
      kind: 'crash-loop',
      fromMs: t0 + minute,
      untilMs: t0 + 5 * minute,
      everyMs: 0.5 * minute,
    }),
  );
  addJob(
    world,
    stream(project, 'inventory_sync', {
      kind: 'checkpoint-fails',
      fromMs: t0 + minute,
      untilMs: t0 + 6 * minute,
    }),
  );
  addJob(
    world,
    stream(project, 'ads_attribution', {
      kind: 'delay-climbs',
      fromMs: t0 + minute,
      untilMs: t0 + 5 * minute,
      perMinuteMs: 120_000 / unit,
    }),
  );
  addJob(world, stream(project, 'legacy_report', { kind: 'user-paused' }, 'DATASTREAM'));
  addJob(world, { ...stream(project, 'draft_job', { kind: 'never-started' }), committed: false });
  addJob(world, {
    ...stream(project, 'nightly_rollup', {
      kind: 'batch',
      startMs: t0 - 120 * minute,
      durationMs: 30 * minute,
      outcome: 'SUCCESS',
    }),
    type: 'FLINK_BATCH',
  });
  addJob(world, {
    ...stream(project, 'hourly_dedupe', {
      kind: 'batch',
      startMs: t0 - 40 * minute,
      durationMs: 30 * minute,
      outcome: 'FAILED',
      message:
        'org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy',
    }),
    type: 'FLINK_BATCH',
  });
}

function buildWorld(options: SandboxPluginOptions): World {
  const t0 = options.clock.now();
  const world: World = {
    jobs: new Map(),
    byName: new Map(),
    checkpointIntervalMs: 60_000,
    nextInstanceId: 400_000,
    projects: [],
    targetOptions: {},
  };
  const delayRule = { metrics: [{ name: 'delay', above: 300_000, forPolls: 2, severity: 'warning' }] };
  if (options.scenario === 'test') {
    scriptedJobs(world, t0, 1, 'analytics');
    // Healthy fillers make ListJob page (pageSize 10); `fleet.blinkTestFillers` overrides the 20.
    for (let i = 0; i < (options.fleet?.['blinkTestFillers'] ?? 20); i++)
      addJob(world, stream('analytics', `filler_${String(i).padStart(2, '0')}`, { kind: 'healthy' }));
    addJob(world, stream('warehouse', 'wh_loader', { kind: 'healthy' }, 'DATASTREAM'));
    world.projects = ['analytics', 'warehouse'];
    world.targetOptions = { pageSize: 10, metrics: ['delay', 'fetched_delay', 'task_failover.rate'] };
    world.targetRules = delayRule;
  } else if (options.scenario === 'demo') {
    // Wall-speed clock, 5 s polls: failures start 15-40 s in, recover a few minutes later.
    world.checkpointIntervalMs = 10_000;
    const t = (seconds: number) => t0 + seconds * 1000;
    addJob(world, stream('demo_project', 'orders_etl', { kind: 'healthy' }));
    addJob(
      world,
      stream('demo_project', 'payments_agg', {
        kind: 'fails',
        atMs: t(20),
        message: 'java.lang.RuntimeException: sink write failed: connection refused (db.internal:3306)',
      }),
    );
    addJob(
      world,
      stream('demo_project', 'clicks_sessionize', {
        kind: 'crash-loop',
        fromMs: t(25),
        untilMs: t(300),
        everyMs: 10_000,
      }),
    );
    addJob(
      world,
      stream('demo_project', 'inventory_sync', { kind: 'checkpoint-fails', fromMs: t(30), untilMs: t(240) }),
    );
    addJob(
      world,
      stream('demo_project', 'ads_attribution', {
        kind: 'delay-climbs',
        fromMs: t(15),
        untilMs: t(420),
        perMinuteMs: 300_000,
      }),
    );
    addJob(world, stream('demo_project', 'legacy_report', { kind: 'user-paused' }, 'DATASTREAM'));
    world.projects = ['demo_project'];
    world.targetOptions = { metrics: ['delay', 'task_failover.rate'] };
    // One breaching poll is enough in the demo, so `jobwatch poll --once` shows the delay finding too.
    world.targetRules = { metrics: [{ name: 'delay', above: 300_000, forPolls: 1, severity: 'warning' }] };
  } else {
    const total = Math.max(1, Math.floor(options.fleet?.['blinkJobs'] ?? 1000));
    const projectCount = Math.max(1, Math.floor(options.fleet?.['blinkProjects'] ?? 1));
    const unhealthyPercent = options.fleet?.['blinkUnhealthyPercent'] ?? 3;
    // Issue 11: about 60 % of a real fleet is running; the rest was stopped by a user or is a finished batch.
    const runningPercent = options.fleet?.['blinkRunningPercent'] ?? 60;
    const minute = 60_000;
    for (let p = 0; p < projectCount; p++) world.projects.push(`fleet_${p}`);
    for (let i = 0; i < total; i++) {
      const project = world.projects[i % projectCount] as string;
      const name = `job_${String(i).padStart(5, '0')}`;
      if ((i * 61 + 7) % 100 >= runningPercent) {
        if (i % 2 === 0) addJob(world, stream(project, name, { kind: 'user-paused' }));
        else
          addJob(world, {
            ...stream(project, name, {
              kind: 'batch',
              startMs: t0 - 120 * minute,
              durationMs: 30 * minute,
              outcome: 'SUCCESS',
            }),
            type: 'FLINK_BATCH',
          });
        continue;
      }
      const unhealthy = (i * 37) % 100 < unhealthyPercent;
      let profile: Profile = { kind: 'healthy' };
      if (unhealthy) {
        const pick = i % 4;
        if (pick === 0)
          profile = { kind: 'fails', atMs: t0 + 30_000, message: 'java.io.IOException: sink unavailable' };
        else if (pick === 1)
          profile = { kind: 'crash-loop', fromMs: t0, untilMs: t0 + 60 * minute, everyMs: minute / 2 };
        else if (pick === 2) profile = { kind: 'checkpoint-fails', fromMs: t0, untilMs: t0 + 60 * minute };
        else profile = { kind: 'delay-climbs', fromMs: t0, untilMs: t0 + 60 * minute, perMinuteMs: 120_000 };
      }
      addJob(world, {
        ...stream(project, name, profile),
        phaseMs: fleetPhaseMs(i, world.checkpointIntervalMs),
      });
    }
    world.targetOptions = { pageSize: 100, metrics: ['delay'], concurrency: 16, runSummaryBatchSize: 50 };
    world.targetRules = delayRule;
  }
  return world;
}

// ---------------------------------------------------------------------------------------------------------
// Life cycle

/** The job's new current instance (the old one archived, five kept), expected RUNNING. */
function newInstance(
  world: World,
  job: SimJob,
  start: Pick<SimInstance, 'startedMs' | 'actual' | 'scripted'>,
): SimInstance {
  if (job.instance) job.archived.push(job.instance);
  if (job.archived.length > 5) job.archived.shift();
  const instance: SimInstance = { id: world.nextInstanceId++, expect: 'RUNNING', ...start };
  job.instance = instance;
  return instance;
}

/** Brings a job up to `nowMs`: creates its first instance, applies the script and finished transitions. */
function refresh(world: World, job: SimJob, nowMs: number, stateRead: boolean): SimInstance | undefined {
  const profile = job.profile;
  if (!job.instance && job.committed && profile.kind !== 'never-started') {
    if (profile.kind === 'batch') {
      if (nowMs >= profile.startMs)
        newInstance(world, job, { startedMs: profile.startMs, actual: 'RUNNING', scripted: true });
    } else {
      const instance = newInstance(world, job, {
        startedMs: nowMs - 3_600_000 - (job.phaseMs ?? 0),
        actual: 'RUNNING',
        scripted: true,
      });
      if (profile.kind === 'user-paused') {
        instance.actual = 'PAUSED';
        instance.expect = 'PAUSED';
      }
    }
  }
  const instance = job.instance;
  if (!instance) return undefined;
  const pending = job.pending;
  if (pending) {
    if (stateRead) pending.reads += 1;
    if (pending.reads >= 2 || nowMs >= pending.atMs) {
      job.pending = undefined;
      if (pending.newInstance) {
        const next = newInstance(world, job, { startedMs: nowMs, actual: 'RUNNING', scripted: false });
        next.expect = 'RUNNING';
        return next;
      }
      instance.actual = pending.to;
      if (pending.to === 'TERMINATED') instance.endedMs = nowMs;
    }
  }
  if (instance.scripted && instance.actual === 'RUNNING' && !job.pending) {
    if (profile.kind === 'fails' && nowMs >= profile.atMs) {
      instance.actual = 'FAILED';
      instance.lastErrorMessage = profile.message;
      instance.lastErrorTimeMs = profile.atMs;
      instance.endedMs = profile.atMs;
    }
    if (profile.kind === 'batch' && nowMs >= profile.startMs + profile.durationMs) {
      instance.actual = profile.outcome;
      instance.expect = profile.outcome;
      instance.endedMs = profile.startMs + profile.durationMs;
      if (profile.message) {
        instance.lastErrorMessage = profile.message;
        instance.lastErrorTimeMs = instance.endedMs;
      }
    }
  }
  if (instance.scripted && profile.kind === 'crash-loop') {
    const last = failoverTimes(profile, nowMs).at(-1);
    if (last !== undefined) {
      instance.lastErrorMessage = 'java.lang.OutOfMemoryError: Java heap space';
      instance.lastErrorTimeMs = last;
    }
  }
  return instance;
}

function failoverTimes(profile: Extract<Profile, { kind: 'crash-loop' }>, nowMs: number): number[] {
  const times: number[] = [];
  for (let t = profile.fromMs; t <= Math.min(nowMs, profile.untilMs); t += profile.everyMs) times.push(t);
  return times;
}

function delayAt(job: SimJob, instance: SimInstance, atMs: number): number {
  const base = 800 + (job.name.length % 7) * 50;
  const p = job.profile;
  if (instance.scripted && p.kind === 'delay-climbs' && atMs >= p.fromMs && atMs < p.untilMs) {
    return base + ((atMs - p.fromMs) / 60_000) * p.perMinuteMs;
  }
  return base;
}

function metricAt(world: World, job: SimJob, instance: SimInstance, metric: string, atMs: number): number {
  if (metric === 'delay' || metric === 'fetched_delay') return delayAt(job, instance, atMs);
  if (metric === 'lastCheckpointDuration') return lastCheckpointDurationAt(world, job, instance, atMs);
  if (metric === 'task_failover.rate') {
    const p = job.profile;
    const active = instance.scripted && p.kind === 'crash-loop' && atMs >= p.fromMs && atMs <= p.untilMs;
    return active ? 60_000 / p.everyMs / 60 : 0;
  }
  if (metric.endsWith('.rate')) return 1000;
  return 0;
}

interface CheckpointEntry {
  '@class': string;
  id: number;
  status: string;
  is_savepoint: boolean;
  trigger_timestamp: number;
  latest_ack_timestamp: number;
  end_to_end_duration: number;
  state_size: number;
  num_subtasks: number;
  num_acknowledged_subtasks: number;
  failure_timestamp?: number;
  failure_message?: string;
  external_path?: string;
  discarded?: boolean;
}

/** Whether the instance's k-th checkpoint fails (the scripted checkpoint-fails window). */
function checkpointFails(world: World, job: SimJob, instance: SimInstance, k: number): boolean {
  const p = job.profile;
  if (!instance.scripted || p.kind !== 'checkpoint-fails') return false;
  const trigger = instance.startedMs + k * world.checkpointIntervalMs;
  return trigger >= p.fromMs && trigger < p.untilMs;
}

/** A completed checkpoint's end-to-end duration: a few ms, never the same twice in a row (like a real job). */
const completedDurationMs = (k: number) => 14 + (k % 5);

/**
 * The `lastCheckpointDuration` gauge at `atMs`: the duration of the last checkpoint completed by then (a
 * failed checkpoint leaves it unchanged, as Flink's gauge does), -1 before the first one.
 */
function lastCheckpointDurationAt(world: World, job: SimJob, instance: SimInstance, atMs: number): number {
  const interval = world.checkpointIntervalMs;
  const newest = Math.floor((atMs - instance.startedMs) / interval);
  for (let k = newest; k >= 1 && newest - k <= 10_000; k--) {
    if (checkpointFails(world, job, instance, k)) continue;
    if (instance.startedMs + k * interval + completedDurationMs(k) <= atMs) return completedDurationMs(k);
  }
  return -1;
}

function checkpointsDoc(world: World, job: SimJob, instance: SimInstance, nowMs: number) {
  const interval = world.checkpointIntervalMs;
  const total = Math.max(0, Math.floor((nowMs - instance.startedMs) / interval));
  const p = job.profile;
  const failing = (k: number) => checkpointFails(world, job, instance, k);
  let failed = 0;
  if (instance.scripted && p.kind === 'checkpoint-fails') {
    const first = Math.max(1, Math.ceil((p.fromMs - instance.startedMs) / interval));
    const last = Math.min(total, Math.ceil((p.untilMs - instance.startedMs) / interval) - 1);
    failed = Math.max(0, last - first + 1);
  }
  const idBase = (instance.id % 1000) * 100_000;
  const entry = (k: number): CheckpointEntry => {
    const trigger = instance.startedMs + k * interval;
    const base = {
      id: idBase + k,
      is_savepoint: false,
      trigger_timestamp: trigger,
      state_size: 4384,
      num_subtasks: 4,
    };
    if (failing(k))
      return {
        ...base,
        '@class': 'failed',
        status: 'FAILED',
        latest_ack_timestamp: trigger + 1200,
        end_to_end_duration: 1200,
        num_acknowledged_subtasks: 2,
        failure_timestamp: Math.min(nowMs, trigger + 1200),
        failure_message: 'Checkpoint expired before completing.',
      };
    return {
      ...base,
      '@class': 'completed',
      status: 'COMPLETED',
      latest_ack_timestamp: trigger + completedDurationMs(k),
      end_to_end_duration: completedDurationMs(k),
      num_acknowledged_subtasks: 4,
      external_path: `hdfs://sandbox/blink/${job.project}/${job.name}/chk-${idBase + k}`,
      discarded: false,
    };
  };
  const history: CheckpointEntry[] = [];
  for (let k = total; k >= 1 && history.length < 10; k--) history.push(entry(k));
  let latestCompleted: CheckpointEntry | null = null;
  for (let k = total; k >= 1; k--) {
    if (!failing(k)) {
      latestCompleted = entry(k);
      break;
    }
    if (total - k > 10_000) break;
  }
  const latestFailed = history.find((h) => h.status === 'FAILED') ?? null;
  return {
    counts: { restored: 0, total, in_progress: 0, completed: total - failed, failed },
    summary: { state_size: { min: 4384, max: 4384, avg: 4384 } },
    latest: { completed: latestCompleted, savepoint: null, failed: latestFailed, restored: null },
    history,
  };
}

/** First exception of the scripted crash loop: the root cause. */
export const LOOP_FIRST_TRACE =
  'java.lang.OutOfMemoryError: Java heap space\n\tat org.apache.flink.runtime.Task.run(Task.java:712)';
/** Every later failover of the loop: the restart's wrapper. */
export const LOOP_RESTART_TRACE =
  "org.apache.flink.runtime.io.network.netty.exception.RemoteTransportException: Connection unexpectedly closed by remote task manager '10.0.0.12:41123'. This might indicate that the remote task manager was lost.\n\tat org.apache.flink.runtime.io.network.netty.CreditBasedPartitionRequestClientHandler.channelInactive(CreditBasedPartitionRequestClientHandler.java:136)";

function exceptionsDoc(job: SimJob, instance: SimInstance, nowMs: number) {
  const p = job.profile;
  if (!instance.scripted || p.kind !== 'crash-loop') {
    return { 'root-exception': null, timestamp: null, 'all-exceptions': [], truncated: false };
  }
  const times = failoverTimes(p, nowMs);
  const last = times.at(-1);
  if (last === undefined)
    return { 'root-exception': null, timestamp: null, 'all-exceptions': [], truncated: false };
  // Like a real loop: the first failover says what broke (the heap); every restart after it fails on the
  // lost TaskManager, a wrapper that says nothing about the cause. Diagnosis must name the first one.
  const first = times[0] as number;
  const traceAt = (t: number) => (t === first ? LOOP_FIRST_TRACE : LOOP_RESTART_TRACE);
  return {
    'root-exception': traceAt(last),
    timestamp: last,
    'all-exceptions': times.slice(-5).map((t, i) => ({
      exception: traceAt(t),
      task: `SessionWindow -> Sink (${(i % 4) + 1}/4)`,
      location: `10.0.0.${(i % 8) + 10}:4${i}123`,
      timestamp: t,
    })),
    truncated: times.length > 5,
  };
}

// ---------------------------------------------------------------------------------------------------------
// HTTP

let requestCounter = 0;
function requestId(): string {
  requestCounter = (requestCounter + 1) % 0xffffffff;
  const hex = requestCounter.toString(16).toUpperCase().padStart(8, '0');
  return `${hex}-5A0A-40FD-8A2B-1EDBF4213489`;
}

const GATEWAY = alibabaGateway({
  hostId: HOST_ID,
  recommend: (code) =>
    `https://error-center.aliyun.com/status/search?Keyword=${encodeURIComponent(code)}&source=PopGw`,
  requestId,
});
const vendorError = GATEWAY.error;

const ok = (body: Record<string, unknown>): SandboxResponse => ({
  status: 200,
  body: { RequestId: requestId(), ...body },
});

function instanceFields(job: SimJob, instance: SimInstance, nowMs: number) {
  return {
    JobName: job.name,
    Id: instance.id,
    ActualState: instance.actual,
    ExpectState: instance.expect,
    InputDelay:
      instance.actual === 'RUNNING' && job.type === 'FLINK_STREAM'
        ? Math.round(delayAt(job, instance, nowMs))
        : -99999999,
    EngineJobHandler: `application_1561366511517_${instance.id}|${createHash('md5').update(`${job.name}${instance.id}`).digest('hex')}`,
    ...(instance.lastErrorMessage
      ? { LastErrorMessage: instance.lastErrorMessage, LastErrorTime: instance.lastErrorTimeMs ?? nowMs }
      : {}),
  };
}

function pageOf<T>(items: T[], query: URLSearchParams): { page: T[]; paging: Record<string, number> } {
  const pageSize = Math.min(100, Math.max(1, Number(query.get('pageSize') ?? 10) || 10));
  const pageIndex = Math.max(1, Number(query.get('pageIndex') ?? 1) || 1);
  const start = (pageIndex - 1) * pageSize;
  return {
    page: items.slice(start, start + pageSize),
    paging: {
      PageIndex: pageIndex,
      PageSize: pageSize,
      TotalCount: items.length,
      TotalPage: Math.ceil(items.length / pageSize),
    },
  };
}

function createEmulator(
  options: SandboxPluginOptions,
): AlibabaEmulatorParts<NonNullable<ReturnType<typeof parseRoaAuthorization>>> {
  const clock: SimClock = options.clock;
  const world = buildWorld(options);

  const findJob = (req: SandboxRequest): SimJob | undefined =>
    world.byName.get(`${req.params['project']}/${req.params['job']}`);
  const noJob = (req: SandboxRequest) =>
    vendorError(
      404,
      'JobNotExist',
      `job ${req.params['job'] ?? ''} does not exist in project ${req.params['project'] ?? ''}`,
    );

  /** `-1` is the streaming job's current instance; otherwise the id must be the current or an archived one. */
  const instanceFor = (job: SimJob, id: string | undefined, stateRead: boolean): SimInstance | undefined => {
    const current = refresh(world, job, clock.now(), stateRead);
    if (id === '-1') return job.type === 'FLINK_STREAM' ? current : undefined;
    const n = Number(id);
    if (current?.id === n) return current;
    return job.archived.find((i) => i.id === n);
  };

  const running = (req: SandboxRequest, read: (job: SimJob, instance: SimInstance) => SandboxResponse) => {
    const job = findJob(req);
    if (!job) return noJob(req);
    const instance = instanceFor(job, req.params['instance'] ?? req.query.get('instanceId') ?? '-1', false);
    if (!instance)
      return vendorError(400, 'InvalidinstanceId', 'Specified parameter instanceId is not valid.');
    // Sandbox code (the manual says only that these calls fail for a non-running instance).
    if (instance.actual !== 'RUNNING')
      return vendorError(400, 'InstanceNotRunning', `instance ${instance.id} is not running`);
    return read(job, instance);
  };

  const jobsPath = '/api/v2/projects/:project/jobs/:job';
  const instancePath = `${jobsPath}/instances/:instance`;

  const routes: SandboxRoute[] = [
    {
      method: 'GET',
      pattern: '/api/v2/projects/:project/jobs',
      operation: 'ListJob',
      handler: (req) => {
        const type = req.query.get('jobType')?.toUpperCase();
        const full = req.query.get('isShowFullField') !== 'false';
        const jobs = (world.jobs.get(req.params['project'] ?? '') ?? []).filter(
          (j) => !type || j.type === type,
        );
        const { page, paging } = pageOf(jobs, req.query);
        return ok({
          ...paging,
          Jobs: {
            Job: page.map((j) => ({
              JobName: j.name,
              ProjectName: j.project,
              JobType: j.type,
              ApiType: j.apiType,
              IsCommitted: j.committed,
              EngineVersion: 'blink-3.7.10',
              ClusterId: 'sandbox-cluster',
              QueueName: `root.${j.project}`,
              JobId: createHash('md5').update(`${j.project}/${j.name}`).digest('hex').slice(0, 24),
              ...(full
                ? {
                    Code: `CREATE TABLE src WITH (type='sls', accessKey='${BLINK_SANDBOX_PLANTED_SECRET}');`,
                    Properties: `blink.job.timeZone=Asia/Shanghai\npassword=${BLINK_SANDBOX_PLANTED_SECRET}`,
                  }
                : {}),
            })),
          },
        });
      },
    },
    {
      method: 'GET',
      pattern: '/api/v2/projects/:project/runsummary',
      operation: 'BatchGetInstanceRunSummary',
      handler: (req) => {
        const type = (req.query.get('jobType') ?? '').toUpperCase();
        if (!type) return vendorError(400, 'MissingjobType', 'jobType is mandatory for this action.');
        const names = (req.query.get('jobNames') ?? '').split(',').filter(Boolean);
        const summaries = [];
        for (const name of names) {
          const job = world.byName.get(`${req.params['project']}/${name}`);
          // Unknown, uncommitted or wrong-type jobs are ignored silently, as the manual warns.
          if (!job?.committed || job.type !== type) continue;
          const instance = refresh(world, job, clock.now(), true);
          if (!instance) continue;
          summaries.push(instanceFields(job, instance, clock.now()));
        }
        return ok({ RunSummarys: { RunSummary: summaries } });
      },
    },
    {
      method: 'GET',
      pattern: `${instancePath}/runsummary`,
      operation: 'GetInstanceRunSummary',
      handler: (req) => {
        const job = findJob(req);
        if (!job) return noJob(req);
        const id = req.params['instance'];
        const instance = instanceFor(job, id, true);
        if (!instance) {
          if (id === '-1' && job.type === 'FLINK_STREAM')
            return ok({ RunSummary: { JobName: job.name, ActualState: 'UNKNOWN' } });
          return vendorError(400, 'InvalidinstanceId', 'Specified parameter instanceId is not valid.');
        }
        return ok({ RunSummary: instanceFields(job, instance, clock.now()) });
      },
    },
    {
      method: 'GET',
      pattern: `${instancePath}/checkpoints`,
      operation: 'GetInstanceCheckpoint',
      handler: (req) =>
        running(req, (job, instance) =>
          ok({ Checkpoints: JSON.stringify(checkpointsDoc(world, job, instance, clock.now())) }),
        ),
    },
    {
      method: 'GET',
      pattern: `${instancePath}/exceptions`,
      operation: 'GetInstanceExceptions',
      handler: (req) =>
        running(req, (job, instance) =>
          ok({ Exceptions: JSON.stringify(exceptionsDoc(job, instance, clock.now())) }),
        ),
    },
    {
      method: 'GET',
      pattern: `${instancePath}/finalstate`,
      operation: 'GetInstanceFinalState',
      handler: (req) => {
        const job = findJob(req);
        if (!job) return noJob(req);
        const instance = instanceFor(job, req.params['instance'], false);
        if (!instance)
          return vendorError(400, 'InvalidinstanceId', 'Specified parameter instanceId is not valid.');
        const yarn: Record<string, string> = { SUCCESS: 'FINISHED', FAILED: 'FAILED', TERMINATED: 'KILLED' };
        return ok({ Finalstate: yarn[instance.actual] ?? instance.actual });
      },
    },
    {
      method: 'POST',
      pattern: `${jobsPath}/metric`,
      operation: 'GetInstanceMetric',
      handler: (req) =>
        running(req, (job, instance) => {
          let query: { start?: number; end?: number; queries?: { metric?: string; granularity?: string }[] };
          try {
            const body = JSON.parse(req.body.toString('utf8')) as { metricJson?: string };
            query = JSON.parse(body.metricJson ?? '');
          } catch {
            return vendorError(400, 'InvalidParameter', 'metricJson is not valid JSON');
          }
          const nowMs = clock.now();
          const start = Number(query.start);
          const end = Math.min(Number(query.end), nowMs);
          if (!Number.isFinite(start) || !Number.isFinite(end) || start > end)
            return vendorError(400, 'InvalidParameter', 'metricJson start/end are invalid');
          // The manual: only the last two hours can be queried.
          if (start < nowMs - 2 * 3_600_000 - 60_000)
            return vendorError(
              400,
              'InvalidParameter.TimeRange',
              'only the last 2 hours of metrics can be queried',
            );
          const prefix = `blink.${job.project}.${job.name}.`;
          const metrics = (query.queries ?? []).map((q) => {
            const full = q.metric ?? '';
            const name = full.startsWith(prefix) ? full.slice(prefix.length) : full;
            const stepMs = Math.max(1, Number.parseInt(q.granularity ?? '60', 10) || 60) * 1000;
            const dps: Record<string, string> = {};
            const first = Math.max(start, end - 60 * stepMs);
            for (let t = Math.ceil(first / stepMs) * stepMs; t <= end; t += stepMs) {
              dps[String(Math.floor(t / 1000))] = String(metricAt(world, job, instance, name, t));
            }
            const values = Object.values(dps).map(Number);
            const summary = values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
            return { metricName: full, dps, summary, tags: {} };
          });
          return { status: 200, body: { requestId: requestId(), metrics } };
        }),
    },
    {
      method: 'GET',
      pattern: '/api/v2/projects/:project/instances',
      operation: 'ListInstance',
      handler: (req) => {
        const type = (req.query.get('jobType') ?? '').toUpperCase();
        if (!type) return vendorError(400, 'MissingjobType', 'jobType is mandatory for this action.');
        const nowMs = clock.now();
        const instances: Record<string, unknown>[] = [];
        for (const job of world.jobs.get(req.params['project'] ?? '') ?? []) {
          if (job.type !== type) continue;
          const instance = refresh(world, job, nowMs, false);
          if (!instance) continue;
          instances.push({
            ...instanceFields(job, instance, nowMs),
            JobType: job.type,
            ApiType: job.apiType,
            ProjectName: job.project,
            StartTime: instance.startedMs,
            ...(instance.endedMs ? { EndTime: instance.endedMs } : {}),
            QueueName: `root.${job.project}`,
            ClusterId: 'sandbox-cluster',
            EngineVersion: 'blink-3.7.10',
            // ListInstance always carries job code and properties; jobwatch must drop them.
            Code: `INSERT INTO sink SELECT * FROM src; -- password=${BLINK_SANDBOX_PLANTED_SECRET}`,
            Properties: `blink.checkpoint.interval.ms=180000\naccessKey=${BLINK_SANDBOX_PLANTED_SECRET}`,
          });
        }
        const { page, paging } = pageOf(instances, req.query);
        return ok({ ...paging, Instances: { Instance: page } });
      },
    },
    {
      method: 'PUT',
      pattern: `${instancePath}/expectstate`,
      operation: 'ModifyInstanceState',
      handler: (req) => {
        const job = findJob(req);
        if (!job) return noJob(req);
        let body: { expectState?: string };
        try {
          body = JSON.parse(req.body.toString('utf8'));
        } catch {
          return vendorError(400, 'InvalidParameter', 'body is not valid JSON');
        }
        const want = (body.expectState ?? '').toUpperCase();
        const instance = instanceFor(job, req.params['instance'], false);
        if (!instance)
          return vendorError(400, 'InvalidinstanceId', 'Specified parameter instanceId is not valid.');
        const allowed: Record<string, string[]> = {
          PAUSED: ['RUNNING'],
          RUNNING: ['PAUSED'],
          TERMINATED: ['RUNNING', 'PAUSED', 'WAITING'],
        };
        if (!allowed[want])
          return vendorError(400, 'InvalidParameter.ExpectState', `unsupported expectState ${want}`);
        // Sandbox code: the manual documents no error for an impossible transition.
        if (job.pending || !allowed[want]?.includes(instance.actual))
          return vendorError(400, 'InvalidInstanceState', `cannot change ${instance.actual} to ${want}`);
        instance.expect = want;
        job.pending = {
          to: want as Pending['to'],
          reads: 0,
          atMs: clock.now() + 30_000,
          newInstance: want === 'RUNNING',
        };
        return { status: 200, body: { requestId: requestId() } };
      },
    },
    {
      method: 'POST',
      pattern: `${jobsPath}/instance`,
      operation: 'StartJob',
      handler: (req) => {
        const job = findJob(req);
        if (!job) return noJob(req);
        if (!job.committed) return vendorError(400, 'JobNotCommitted', `job ${job.name} is not committed`);
        const current = refresh(world, job, clock.now(), false);
        if (job.pending || (current && ['RUNNING', 'WAITING', 'PAUSED'].includes(current.actual)))
          return vendorError(400, 'InvalidInstanceState', `job ${job.name} already has a live instance`);
        const instance = newInstance(world, job, {
          startedMs: clock.now(),
          actual: 'WAITING',
          scripted: false,
        });
        job.pending = { to: 'RUNNING', reads: 0, atMs: clock.now() + 20_000, newInstance: false };
        return { status: 200, body: { instanceId: instance.id, RequestId: requestId() } };
      },
    },
  ];

  return {
    routes,
    authenticate(req, auth, { secret, verify }) {
      if (req.body.length > 0 && header(req, 'content-md5') !== contentMd5(req.body))
        return vendorError(400, 'InvalidContentMD5', 'Content-MD5 does not match the body.');
      const headers: Record<string, string> = {};
      for (const name of Object.keys(req.headers)) headers[name] = header(req, name) ?? '';
      const query = queryPairs(req);
      // The harness hands over the decoded path; the signature covers it as sent (segments encoded).
      const path = req.path
        .split('/')
        .map((segment) => encodeURIComponent(segment))
        .join('/');
      const expected = roaSignature(roaStringToSign(req.method, path, headers, query), secret);
      const nonce = header(req, 'x-acs-signature-nonce') ?? '';
      if (expected === auth.signature && !nonce)
        return vendorError(400, 'IncompleteSignature', 'x-acs-signature-nonce is missing.');
      return verify(expected === auth.signature, nonce);
    },
    target: {
      options: { projects: [...world.projects], ...world.targetOptions },
      ...(world.targetRules ? { rules: world.targetRules } : {}),
    },
  };
}

export const alibabaBlinkSandboxPlugin = alibabaSandboxPlugin(
  {
    provider: 'alibaba-blink',
    gateway: GATEWAY,
    version: FOAS_API_VERSION,
    parseAuthorization: parseRoaAuthorization,
  },
  createEmulator,
);
