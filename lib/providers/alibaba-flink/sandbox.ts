/**
 * Realtime Compute for Apache Flink (`ververica` 2022-07-18) emulator for the sandbox harness: the ROA
 * endpoints jobwatch uses, a real V3 (`ACS3-HMAC-SHA256`) signature check, the `workspace` header, the
 * business envelope (`success`, `errorCode`) and the POP gateway's error bodies, and scripted deployments
 * whose jobs follow the simulated clock plus the state actions changed.
 *
 * Event names other than `STATE_TRANSITION_IS_COMPLETED` and business error codes are not enumerated in
 * the docs (digest §6.1, §7.2): the ones used here are sandbox inventions and are marked as such.
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
  parseV3Authorization,
  percentEncode,
  sha256Hex,
  VERVERICA_API_VERSION,
  v3CanonicalRequest,
  v3Signature,
  v3StringToSign,
} from './client.js';

/** A credential-looking string planted in failure texts and artifacts: it must never reach an event. */
export const FLINK_SANDBOX_PLANTED_SECRET = 'Fl1nk-Pl4nted-S3cret';
export const FLINK_SANDBOX_WORKSPACE = 'a14bd5d90a0001';

type Profile =
  | { kind: 'healthy' }
  | { kind: 'fails'; atMs: number; reason: string; message: string }
  | { kind: 'crash-loop'; fromMs: number; untilMs: number; everyMs: number }
  | { kind: 'checkpoint-fails'; fromMs: number; untilMs: number }
  | { kind: 'user-stopped'; atMs: number }
  | { kind: 'batch'; startMs: number; durationMs: number }
  | { kind: 'never-started' };

interface SimJob {
  jobId: string;
  status: string;
  startMs: number;
  endMs?: number;
  failure?: { reason: string; message: string; failedAt: number };
  /** Only a deployment's first job follows the script; jobs started by actions are healthy. */
  scripted: boolean;
  restoreKind?: string;
  /** A pending transition: applied on the second GetJob read or at `atMs`, whichever comes first. */
  pending?: { to: string; reads: number; atMs: number };
}

interface SimDeployment {
  namespace: string;
  deploymentId: string;
  name: string;
  mode: 'STREAMING' | 'BATCH';
  profile: Profile;
  jobs: SimJob[];
  /** As Blink's (fleet: the first job's checkpoint schedule spread over the interval). */
  phaseMs?: number;
}

interface World {
  deployments: SimDeployment[];
  byId: Map<string, SimDeployment>;
  namespaces: string[];
  checkpointIntervalMs: number;
  nextJob: number;
  targetOptions: Record<string, unknown>;
}

