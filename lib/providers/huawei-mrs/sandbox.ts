/**
 * MRS emulator for the sandbox: V1.1 cluster list/detail and hosts, V2 job executions (list with paging
 * and filters, detail, kill, submit), real signature checks, and scripted life cycles that are functions of
 * the simulated clock plus what actions changed.
 *
 * Scenarios:
 * - `test`: deterministic, driven by `clock.advance()` (timeline in `buildTestWorld`).
 * - `demo`: wall-speed; a job fails ~20 s after start, a job sits in ACCEPTED, the prod cluster turns
 *   abnormal at ~75 s and recovers at ~5 min, an hourly-style job crash-loops from ~2 min; resubmitting the
 *   failed job succeeds.
 * - `fleet`: `fleet.mrsClusters` (20) clusters with `fleet.mrsJobs` (5,000) jobs; `fleet.mrsUnhealthyPercent`
 *   (else `fleet.unhealthyPercent`, else 4) of them unhealthy: three quarters failed, one quarter stuck in
 *   ACCEPTED; one cluster in twenty abnormal.
 */
import { randomUUID } from 'node:crypto';
import type { SimClock } from '../../sandbox/clock.js';
import type {
  SandboxEmulator,
  SandboxPlugin,
  SandboxPluginOptions,
  SandboxRequest,
  SandboxResponse,
  SandboxRoute,
} from '../../sandbox/types.js';
import { huaweiSandboxAuthenticator, huaweiSandboxTarget } from '../huawei/sandbox.js';
import { MRS_OPERATIONS } from './client.js';
import { MRS_JOB_TYPES } from './collector.js';

export const MRS_SANDBOX_PROJECT_ID = '5f4e3d2c1b0a49788796a5b4c3d2e1f0';
export const MRS_SANDBOX_REGION = 'cn-north-4';
/** Simulated time between a kill request and the execution showing KILLED. */
export const MRS_SANDBOX_KILL_DELAY_MS = 3_000;

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

type Result = 'SUCCEEDED' | 'FAILED' | 'KILLED';

/** One job execution's script. Times are epoch ms of simulated time. */
export interface SimExecution {
  id: string;
  name: string;
  type: string;
  clusterId: string;
  queue: string;
  user: string;
  submittedMs: number;
  /** RUNNING from here; ACCEPTED until then (forever when undefined). */
  runningFromMs?: number;
  /** Ends with `result` here (FAILED/SUCCEEDED show job_state FINISHED; KILLED shows KILLED). */
  endsAtMs?: number;
  result?: Result;
  /** Set by the kill action. */
  killedAtMs?: number;
  /** As MRS renders them; the sandbox's fake secrets live here so tests can prove they never leak. */
  arguments: string;
  properties: string;
}

export interface SimCluster {
  id: string;
  name: string;
  createdSec: number;
  hosts: { id: string; name: string; type: 'Master' | 'Core' | 'Task' }[];
  /** State phases, ascending `fromMs`; the last one that started applies. */
  phases: { fromMs: number; state: string; errorInfo?: string; downHosts?: string[] }[];
}

/** How the emulated job list reads `offset` (real MRS is ambiguous; the collector accepts both). */
export type JobOffsetMode = 'records-from-0' | 'pages-from-1';

export interface MrsWorld {
  projectId: string;
  clusters: SimCluster[];
  /** Executions per cluster, sorted by submitted time, newest first. */
  executions: Map<string, SimExecution[]>;
  /** Produces executions that appear over time (the demo's periodic job); called before each read. */
  tick?: (nowMs: number) => void;
  /** Every accepted submission, without its arguments or properties. */
  submissions: { clusterId: string; jobId: string; name: string; type: string; argumentCount: number }[];
  kills: { clusterId: string; jobId: string; atMs: number }[];
}

/** A fake secret placed in job properties; nothing jobwatch emits may contain it. */
export const MRS_SANDBOX_PROPERTY_SECRET = 'sandbox-obs-secret-in-job-properties';
const FAKE_PROPERTIES = `{fs.obs.access.key=SANDBOXOBSACCESSKEY01, fs.obs.secret.key=${MRS_SANDBOX_PROPERTY_SECRET}}`;

function execution(
  partial: Omit<SimExecution, 'id' | 'queue' | 'user' | 'arguments' | 'properties'> &
    Partial<Pick<SimExecution, 'id' | 'queue' | 'user' | 'arguments' | 'properties'>>,
): SimExecution {
  return {
    id: partial.id ?? randomUUID(),
    queue: 'default',
    user: 'etl_user',
    arguments: `[--class, com.example.${partial.name.replace(/-/g, '_')}, --master, yarn-cluster, obs://sandbox-bucket/app.jar]`,
    properties: FAKE_PROPERTIES,
    ...partial,
  };
}

/**
 * A scripted execution: name, job type, then times from t0 (minutes) to the submission, to RUNNING (none:
 * ACCEPTED for ever) and to the end with its result (none: still running).
 */
type ScriptRow = [string, string, number, number?, number?, Result?];

/** The test world's executions on the prod cluster (ids e7a1d001-…-000000000001 upwards). */
const TEST_SCRIPT: ScriptRow[] = [
  ['daily-etl', 'SparkSubmit', -2, -1, 2, 'FAILED'],
  ['daily-etl', 'SparkSubmit', 30, 30.5, 40, 'SUCCEEDED'],
  ['hive-report', 'HiveScript', -1],
  ['user-adhoc', 'MapReduce', -6, -5, 1, 'KILLED'],
  ['wordcount', 'MapReduce', -20, -19, -10, 'SUCCEEDED'],
  ['old-failure', 'HiveSql', -180, -179, -170, 'FAILED'],
  ['long-distcp', 'DistCp', -120, -119],
];

/** The executions a script describes on one cluster, their ids from `idOf` (else random). */
function scripted(
  t0: number,
  clusterId: string,
  rows: readonly ScriptRow[],
  idOf?: (index: number) => string,
): SimExecution[] {
  const at = (minutes: number) => t0 + minutes * MINUTE;
  return rows.map(([name, type, submitted, running, ends, result], index) =>
    execution({
      ...(idOf ? { id: idOf(index) } : {}),
      name,
      type,
      clusterId,
      submittedMs: at(submitted),
      ...(running === undefined ? {} : { runningFromMs: at(running) }),
      ...(ends === undefined ? {} : { endsAtMs: at(ends) }),
      ...(result === undefined ? {} : { result }),
    }),
  );
}

/**
 * A cluster made `createdMs`, with two masters and `cores` core nodes, running throughout, or abnormal
 * during an `outage` (its second core node down) and running again after it.
 */
function simCluster(
  id: string,
  name: string,
  createdMs: number,
  cores: number,
  outage?: { fromMs: number; untilMs: number; errorInfo: string },
): SimCluster {
  const running = (fromMs: number) => ({ fromMs, state: 'running' });
  return {
    id,
    name,
    createdSec: Math.floor(createdMs / 1000),
    hosts: hostsFor(id, cores),
    phases: outage
      ? [
          running(0),
          {
            fromMs: outage.fromMs,
            state: 'abnormal',
            errorInfo: outage.errorInfo,
            downHosts: [`${id.slice(0, 8)}-c2`],
          },
          running(outage.untilMs),
        ]
      : [running(0)],
  };
}

function hostsFor(clusterId: string, cores: number): SimCluster['hosts'] {
  const hosts: SimCluster['hosts'] = [
    { id: `${clusterId.slice(0, 8)}-m1`, name: `${clusterId}_node_master1_aBcDe`, type: 'Master' },
    { id: `${clusterId.slice(0, 8)}-m2`, name: `${clusterId}_node_master2_fGhIj`, type: 'Master' },
  ];
  for (let i = 1; i <= cores; i++)
    hosts.push({
      id: `${clusterId.slice(0, 8)}-c${i}`,
      name: `${clusterId}_node_core${i}_kLmNo`,
      type: 'Core',
    });
  return hosts;
}