const uuid = (seed: string) => {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

function add(
  world: World,
  namespace: string,
  name: string,
  profile: Profile,
  mode: SimDeployment['mode'] = 'STREAMING',
  phaseMs?: number,
) {
  const d: SimDeployment = {
    namespace,
    deploymentId: uuid(`deployment/${namespace}/${name}`),
    name,
    mode,
    profile,
    jobs: [],
    ...(phaseMs === undefined ? {} : { phaseMs }),
  };
  world.deployments.push(d);
  world.byId.set(d.deploymentId, d);
}

function scripted(world: World, ns: string, t: (minutes: number) => number, everyMs: number): void {
  add(world, ns, 'orders_etl', { kind: 'healthy' });
  add(world, ns, 'payments_agg', {
    kind: 'fails',
    atMs: t(1.5),
    reason: 'JobFailed',
    message: `java.lang.RuntimeException: sink write failed: jdbc:mysql://db.internal:3306/pay?user=etl&password=${FLINK_SANDBOX_PLANTED_SECRET}\n\tat com.example.Sink.invoke(Sink.java:42)`,
  });
  add(world, ns, 'clicks_sessionize', { kind: 'crash-loop', fromMs: t(1), untilMs: t(5), everyMs });
  add(world, ns, 'inventory_sync', { kind: 'checkpoint-fails', fromMs: t(1), untilMs: t(6) });
  add(world, ns, 'legacy_report', { kind: 'user-stopped', atMs: t(0.5) });
  add(world, ns, 'draft_pipeline', { kind: 'never-started' });
  add(world, ns, 'nightly_rollup', { kind: 'batch', startMs: t(-120), durationMs: 30 * 60_000 }, 'BATCH');
}

function buildWorld(options: SandboxPluginOptions): World {
  const t0 = options.clock.now();
  const world: World = {
    deployments: [],
    byId: new Map(),
    namespaces: [],
    checkpointIntervalMs: 60_000,
    nextJob: 1,
    targetOptions: {},
  };
  if (options.scenario === 'test') {
    const t = (minutes: number) => t0 + minutes * 60_000;
    scripted(world, 'default-namespace', t, 30_000);
    // Healthy fillers make ListDeployments page (pageSize 5); `fleet.flinkTestFillers` overrides the 6.
    for (let i = 0; i < (options.fleet?.['flinkTestFillers'] ?? 6); i++)
      add(world, 'default-namespace', `filler_${String(i).padStart(2, '0')}`, { kind: 'healthy' });
    add(world, 'risk-control', 'rules_engine', { kind: 'healthy' });
    world.namespaces = ['default-namespace', 'risk-control'];
    world.targetOptions = { pageSize: 5 };
  } else if (options.scenario === 'demo') {
    // Wall-speed clock: one job already failed and one already crash-looping, so `poll --once` shows
    // findings; the others go wrong 20-40 s in and recover a few minutes later.
    world.checkpointIntervalMs = 10_000;
    const s = (seconds: number) => t0 + seconds * 1000;
    add(world, 'default-namespace', 'orders_enrich', { kind: 'healthy' });
    add(world, 'default-namespace', 'fraud_rules', {
      kind: 'fails',
      atMs: s(-600),
      reason: 'JobFailed',
      message:
        'org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy',
    });
    add(world, 'default-namespace', 'clickstream_sessions', {
      kind: 'crash-loop',
      fromMs: s(-90),
      untilMs: s(240),
      everyMs: 20_000,
    });
    add(world, 'default-namespace', 'inventory_cdc', {
      kind: 'checkpoint-fails',
      fromMs: s(30),
      untilMs: s(200),
    });
    add(world, 'default-namespace', 'weekly_report', { kind: 'user-stopped', atMs: s(-3600) });
    world.namespaces = ['default-namespace'];
  } else {
    const total = Math.max(1, Math.floor(options.fleet?.['flinkDeployments'] ?? 500));
    for (let i = 0; i < total; i++) {
      const name = `deploy_${String(i).padStart(5, '0')}`;
      const unhealthy = (i * 37) % 100 < (options.fleet?.['flinkUnhealthyPercent'] ?? 3);
      let profile: Profile = { kind: 'healthy' };
      if (unhealthy && i % 2 === 0)
        profile = {
          kind: 'fails',
          atMs: t0 + 30_000,
          reason: 'JobFailed',
          message: 'java.io.IOException: sink unavailable',
        };
      else if (unhealthy) profile = { kind: 'checkpoint-fails', fromMs: t0, untilMs: t0 + 3_600_000 };
      add(world, 'fleet', name, profile, 'STREAMING', fleetPhaseMs(i, world.checkpointIntervalMs));
    }
    world.namespaces = ['fleet'];
    world.targetOptions = { pageSize: 100, concurrency: 16 };
  }
  return world;
}

// ---------------------------------------------------------------------------------------------------------
// Life cycle

function newJob(
  world: World,
  d: SimDeployment,
  startMs: number,
  status: string,
  isScripted: boolean,
): SimJob {
  const job: SimJob = {
    jobId: uuid(`job/${d.deploymentId}/${world.nextJob++}`),
    status,
    startMs,
    scripted: isScripted,
  };
  d.jobs.push(job);
  return job;
}

/** Brings a deployment up to `nowMs`: its first job, the script, and pending transitions. */
function refresh(world: World, d: SimDeployment, nowMs: number, jobRead?: SimJob): SimJob | undefined {
  const p = d.profile;
  if (d.jobs.length === 0 && p.kind !== 'never-started') {
    const start = p.kind === 'batch' ? p.startMs : nowMs - 3_600_000 - (d.phaseMs ?? 0);
    if (nowMs >= start) newJob(world, d, start, 'RUNNING', true);
  }
  for (const job of d.jobs) {
    const pending = job.pending;
    if (!pending) continue;
    if (job === jobRead) pending.reads += 1;
    if (pending.reads >= 2 || nowMs >= pending.atMs) {
      job.pending = undefined;
      job.status = pending.to;
      if (pending.to === 'CANCELLED') job.endMs = nowMs;
    }
  }
  const latest = d.jobs.at(-1);
  if (latest?.scripted && latest.status === 'RUNNING' && !latest.pending) {
    if (p.kind === 'fails' && nowMs >= p.atMs) {
      latest.status = 'FAILED';
      latest.endMs = p.atMs;
      latest.failure = { reason: p.reason, message: p.message, failedAt: p.atMs };
    } else if (p.kind === 'user-stopped' && nowMs >= p.atMs) {
      latest.status = 'CANCELLED';
      latest.endMs = p.atMs;
    } else if (p.kind === 'batch' && nowMs >= p.startMs + p.durationMs) {
      latest.status = 'FINISHED';
      latest.endMs = p.startMs + p.durationMs;
    }
  }
  return latest;
}

function restartTimes(p: Profile, job: SimJob, nowMs: number): number[] {
  if (!job.scripted || p.kind !== 'crash-loop') return [];
  const times: number[] = [];
  for (let t = p.fromMs; t <= Math.min(nowMs, p.untilMs); t += p.everyMs) times.push(t);
  return times;
}

function jobView(d: SimDeployment, job: SimJob, nowMs: number) {
  const restarts = restartTimes(d.profile, job, nowMs).length;
  const running = job.status === 'RUNNING';
  return {
    jobId: job.jobId,
    deploymentId: d.deploymentId,
    deploymentName: d.name,
    namespace: d.namespace,
    workspace: FLINK_SANDBOX_WORKSPACE,
    executionMode: d.mode,
    creator: '27846363877456****',
    createdAt: String(job.startMs - 5_000),
    modifiedAt: String(job.endMs ?? job.startMs),
    startTime: job.startMs,
    ...(job.endMs === undefined ? {} : { endTime: job.endMs }),
    engineVersion: 'vvr-8.0.9-flink-1.17',
    status: {
      currentJobStatus: job.status,
      ...(job.failure ? { failure: job.failure } : {}),
      ...(running
        ? {
            running: {
              observedFlinkJobStatus: restarts > 0 && job.scripted ? 'RESTARTING' : 'RUNNING',
              observedFlinkJobRestarts: restarts,
            },
          }
        : {}),
      riskLevel: d.profile.kind === 'checkpoint-fails' && job.scripted ? 'RISK_LEVEL_HIGH' : 'RISK_LEVEL_LOW',
      healthScore: 100 - restarts,
    },
    metric: { totalCpu: 2, totalMemoryByte: 4_294_967_296 },
    ...(job.restoreKind ? { restoreStrategy: { kind: job.restoreKind, allowNonRestoredState: false } } : {}),
    // Real jobs carry their SQL and configuration; jobwatch must drop them at parsing.
    artifact: {
      kind: 'SQLSCRIPT',
      sqlArtifact: { sqlScript: `CREATE TABLE src WITH ('password'='${FLINK_SANDBOX_PLANTED_SECRET}');` },
    },
    flinkConf: { 's3.secret-key': FLINK_SANDBOX_PLANTED_SECRET },
  };
}

/** A streaming job's retained checkpoints, newest 10; an ended job's stay listed as of its end (§5.5). */
function savepointsOf(world: World, d: SimDeployment, job: SimJob, nowMs: number) {
  if (d.mode === 'BATCH' || job.status === 'STARTING') return [];
  const total = Math.floor((Math.min(nowMs, job.endMs ?? nowMs) - job.startMs) / world.checkpointIntervalMs);
  // The list changes only when a checkpoint falls due (or the script changes): a namespace-wide listing
  // asks for every job's list once per page, which made the emulator, not jobwatch, the bench's bottleneck.
  const known = listedSavepoints.get(job);
  if (known && known.total === total && known.profile === d.profile && known.scripted === job.scripted)
    return known.items;
  const items = makeSavepoints(world, d, job, total);
  listedSavepoints.set(job, { total, profile: d.profile, scripted: job.scripted, items });
  return items;
}

const listedSavepoints = new WeakMap<
  SimJob,
  { total: number; profile: Profile; scripted: boolean; items: Record<string, unknown>[] }
>();

function makeSavepoints(world: World, d: SimDeployment, job: SimJob, total: number) {
  const interval = world.checkpointIntervalMs;
  const p = d.profile;
  const out: Record<string, unknown>[] = [];
  for (let k = total; k >= 1 && out.length < 10; k--) {
    const at = job.startMs + k * interval;
    const failing = job.scripted && p.kind === 'checkpoint-fails' && at >= p.fromMs && at < p.untilMs;
    out.push({
      savepointId: uuid(`sp/${job.jobId}/${k}`),
      deploymentId: d.deploymentId,
      jobId: job.jobId,
      namespace: d.namespace,
      // Failed periodic savepoints are AUTO_TRIGGERED; completed ones retained checkpoints (§5.5).
      savepointOrigin: failing ? 'AUTO_TRIGGERED' : 'RETAINED_CHECKPOINT',
      nativeFormat: true,
      stopWithDrainEnabled: false,
      savepointLocation: `oss://sandbox-bucket/flink/${d.namespace}/${d.name}/chk-${k}`,
      status: failing
        ? {
            state: 'FAILED',
            failure: {
              message: 'Checkpoint expired before completing.',
              reason: 'CHECKPOINT_EXPIRED',
              failedAt: at + 1_200,
            },
          }
        : { state: 'COMPLETED' },
      createdAt: at,
      modifiedAt: at + 14,
    });
  }
  return out;
}

function eventsOf(d: SimDeployment, nowMs: number) {
  const events: Record<string, unknown>[] = [];
  let n = 0;
  for (const job of d.jobs) {
    if (job.startMs > nowMs) continue;
    events.push({
      eventId: `00000000-0000-0000-0000-${String(++n).padStart(12, '0')}`,
      eventName: 'STATE_TRANSITION_IS_COMPLETED',
      message: `Job ${job.jobId} transitioned to RUNNING`,
      jobId: job.jobId,
      deploymentId: d.deploymentId,
      namespace: d.namespace,
      workspace: FLINK_SANDBOX_WORKSPACE,
      createdAt: String(job.startMs),
    });
    for (const t of restartTimes(d.profile, job, nowMs))
      events.push({
        eventId: `00000000-0000-0000-0000-${String(++n).padStart(12, '0')}`,
        // Sandbox invention: the docs give no restart event name.
        eventName: 'JOB_RESTARTING',
        message: `Job restarted after a failover: java.lang.OutOfMemoryError: Java heap space (token=${FLINK_SANDBOX_PLANTED_SECRET})`,
        jobId: job.jobId,
        deploymentId: d.deploymentId,
        namespace: d.namespace,
        workspace: FLINK_SANDBOX_WORKSPACE,
        createdAt: String(t),
      });
  }
  // Newest first (the order the digest assumes, §6.1).
  return events.reverse();
}

// ---------------------------------------------------------------------------------------------------------
// HTTP

let requestCounter = 0;
function requestId(): string {
  requestCounter = (requestCounter + 1) % 0xffffffff;
  return `CBC799F0-${requestCounter.toString(16).toUpperCase().padStart(4, '0')}-1D30-8A4F-882ED4DD0001`;
}

const GATEWAY = alibabaGateway({
  hostId: 'ververica.sandbox.local',
  recommend: (code) => `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=ververica`,
  requestId,
});
const gatewayError = GATEWAY.error;

/** A business failure: HTTP 200 (httpCode always 200), `success: false` (digest §7.1). */
function businessError(code: string, message: string, data: unknown = null): SandboxResponse {
  return {
    status: 200,
    body: {
      requestId: requestId(),
      success: false,
      httpCode: 200,
      errorCode: code,
      errorMessage: message,
      data,
    },
  };
}

const ok = (data: unknown, extra: Record<string, unknown> = {}): SandboxResponse => ({
  status: 200,
  body: {
    requestId: requestId(),
    success: true,
    httpCode: 200,
    errorCode: '',
    errorMessage: '',
    ...extra,
    data,
  },
});

function paged<T>(items: T[], query: URLSearchParams): SandboxResponse {
  const pageSize = Math.min(100, Math.max(1, Number(query.get('pageSize') ?? 10) || 10));
  const pageIndex = Math.max(1, Number(query.get('pageIndex') ?? 1) || 1);
  const start = (pageIndex - 1) * pageSize;
  return ok(items.slice(start, start + pageSize), { pageIndex, pageSize, totalSize: items.length });
}

function readBody(req: SandboxRequest): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(req.body.toString('utf8'));
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function createEmulator(
  options: SandboxPluginOptions,
): AlibabaEmulatorParts<NonNullable<ReturnType<typeof parseV3Authorization>>> {
  const clock: SimClock = options.clock;
  const world = buildWorld(options);
  const ns = (req: SandboxRequest) => req.params['namespace'] ?? '';
  const inNamespace = (req: SandboxRequest) => world.deployments.filter((d) => d.namespace === ns(req));
  const findJob = (req: SandboxRequest, jobId: string) => {
    for (const d of inNamespace(req)) {
      refresh(world, d, clock.now());
      const job = d.jobs.find((j) => j.jobId === jobId);
      if (job) return { d, job };
    }
    return undefined;
  };
  // Sandbox code: the docs publish no business error table.
  const noJob = (id: string) => businessError('JobNotFound', `job ${id} does not exist`);
  const base = '/api/v2/namespaces/:namespace';

  const routes: SandboxRoute[] = [
    {
      method: 'GET',
      pattern: `${base}/deployments`,
      operation: 'ListDeployments',
      handler: (req) => {
        const nowMs = clock.now();
        const items = inNamespace(req).map((d) => {
          refresh(world, d, nowMs);
          const count = (s: string) => d.jobs.filter((j) => j.status === s).length;
          return {
            deploymentId: d.deploymentId,
            name: d.name,
            namespace: d.namespace,
            workspace: FLINK_SANDBOX_WORKSPACE,
            engineVersion: 'vvr-8.0.9-flink-1.17',
            executionMode: d.mode,
            createdAt: String(options.clock.now() - 86_400_000),
            deploymentHasChanged: false,
            jobSummary: {
              starting: count('STARTING'),
              running: count('RUNNING'),
              cancelling: count('CANCELLING'),
              cancelled: count('CANCELLED'),
              finished: count('FINISHED'),
              failed: count('FAILED'),
            },
            deploymentTarget: { mode: 'PER_JOB', name: 'default-queue' },
            labels: { team: 'data-platform' },
            artifact: {
              kind: 'JAR',
              jarArtifact: { jarUri: `oss://bucket/app.jar?AccessKeySecret=${FLINK_SANDBOX_PLANTED_SECRET}` },
            },
          };
        });
        return paged(items, req.query);
      },
    },
    {
      method: 'GET',
      pattern: `${base}/jobs`,
      operation: 'ListJobs',
      handler: (req) => {
        const id = req.query.get('deploymentId');
        // Required in the metadata (digest §9.3); sandbox code.
        if (!id) return businessError('InvalidParameter', 'deploymentId is mandatory for this action.', []);
        const d = world.byId.get(id);
        if (!d || d.namespace !== ns(req)) return paged([], req.query);
        const nowMs = clock.now();
        refresh(world, d, nowMs);
        // sortName=gmt_create: newest first.
        return paged(
          [...d.jobs].reverse().map((j) => jobView(d, j, nowMs)),
          req.query,
        );
      },
    },
    {
      method: 'GET',
      pattern: `${base}/jobs/:jobId`,
      operation: 'GetJob',
      handler: (req) => {
        const id = req.params['jobId'] ?? '';
        const found = findJob(req, id);
        if (!found) return noJob(id);
        refresh(world, found.d, clock.now(), found.job);
        return ok(jobView(found.d, found.job, clock.now()));
      },
    },
    {
      method: 'POST',
      pattern: `${base}/jobs:start`,
      operation: 'StartJobWithParams',
      handler: (req) => {
        const body = readBody(req);
        const d = world.byId.get(String(body?.['deploymentId'] ?? ''));
        if (!d || d.namespace !== ns(req))
          return businessError(
            'DeploymentNotFound',
            `deployment ${String(body?.['deploymentId'] ?? '')} does not exist`,
          );
        const restore = (body?.['restoreStrategy'] ?? {}) as Record<string, unknown>;
        const kind = String(restore['kind'] ?? 'NONE');
        if (!['NONE', 'LATEST_SAVEPOINT', 'FROM_SAVEPOINT', 'LATEST_STATE'].includes(kind))
          return businessError('InvalidParameter', `unsupported restoreStrategy.kind ${kind}`);
        if (kind === 'FROM_SAVEPOINT' && !restore['savepointId'])
          return businessError(
            'InvalidParameter',
            'restoreStrategy.savepointId is mandatory for FROM_SAVEPOINT',
          );
        const nowMs = clock.now();
        const current = refresh(world, d, nowMs);
        if (current && ['STARTING', 'RUNNING', 'CANCELLING'].includes(current.status))
          return businessError('JobAlreadyRunning', `deployment ${d.name} already has a live job`);
        const job = newJob(world, d, nowMs, 'STARTING', false);
        job.restoreKind = kind;
        job.pending = { to: 'RUNNING', reads: 0, atMs: nowMs + 20_000 };
        return ok(jobView(d, job, nowMs));
      },
    },
    {
      method: 'POST',
      pattern: `${base}/jobs/:jobIdVerb`,
      operation: 'StopJob',
      handler: (req) => {
        const raw = req.params['jobIdVerb'] ?? '';
        if (!raw.endsWith(':stop'))
          return gatewayError(404, 'InvalidApi.NotFound', 'Specified api is not found.');
        const id = raw.slice(0, -':stop'.length);
        const found = findJob(req, id);
        if (!found) return noJob(id);
        const strategy = String(readBody(req)?.['stopStrategy'] ?? '');
        if (!['NONE', 'STOP_WITH_SAVEPOINT', 'STOP_WITH_DRAIN'].includes(strategy))
          return businessError(
            'InvalidParameter',
            'stopStrategy is mandatory: NONE, STOP_WITH_SAVEPOINT or STOP_WITH_DRAIN',
          );
        const { d, job } = found;
        if (!['STARTING', 'RUNNING'].includes(job.status) || job.pending)
          return businessError('JobNotRunning', `job ${id} is ${job.status}`);
        job.status = 'CANCELLING';
        job.pending = { to: 'CANCELLED', reads: 0, atMs: clock.now() + 30_000 };
        return ok(jobView(d, job, clock.now()));
      },
    },
    {
      method: 'GET',
      pattern: `${base}/events`,
      operation: 'GetEvents',
      handler: (req) => {
        const id = req.query.get('deploymentId');
        const nowMs = clock.now();
        const deployments = inNamespace(req).filter((d) => !id || d.deploymentId === id);
        const events = deployments.flatMap((d) => {
          refresh(world, d, nowMs);
          return eventsOf(d, nowMs);
        });
        // Newest first across deployments too (the order the digest assumes, §6.1).
        events.sort((a, b) => Number(b['createdAt']) - Number(a['createdAt']));
        return paged(events, req.query);
      },
    },
    {
      method: 'GET',
      pattern: `${base}/savepoints`,
      operation: 'ListSavepoints',
      handler: (req) => {
        const jobId = req.query.get('jobId');
        const deploymentId = req.query.get('deploymentId');
        const nowMs = clock.now();
        const items = inNamespace(req)
          .filter((d) => !deploymentId || d.deploymentId === deploymentId)
          .flatMap((d) => {
            refresh(world, d, nowMs);
            return d.jobs
              .filter((j) => !jobId || j.jobId === jobId)
              .flatMap((j) => savepointsOf(world, d, j, nowMs));
          });
        return paged(items, req.query);
      },
    },
    {
      method: 'GET',
      pattern: `${base}/deployments/:deploymentId/jobs/:jobId/job-diagnoses/lite`,
      operation: 'GetJobDiagnosis',
      handler: (req) => {
        const d = world.byId.get(req.params['deploymentId'] ?? '');
        const job = d?.jobs.find((j) => j.jobId === req.params['jobId']);
        if (!d || !job) return noJob(req.params['jobId'] ?? '');
        const failed = job.status === 'FAILED';
        const checkpoints = d.profile.kind === 'checkpoint-fails' && job.scripted;
        return ok({
          diagnoseId: uuid(`diag/${job.jobId}`),
          diagnoseTime: clock.now(),
          riskLevel: failed || checkpoints ? 'RISK_LEVEL_HIGH' : 'RISK_LEVEL_LOW',
          namespace: d.namespace,
          workspace: FLINK_SANDBOX_WORKSPACE,
          symptoms: {
            startup: [],
            runtime: failed
              ? [
                  {
                    name: 'SinkWriteFailure',
                    description: 'The sink could not write records',
                    recommendation: 'Check the sink',
                  },
                ]
              : [],
            state: checkpoints
              ? [
                  {
                    name: 'CheckpointTimeout',
                    description: 'Checkpoints expire before completing',
                    recommendation: 'Raise the checkpoint timeout',
                  },
                ]
              : [],
            troubleshooting: [],
            others: [],
            autopilot: null,
          },
        });
      },
    },
  ];

  return {
    routes,
    authenticate(req, auth, { secret, verify }) {
      const required = [
        'host',
        'x-acs-action',
        'x-acs-content-sha256',
        'x-acs-date',
        'x-acs-signature-nonce',
        'x-acs-version',
      ];
      if (required.some((name) => !auth.signedHeaders.includes(name)))
        return gatewayError(400, 'IncompleteSignature', 'A required header is not signed.');
      if (header(req, 'x-acs-content-sha256') !== sha256Hex(req.body))
        return gatewayError(400, 'InvalidContentSha256', 'x-acs-content-sha256 does not match the body.');
      const signed: Record<string, string> = {};
      for (const name of auth.signedHeaders) signed[name] = header(req, name) ?? '';
      const query = queryPairs(req);
      // The harness hands over the decoded path; the signature covers it as sent: parameters encoded, the
      // `:` of the colon operations literal (digest §1.3).
      const path = req.path
        .split('/')
        .map((segment) => percentEncode(segment))
        .join('/')
        .replace(/%3A(start|stop)$/, ':$1');
      const { canonicalRequest } = v3CanonicalRequest(req.method, path, query, signed, sha256Hex(req.body));
      const signature = v3Signature(v3StringToSign(canonicalRequest), secret);
      const replayedOrWrong = verify(
        signature === auth.signature,
        header(req, 'x-acs-signature-nonce') ?? '',
      );
      if (replayedOrWrong) return replayedOrWrong;
      // The workspace header names the instance; sandbox code for an unknown one.
      if (header(req, 'workspace') !== FLINK_SANDBOX_WORKSPACE)
        return {
          status: 403,
          body: businessError('NoPermission.Workspace', 'workspace not found or not accessible').body,
        };
      return undefined;
    },
    target: {
      options: {
        workspace: FLINK_SANDBOX_WORKSPACE,
        namespaces: [...world.namespaces],
        ...world.targetOptions,
      },
    },
  };
}

export const alibabaFlinkSandboxPlugin = alibabaSandboxPlugin(
  {
    provider: 'alibaba-flink',
    gateway: GATEWAY,
    version: VERVERICA_API_VERSION,
    parseAuthorization: parseV3Authorization,
  },
  createEmulator,
);