function addExecutions(world: MrsWorld, list: SimExecution[]): void {
  for (const e of list) {
    const bucket = world.executions.get(e.clusterId) ?? [];
    bucket.push(e);
    world.executions.set(e.clusterId, bucket);
  }
  for (const bucket of world.executions.values()) bucket.sort((a, b) => b.submittedMs - a.submittedMs);
}

function emptyWorld(): MrsWorld {
  return {
    projectId: MRS_SANDBOX_PROJECT_ID,
    clusters: [],
    executions: new Map(),
    submissions: [],
    kills: [],
  };
}

export const TEST_CLUSTER_PROD = 'c0ffee00-1111-2222-3333-444455556666';
export const TEST_CLUSTER_BATCH = 'b0a7c400-7777-8888-9999-aaaabbbbcccc';

/**
 * The `test` scenario, relative to t0 (clock at start):
 * - mrs-prod: running; abnormal from t0+10 min to t0+20 min (core host 2 SHUTOFF); running after.
 *   daily-etl: run 1 fails at t0+2 min; run 2 is submitted at t0+30 min (RUNNING at +30.5) and succeeds at +40.
 *   hive-report: ACCEPTED from t0-1 min, forever (stuck after the pending limit).
 *   user-adhoc: RUNNING, killed by a user at t0+1 min.
 *   wordcount: succeeded at t0-10 min. old-failure: failed 3 h ago (outside the 1 h window).
 *   long-distcp: submitted 2 h ago, RUNNING forever (only the "unfinished" listing finds it).
 * - mrs-batch: running; 25 executions batch-job-00..24 (paging), all succeeded or running.
 */
export function buildTestWorld(t0: number): MrsWorld {
  const world = emptyWorld();
  world.clusters.push(
    simCluster(TEST_CLUSTER_PROD, 'mrs-prod', t0 - 30 * DAY, 3, {
      fromMs: t0 + 10 * MINUTE,
      untilMs: t0 + 20 * MINUTE,
      errorInfo: 'NodeManager lost on 1 node',
    }),
    simCluster(TEST_CLUSTER_BATCH, 'mrs-batch', t0 - 60 * DAY, 2),
  );
  addExecutions(
    world,
    scripted(
      t0,
      TEST_CLUSTER_PROD,
      TEST_SCRIPT,
      (i) => `e7a1d001-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    ),
  );
  addExecutions(
    world,
    Array.from({ length: 25 }, (_, i) =>
      execution({
        id: `b47c0000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        name: `batch-job-${String(i).padStart(2, '0')}`,
        type: i % 2 ? 'SparkSql' : 'MapReduce',
        clusterId: TEST_CLUSTER_BATCH,
        submittedMs: t0 - 30 * MINUTE + i * 10_000,
        runningFromMs: t0 - 29 * MINUTE + i * 10_000,
        ...(i < 20 ? { endsAtMs: t0 - 15 * MINUTE + i * 10_000, result: 'SUCCEEDED' as const } : {}),
      }),
    ),
  );
  return world;
}

function buildDemoWorld(t0: number): MrsWorld {
  const world = emptyWorld();
  const prod = 'de30c1a5-0001-4000-8000-00000000d001';
  const batch = 'de30c1a5-0002-4000-8000-00000000d002';
  world.clusters.push(
    simCluster(prod, 'mrs-demo-prod', t0 - 7 * DAY, 3, {
      fromMs: t0 + 75_000,
      untilMs: t0 + 300_000,
      errorInfo: 'ResourceManager unreachable on master node',
    }),
    simCluster(batch, 'mrs-demo-batch', t0 - 7 * DAY, 2),
  );
  addExecutions(world, [
    ...scripted(t0, prod, [
      ['demo-spark-etl', 'SparkSubmit', -1, -50 / 60, 20 / 60, 'FAILED'],
      ['demo-hive-report', 'HiveScript', -14.7],
    ]),
    ...scripted(t0, batch, [
      ['demo-user-adhoc', 'MapReduce', -3, -2.5, 0.5, 'KILLED'],
      ['demo-distcp-backup', 'DistCp', -120, -119],
    ]),
  ]);
  // A periodic job: one run a minute, 40 s each; runs submitted from t0+2 min on fail (a crash loop).
  let produced = -3;
  world.tick = (nowMs) => {
    const upTo = Math.floor((nowMs - t0) / MINUTE);
    const fresh: SimExecution[] = [];
    for (; produced <= upTo; produced++) {
      const submittedMs = t0 + produced * MINUTE;
      fresh.push(
        execution({
          name: 'demo-hourly-agg',
          type: 'MapReduce',
          clusterId: prod,
          submittedMs,
          runningFromMs: submittedMs + 5_000,
          endsAtMs: submittedMs + 40_000,
          result: produced >= 2 ? 'FAILED' : 'SUCCEEDED',
        }),
      );
    }
    if (fresh.length) addExecutions(world, fresh);
  };
  return world;
}

/** Deterministic 0..99 from an index, so the fleet is the same every run. */
function bucketOf(i: number): number {
  return Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
}

function buildFleetWorld(t0: number, fleet: Record<string, number> | undefined): MrsWorld {
  const world = emptyWorld();
  const clusterCount = Math.max(1, fleet?.mrsClusters ?? 20);
  const jobCount = Math.max(0, fleet?.mrsJobs ?? 5_000);
  // Unhealthy share in hundredths of a percent: three quarters failed, one quarter stuck in ACCEPTED.
  const unhealthy = Math.round((fleet?.mrsUnhealthyPercent ?? fleet?.unhealthyPercent ?? 4) * 100);
  const failedBelow = Math.round(unhealthy * 0.75);
  for (let c = 0; c < clusterCount; c++) {
    const id = `f1ee7000-${String(c).padStart(4, '0')}-4000-8000-000000000000`;
    const cluster = simCluster(id, `mrs-fleet-${String(c).padStart(3, '0')}`, t0 - 30 * DAY, 3);
    if (c % 20 === 7)
      cluster.phases = [{ fromMs: 0, state: 'abnormal', errorInfo: 'HDFS NameNode in safe mode' }];
    world.clusters.push(cluster);
  }
  const list: SimExecution[] = [];
  for (let i = 0; i < jobCount; i++) {
    const cluster = world.clusters[i % clusterCount] as SimCluster;
    const b = bucketOf(i) % 10_000;
    const submittedMs = t0 - (5 + (i % 50)) * MINUTE;
    const base = {
      id: `f1ee7000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      name: `fleet-job-${String(i).padStart(5, '0')}`,
      type: ['MapReduce', 'SparkSubmit', 'HiveSql', 'SparkSql', 'DistCp', 'Flink'][i % 6] as string,
      clusterId: cluster.id,
      submittedMs,
    };
    if (b < failedBelow)
      list.push(
        execution({
          ...base,
          runningFromMs: submittedMs + 10_000,
          endsAtMs: submittedMs + 60_000,
          result: 'FAILED',
        }),
      );
    else if (b < unhealthy) list.push(execution({ ...base, submittedMs: t0 - 30 * MINUTE }));
    else if (b < 5_000) list.push(execution({ ...base, runningFromMs: submittedMs + 10_000 }));
    else
      list.push(
        execution({
          ...base,
          runningFromMs: submittedMs + 10_000,
          endsAtMs: submittedMs + 4 * MINUTE,
          result: 'SUCCEEDED',
        }),
      );
  }
  addExecutions(world, list);
  return world;
}

interface ExecutionStatus {
  state: string;
  result: string;
  startedMs: number;
  finishedMs: number;
}

/** State and result of an execution at `nowMs` (cheap: list filters use it before building views). */
function executionStatus(e: SimExecution, nowMs: number): ExecutionStatus | undefined {
  if (nowMs < e.submittedMs) return undefined;
  const startedMs = e.runningFromMs !== undefined && nowMs >= e.runningFromMs ? e.runningFromMs : 0;
  const killed =
    e.killedAtMs !== undefined &&
    nowMs >= e.killedAtMs &&
    (e.endsAtMs === undefined || e.killedAtMs < e.endsAtMs);
  if (killed) return { state: 'KILLED', result: 'KILLED', startedMs, finishedMs: e.killedAtMs as number };
  if (e.endsAtMs !== undefined && nowMs >= e.endsAtMs) {
    const result = e.result ?? 'SUCCEEDED';
    return { state: result === 'KILLED' ? 'KILLED' : 'FINISHED', result, startedMs, finishedMs: e.endsAtMs };
  }
  return { state: startedMs ? 'RUNNING' : 'ACCEPTED', result: 'UNDEFINED', startedMs, finishedMs: 0 };
}

/** The execution as the V2 API shows it at `nowMs`, or undefined before it was submitted. */
export function executionView(e: SimExecution, nowMs: number): Record<string, unknown> | undefined {
  const status = executionStatus(e, nowMs);
  if (!status) return undefined;
  const { state, result, startedMs, finishedMs } = status;
  const progress =
    result === 'SUCCEEDED'
      ? 100
      : state === 'RUNNING'
        ? Math.min(99, Math.floor((nowMs - startedMs) / 6_000))
        : 0;
  return {
    job_id: e.id,
    user: e.user,
    job_name: e.name,
    job_result: result,
    job_state: state,
    job_progress: progress,
    job_type: e.type,
    started_time: startedMs,
    submitted_time: e.submittedMs,
    finished_time: finishedMs,
    elapsed_time: startedMs ? (finishedMs || nowMs) - startedMs : 0,
    queue: e.queue,
    arguments: e.arguments,
    launcher_id: `application_${Math.floor(e.submittedMs / 1000)}_0001`,
    ...(startedMs ? { app_id: `application_${Math.floor(e.submittedMs / 1000)}_0002` } : {}),
    properties: e.properties,
  };
}

function clusterPhase(c: SimCluster, nowMs: number): SimCluster['phases'][number] {
  let current = c.phases[0] as SimCluster['phases'][number];
  for (const phase of c.phases) if (phase.fromMs <= nowMs) current = phase;
  return current;
}

function clusterView(c: SimCluster, nowMs: number): Record<string, unknown> {
  const phase = clusterPhase(c, nowMs);
  const masters = c.hosts.filter((h) => h.type === 'Master').length;
  return {
    clusterId: c.id,
    clusterName: c.name,
    clusterState: phase.state,
    stageDesc: '',
    scale: '',
    errorInfo: phase.errorInfo ?? '',
    isMrsManagerFinish: true,
    // Counts and times are strings, times in SECONDS, as the SDK model says.
    totalNodeNum: String(c.hosts.length),
    masterNodeNum: String(masters),
    coreNodeNum: String(c.hosts.length - masters),
    createAt: String(c.createdSec),
    updateAt: String(Math.floor(Math.max(phase.fromMs, c.createdSec * 1000) / 1000)),
    clusterVersion: 'MRS 3.1.0',
    safeMode: 0,
    nodeGroups: [
      { GroupName: 'master_node_default_group', NodeNum: masters, NodeSize: 'c6.4xlarge.4.linux.bigdata' },
    ],
  };
}

/** The job types the API accepts: the documented ones production knows. */
const JOB_TYPES = new Set(Object.keys(MRS_JOB_TYPES));

function mrsError(status: number, code: string, message: string): SandboxResponse {
  return { status, body: { error_msg: message, error_code: code } };
}

function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  const n = raw === null ? Number.NaN : Number(raw);
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

export interface MrsSandboxPluginOptions {
  jobOffsetMode?: JobOffsetMode;
  /** Lets tests inspect the world (submissions, kills) behind an emulator. */
  onWorld?: (world: MrsWorld) => void;
}

export function createMrsEmulator(
  options: SandboxPluginOptions,
  plugin: MrsSandboxPluginOptions = {},
): SandboxEmulator {
  const clock: SimClock = options.clock;
  const t0 = clock.now();
  const world =
    options.scenario === 'demo'
      ? buildDemoWorld(t0)
      : options.scenario === 'fleet'
        ? buildFleetWorld(t0, options.fleet)
        : buildTestWorld(t0);
  plugin.onWorld?.(world);
  const offsetMode = plugin.jobOffsetMode ?? 'records-from-0';
  const now = () => {
    const n = clock.now();
    world.tick?.(n);
    return n;
  };
  const clusterById = new Map(world.clusters.map((c) => [c.id, c]));

  const withCluster = (
    req: SandboxRequest,
    fn: (cluster: SimCluster, nowMs: number) => SandboxResponse,
  ): SandboxResponse => {
    if (req.params.projectId !== world.projectId) return mrsError(403, '12000052', 'No access rights.');
    const cluster = clusterById.get(req.params.clusterId ?? '');
    if (!cluster) return mrsError(400, '12000003', 'The cluster does not exist.');
    return fn(cluster, now());
  };

  const findExecution = (cluster: SimCluster, jobId: string, nowMs: number) => {
    const e = (world.executions.get(cluster.id) ?? []).find((x) => x.id === jobId);
    return e && executionView(e, nowMs) ? e : undefined;
  };

  /** A route on one job execution (`:jobId`) of a cluster; an unknown or not yet submitted one is an error. */
  const withExecution = (
    req: SandboxRequest,
    fn: (cluster: SimCluster, execution: SimExecution, nowMs: number) => SandboxResponse,
  ): SandboxResponse =>
    withCluster(req, (c, nowMs) => {
      const e = findExecution(c, req.params.jobId ?? '', nowMs);
      return e ? fn(c, e, nowMs) : mrsError(400, '0176', 'The job does not exist.');
    });

  const routes: SandboxRoute[] = [
    {
      method: 'GET',
      pattern: '/v1.1/:projectId/cluster_infos',
      operation: MRS_OPERATIONS.listClusters,
      handler: (req) => {
        if (req.params.projectId !== world.projectId) return mrsError(403, '12000052', 'No access rights.');
        const nowMs = now();
        const stateFilter = req.query.get('clusterState') ?? 'existing';
        const views = world.clusters
          .map((c) => clusterView(c, nowMs))
          .filter((v) =>
            stateFilter === 'existing' ? v.clusterState !== 'terminated' : stateFilter === v.clusterState,
          );
        const pageSize = Math.max(1, intParam(req.query, 'pageSize', 10));
        const page = Math.max(1, intParam(req.query, 'currentPage', 1));
        return {
          status: 200,
          // The OTC doc types clusterTotal as a String: answer one, the collector must accept it.
          body: {
            clusterTotal: String(views.length),
            clusters: views.slice((page - 1) * pageSize, page * pageSize),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/v1.1/:projectId/cluster_infos/:clusterId',
      operation: MRS_OPERATIONS.showCluster,
      handler: (req) =>
        withCluster(req, (c, nowMs) => ({ status: 200, body: { cluster: clusterView(c, nowMs) } })),
    },
    {
      method: 'GET',
      pattern: '/v1.1/:projectId/clusters/:clusterId/hosts',
      operation: MRS_OPERATIONS.listHosts,
      handler: (req) =>
        withCluster(req, (c, nowMs) => {
          const down = new Set(clusterPhase(c, nowMs).downHosts ?? []);
          const pageSize = Math.max(1, intParam(req.query, 'pageSize', 10));
          const page = Math.max(1, intParam(req.query, 'currentPage', 1));
          const hosts = c.hosts.map((h, i) => ({
            id: h.id,
            name: h.name,
            ip: `192.168.0.${10 + i}`,
            status: down.has(h.id) ? 'SHUTOFF' : 'ACTIVE',
            flavor: 'c6.4xlarge.4linux.mrs',
            type: h.type,
            mem: '16384',
            cpu: '8',
            root_volume_size: '40',
            data_volume_type: 'SATA',
            data_volume_size: 100,
            data_volume_count: 1,
          }));
          return {
            status: 200,
            body: { total: hosts.length, hosts: hosts.slice((page - 1) * pageSize, page * pageSize) },
          };
        }),
    },
    {
      method: 'GET',
      pattern: '/v2/:projectId/clusters/:clusterId/job-executions',
      operation: MRS_OPERATIONS.listJobs,
      handler: (req) =>
        withCluster(req, (c, nowMs) => {
          const q = req.query;
          const begin = intParam(q, 'submitted_time_begin', Number.NEGATIVE_INFINITY);
          const end = intParam(q, 'submitted_time_end', Number.POSITIVE_INFINITY);
          const eq = (field: string, value: unknown) => {
            const want = q.get(field);
            return want === null || want === '' || String(value).toUpperCase() === want.toUpperCase();
          };
          const matching: SimExecution[] = [];
          for (const e of world.executions.get(c.id) ?? []) {
            if (e.submittedMs < begin || e.submittedMs > end) continue;
            const st = executionStatus(e, nowMs);
            if (!st || !eq('job_state', st.state) || !eq('job_result', st.result)) continue;
            if (!eq('job_type', e.type) || !eq('job_name', e.name) || !eq('job_id', e.id)) continue;
            if (!eq('queue', e.queue) || !eq('user', e.user)) continue;
            matching.push(e);
          }
          if ((q.get('sort_by') ?? 'desc').toLowerCase() === 'asc') matching.reverse();
          const limit = Math.max(1, intParam(q, 'limit', 10));
          const offset = intParam(q, 'offset', offsetMode === 'records-from-0' ? 0 : 1);
          const start =
            offsetMode === 'records-from-0' ? Math.max(0, offset) : (Math.max(1, offset) - 1) * limit;
          const page = matching.slice(start, start + limit).map((e) => executionView(e, nowMs));
          // 202 is what the docs say this API answers ("compatibility with earlier versions").
          return { status: 202, body: { total_record: matching.length, job_list: page } };
        }),
    },
    {
      method: 'GET',
      pattern: '/v2/:projectId/clusters/:clusterId/job-executions/:jobId',
      operation: MRS_OPERATIONS.showJob,
      handler: (req) =>
        withExecution(req, (_c, e, nowMs) => ({
          status: 202,
          body: { job_detail: executionView(e, nowMs) },
        })),
    },
    {
      method: 'POST',
      pattern: '/v2/:projectId/clusters/:clusterId/job-executions/:jobId/kill',
      operation: MRS_OPERATIONS.killJob,
      handler: (req) =>
        withExecution(req, (c, e, nowMs) => {
          const state = executionView(e, nowMs)?.job_state;
          if (state === 'FINISHED' || state === 'KILLED' || state === 'FAILED')
            return mrsError(400, '0175', 'Failed to kill the job.');
          e.killedAtMs ??= nowMs + MRS_SANDBOX_KILL_DELAY_MS;
          world.kills.push({ clusterId: c.id, jobId: e.id, atMs: nowMs });
          return { status: 202 };
        }),
    },
    {
      method: 'POST',
      pattern: '/v2/:projectId/clusters/:clusterId/job-executions',
      operation: MRS_OPERATIONS.submitJob,
      handler: (req) =>
        withCluster(req, (c, nowMs) => {
          let body: { job_type?: unknown; job_name?: unknown; arguments?: unknown; properties?: unknown };
          try {
            body = JSON.parse(req.body.toString('utf8') || '{}');
          } catch {
            return mrsError(400, '12000002', 'The parameter is invalid.');
          }
          const type = String(body.job_type ?? '');
          const name = String(body.job_name ?? '');
          if (!JOB_TYPES.has(type) || !/^[A-Za-z0-9_-]{1,64}$/.test(name))
            return mrsError(400, '12000002', 'The parameter is invalid.');
          const state = clusterPhase(c, nowMs).state;
          if (state !== 'running')
            return {
              status: 500,
              body: {
                job_submit_result: {
                  error_msg: `Jobs cannot be submitted to a cluster in the ${state} state.`,
                  error_code: '0056',
                },
              },
            };
          const args = Array.isArray(body.arguments) ? body.arguments.map(String) : [];
          const props =
            body.properties && typeof body.properties === 'object'
              ? Object.entries(body.properties as Record<string, unknown>).map(
                  ([k, v]) => `${k}=${String(v)}`,
                )
              : [];
          const e = execution({
            name,
            type: type === 'SparkPython' ? 'SparkSubmit' : type,
            clusterId: c.id,
            submittedMs: nowMs,
            runningFromMs: nowMs + 2_000,
            endsAtMs: nowMs + 45_000,
            result: 'SUCCEEDED',
            arguments: `[${args.join(', ')}]`,
            properties: `{${props.join(', ')}}`,
          });
          addExecutions(world, [e]);
          world.submissions.push({ clusterId: c.id, jobId: e.id, name, type, argumentCount: args.length });
          return { status: 200, body: { job_submit_result: { job_id: e.id, state: 'COMPLETE' } } };
        }),
    },
  ];

  return {
    routes,
    authenticate: huaweiSandboxAuthenticator(clock, (reason) => ({
      status: 401,
      body: {
        error_msg: `Incorrect IAM authentication information: ${reason}`,
        error_code: 'APIGW.0301',
        request_id: randomUUID().replace(/-/g, ''),
      },
    })),
    errorBody: (status, operation) => {
      if (status === 429)
        return {
          error_msg: 'The throttling threshold has been reached.',
          error_code: 'APIGW.0308',
          request_id: randomUUID().replace(/-/g, ''),
        };
      const byOperation: Record<string, [string, string]> = {
        [MRS_OPERATIONS.listJobs]: ['0166', 'Failed to query the job list.'],
        [MRS_OPERATIONS.showJob]: ['0162', 'Failed to query the job.'],
        [MRS_OPERATIONS.killJob]: ['0175', 'Failed to kill the job.'],
        [MRS_OPERATIONS.submitJob]: ['0173', 'Failed to submit the job.'],
        [MRS_OPERATIONS.listClusters]: ['12000041', 'Failed to obtain the cluster list.'],
        [MRS_OPERATIONS.showCluster]: ['12000023', 'Failed to obtain cluster details.'],
        [MRS_OPERATIONS.listHosts]: ['12000019', 'Failed to obtain hosts of the cluster.'],
      };
      const [code, message] = byOperation[operation] ?? ['12000002', 'The parameter is invalid.'];
      return { error_msg: message, error_code: status === 404 ? '12000002' : code };
    },
    targets: (endpoint) => [
      huaweiSandboxTarget('huawei-mrs', MRS_SANDBOX_REGION, endpoint, {
        projectId: world.projectId,
        ...(options.scenario === 'fleet' ? { recentWindowSeconds: 7200 } : {}),
      }),
    ],
  };
}

/** A sandbox plugin with non-default emulation (job list offset reading, world inspection for tests). */
export function createMrsSandboxPlugin(plugin: MrsSandboxPluginOptions = {}): SandboxPlugin {
  return { provider: 'huawei-mrs', create: (options) => createMrsEmulator(options, plugin) };
}

export const huaweiMrsSandboxPlugin: SandboxPlugin = createMrsSandboxPlugin();
