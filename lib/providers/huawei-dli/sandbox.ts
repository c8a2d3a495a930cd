/**
 * DLI emulator for the sandbox: the endpoints jobwatch calls, with AK/SK signature verification, paging as
 * the doc describes it, scripted life cycles as functions of the simulated clock, and the actions' effects.
 * Responses carry the secret-bearing fields the real API returns (SQL text, job arguments), so tests can
 * prove jobwatch never copies them out.
 */

import type { SimClock } from '../../sandbox/clock.js';
import type { SandboxPlugin, SandboxRequest, SandboxResponse } from '../../sandbox/types.js';
import { huaweiSandboxAuthenticator, huaweiSandboxTarget } from '../huawei/sandbox.js';
import { FLINK_RUNNABLE } from './actions.js';
import { DLI_OPERATIONS } from './client.js';

export const DLI_SANDBOX_PROJECT_ID = 'd1a5a4d1ce0f4d6d9c3e5b7a2f8e6c10';
export const DLI_SANDBOX_REGION = 'cn-north-4';
/** Secrets planted in vendor responses; none of them may ever appear in a snapshot, event or log. */
export const DLI_SANDBOX_PLANTED_SECRETS = [
  'sandbox-flink-secret',
  'sandbox-spark-secret',
  'sandbox-sql-secret',
] as const;

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

interface Phase {
  atMs: number;
}
interface FlinkPhase extends Phase {
  status: string;
  desc?: string;
  startMs?: number;
}
interface SparkPhase extends Phase {
  state: string;
  log?: string[];
}
interface SqlPhase extends Phase {
  status: string;
  message?: string;
  endMs?: number;
}

interface FlinkJob {
  id: number;
  name: string;
  jobType: string;
  queue: string;
  createMs: number;
  phases: FlinkPhase[];
  hasSavepoint: boolean;
  restartWhenException: boolean;
  resumeCheckpoint: boolean;
  resumeMaxNum: number;
  /** After a run action: how long until the job fails again (a crash loop the restart does not cure). */
  failsAfterRunMs?: number;
}
interface SparkBatch {
  id: string;
  name: string;
  queue: string;
  createMs: number;
  phases: SparkPhase[];
}
interface SqlJob {
  id: string;
  jobType: string;
  queue: string;
  startMs: number;
  phases: SqlPhase[];
}
interface Queue {
  name: string;
  type: 'sql' | 'general';
  cuCount: number;
  createMs: number;
  /** [fromMs, toMs) windows in which `is_restarting` is true. */
  restarts: [number, number][];
}

export interface DliWorld {
  flink: FlinkJob[];
  spark: SparkBatch[];
  sql: SqlJob[];
  queues: Queue[];
  /** Paging quirks, to exercise the collector's fallback readings. */
  flinkOffsetAsPage: boolean;
  sqlPageFromZero: boolean;
  /**
   * How the Flink `offset` and Spark `from` parameters are read: records from 0 (the doc, the default), or a
   * page number from 0 or from 1. Wins over `flinkOffsetAsPage` (which is 'pages-from-0' for Flink only).
   */
  offsetReading?: DliOffsetReading;
}

export type DliOffsetReading = 'records-from-0' | 'pages-from-0' | 'pages-from-1';

/** First record of the page a position names, under a server's reading of it (page 1 for 0 and 1 when 1-based). */
function startOf(reading: DliOffsetReading, position: number, size: number): number {
  if (reading === 'pages-from-0') return position * size;
  if (reading === 'pages-from-1') return (Math.max(1, position) - 1) * size;
  return position;
}

function current<P extends Phase>(phases: P[], nowMs: number): P {
  let found = phases[0] as P;
  for (const phase of phases) {
    if (phase.atMs <= nowMs) found = phase;
    else break;
  }
  return found;
}

/** An action rewrites the future: scripted phases after now are dropped, the action's phases appended. */
function rewrite<P extends Phase>(phases: P[], nowMs: number, next: P[]): void {
  const keep = phases.filter((p) => p.atMs <= nowMs);
  phases.length = 0;
  phases.push(...keep, ...next);
}

function uuid(prefix: number, n: number): string {
  const hex = (n + prefix * 1_000_000).toString(16).padStart(12, '0');
  return `5a1d${prefix.toString(16).padStart(4, '0')}-0000-4000-8000-${hex}`;
}

const SQL_SECRET_STATEMENT =
  "INSERT INTO sink SELECT * FROM src /* WITH ('password'='sandbox-sql-secret') */";
const FLINK_SQL_BODY =
  "CREATE TABLE kafka_src WITH ('properties.sasl.jaas.config'='password=sandbox-flink-secret')";
const SPARK_ARGS_LOG = 'stdout: args --jdbc-password sandbox-spark-secret';

/** A Flink SQL job on the general queue with no automatic restart; `extra` changes any field (tests use it too). */
export function flinkJob(
  id: number,
  name: string,
  t0: number,
  phases: FlinkPhase[],
  extra: Partial<FlinkJob> = {},
): FlinkJob {
  return {
    id,
    name,
    jobType: 'flink_sql_job',
    queue: 'general_queue',
    createMs: t0 - 2 * HOUR,
    phases,
    hasSavepoint: true,
    restartWhenException: false,
    resumeCheckpoint: false,
    resumeMaxNum: -1,
    ...extra,
  };
}

/** Deterministic scripted cases, times relative to the clock at creation; the demo runs the same story faster. */
/** `fillers` overrides the healthy filler jobs of the test scenario (120 Flink, 110 Spark, 120 SQL: paging). */
function scriptedWorld(t0: number, demo: boolean, fillers?: number): DliWorld {
  const at = (testMs: number, demoMs: number) => t0 + (demo ? demoMs : testMs);
  const flink: FlinkJob[] = [
    flinkJob(1001, 'orders-etl', t0, [{ atMs: 0, status: 'job_running', startMs: t0 - HOUR }], {
      restartWhenException: true,
      resumeCheckpoint: true,
      resumeMaxNum: 3,
    }),
    flinkJob(
      1002,
      'clickstream-agg',
      t0,
      [
        { atMs: 0, status: 'job_running', startMs: t0 - HOUR },
        {
          atMs: at(60 * SEC, 20 * SEC),
          status: 'job_running_exception',
          startMs: t0 - HOUR,
          desc: 'Job failed: java.lang.RuntimeException: sink connection refused by 10.0.3.7:9092 (password=sandbox-flink-secret)',
        },
        // The test story recovers by itself (DLI restarts it); the demo's waits for jobwatch's restart.
        ...(demo ? [] : [{ atMs: at(300 * SEC, 0), status: 'job_running', startMs: at(300 * SEC, 0) }]),
      ],
      { queue: 'general_queue', jobType: 'flink_jar_job' },
    ),
    flinkJob(1003, 'stuck-submit', t0, [{ atMs: 0, status: 'job_submitting', startMs: t0 - 20 * MIN }], {
      jobType: 'flink_sql_job',
    }),
    flinkJob(1004, 'draft-job', t0, [{ atMs: 0, status: 'job_init', startMs: 0 }]),
    flinkJob(1005, 'nightly-stop', t0, [
      { atMs: 0, status: 'job_cancelling', startMs: t0 - 3 * HOUR },
      { atMs: at(30 * SEC, 30 * SEC), status: 'job_cancel_success', startMs: t0 - 3 * HOUR },
    ]),
  ];
  if (demo) {
    // A crash loop: fails, DLI restarts it, fails again… until a restart with a fix (any run action) cures it.
    const phases: FlinkPhase[] = [{ atMs: 0, status: 'job_running', startMs: t0 - HOUR }];
    for (let cycle = 0; cycle < 120; cycle++) {
      const failMs = t0 + 45 * SEC + cycle * 60 * SEC;
      phases.push(
        {
          atMs: failMs,
          status: 'job_running_exception',
          startMs: failMs - 30 * SEC,
          desc: 'TaskManager lost: java.lang.OutOfMemoryError: Java heap space',
        },
        { atMs: failMs + 30 * SEC, status: 'job_running', startMs: failMs + 30 * SEC },
      );
    }
    flink.push(
      flinkJob(1006, 'payments-enrich', t0, phases, { restartWhenException: true, resumeMaxNum: -1 }),
    );
  }
  for (let i = 0; i < (demo ? 12 : (fillers ?? 120)); i++) {
    flink.push(
      flinkJob(2000 + i, `filler-flink-${String(i).padStart(3, '0')}`, t0, [
        { atMs: 0, status: 'job_running', startMs: t0 - HOUR },
      ]),
    );
  }

  const spark: SparkBatch[] = [
    {
      id: uuid(1, 1),
      name: 'daily-report',
      queue: 'general_queue',
      createMs: t0 - 10 * MIN,
      phases: [
        { atMs: 0, state: 'running', log: ['stdout: ', SPARK_ARGS_LOG, 'stderr: '] },
        {
          atMs: at(90 * SEC, 30 * SEC),
          state: 'dead',
          log: [
            'stdout: ',
            SPARK_ARGS_LOG,
            'stderr: ',
            'YARN Diagnostics: User class threw exception: java.io.IOException: disk quota exceeded on obs://reports/tmp',
          ],
        },
      ],
    },
    {
      id: uuid(1, 2),
      name: 'hourly-agg',
      queue: 'general_queue',
      createMs: t0 - 20 * MIN,
      phases: [{ atMs: 0, state: 'Success', log: [] }],
    },
    {
      id: uuid(1, 3),
      name: 'long-batch',
      queue: 'general_queue',
      createMs: t0 - 30 * MIN,
      phases: [{ atMs: 0, state: 'running', log: [] }],
    },
  ];
  for (let i = 0; i < (demo ? 5 : (fillers ?? 110)); i++) {
    spark.push({
      id: uuid(2, i),
      name: `filler-spark-${i}`,
      queue: 'general_queue',
      createMs: t0 - 3 * 24 * HOUR,
      phases: [{ atMs: 0, state: 'success' }],
    });
  }

  const sql: SqlJob[] = [
    {
      id: uuid(3, 1),
      jobType: 'INSERT',
      queue: 'sql_queue',
      startMs: t0 - MIN,
      phases: [
        { atMs: 0, status: 'RUNNING' },
        {
          atMs: at(30 * SEC, 25 * SEC),
          status: 'FAILED',
          endMs: at(30 * SEC, 25 * SEC),
          message: 'DLI.0005: Table or view not found: sales_2024; connection password=sandbox-sql-secret',
        },
      ],
    },
    {
      id: uuid(3, 2),
      jobType: 'QUERY',
      queue: 'sql_queue',
      startMs: t0 - 2 * HOUR,
      phases: [{ atMs: 0, status: 'RUNNING' }],
    },
  ];
  for (let i = 0; i < (demo ? 5 : (fillers ?? 120)); i++) {
    const startMs = t0 - 10 * MIN + i;
    sql.push({
      id: uuid(4, i),
      jobType: 'QUERY',
      queue: 'sql_queue',
      startMs,
      phases: [{ atMs: 0, status: 'FINISHED', endMs: startMs + 2 * SEC }],
    });
  }

  const queues: Queue[] = [
    {
      name: 'sql_queue',
      type: 'sql',
      cuCount: 16,
      createMs: t0 - 30 * 24 * HOUR,
      restarts: [[at(120 * SEC, 50 * SEC), at(240 * SEC, 240 * SEC)]],
    },
    { name: 'general_queue', type: 'general', cuCount: 64, createMs: t0 - 30 * 24 * HOUR, restarts: [] },
    { name: 'etl_queue', type: 'sql', cuCount: 16, createMs: t0 - 30 * 24 * HOUR, restarts: [] },
  ];
  return { flink, spark, sql, queues, flinkOffsetAsPage: false, sqlPageFromZero: false };
}

/** Many jobs, a few percent unhealthy: generated once, served by slicing. */
function fleetWorld(t0: number, fleet: Record<string, number>): DliWorld {
  const flinkCount = fleet.dliFlinkJobs ?? 2_000;
  const sparkCount = fleet.dliSparkJobs ?? 500;
  const sqlCount = fleet.dliSqlJobs ?? 500;
  const queueCount = Math.max(1, fleet.dliQueues ?? 10);
  const unhealthyEvery = Math.max(2, Math.round(100 / (fleet.unhealthyPercent ?? 3)));
  const queues: Queue[] = Array.from({ length: queueCount }, (_, i) => ({
    name: `fleet_queue_${i}`,
    type: i % 2 === 0 ? 'general' : 'sql',
    cuCount: 16 * (1 + (i % 4)),
    createMs: t0 - 30 * 24 * HOUR,
    restarts: i === 1 ? [[t0 + 2 * MIN, t0 + 4 * MIN]] : [],
  }));
  const queueOf = (i: number) => (queues[i % queueCount] as Queue).name;
  const flink = Array.from({ length: flinkCount }, (_, i) => {
    const bad = i % unhealthyEvery === 7 % unhealthyEvery;
    const phases: FlinkPhase[] = [{ atMs: 0, status: 'job_running', startMs: t0 - HOUR }];
    if (bad)
      phases.push({
        atMs: t0 + ((i * 7919) % (10 * MIN)),
        status: 'job_running_exception',
        startMs: t0 - HOUR,
        desc: 'checkpoint failed too many times',
      });
    return flinkJob(10_000 + i, `fleet-flink-${i}`, t0, phases, { queue: queueOf(i) });
  });
  const spark = Array.from({ length: sparkCount }, (_, i) => ({
    id: uuid(5, i),
    name: `fleet-spark-${i}`,
    queue: queueOf(i),
    createMs: t0 - 5 * MIN,
    phases: [
      { atMs: 0, state: 'running' },
      ...(i % unhealthyEvery === 0
        ? [{ atMs: t0 + 3 * MIN, state: 'dead', log: ['YARN Diagnostics: executor lost'] }]
        : []),
    ],
  }));
  const sql = Array.from({ length: sqlCount }, (_, i) => ({
    id: uuid(6, i),
    jobType: 'QUERY',
    queue: queueOf(i),
    startMs: t0 - 5 * MIN + i,
    phases: [
      {
        atMs: 0,
        status: i % unhealthyEvery === 0 ? 'FAILED' : 'FINISHED',
        endMs: t0 - MIN,
        ...(i % unhealthyEvery === 0 ? { message: 'DLI.0999: executor lost' } : {}),
      },
    ],
  }));
  return { flink, spark, sql, queues, flinkOffsetAsPage: false, sqlPageFromZero: false };
}

function dliError(status: number, code: string, message: string): SandboxResponse {
  return {
    status,
    headers: { 'x-request-id': `sandbox-${code}` },
    body: { error_code: code, error_msg: message },
  };
}

function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  const n = raw === null ? fallback : Number(raw);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, Math.floor(n))) : fallback;
}

function jsonBody(request: SandboxRequest): Record<string, unknown> {
  try {
    const parsed = JSON.parse(request.body.toString('utf8') || '{}') as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const STOPPABLE = new Set(['job_running', 'job_submitting', 'job_downloading']);

export function createDliEmulator(world: DliWorld, clock: SimClock) {
  const flinkById = new Map(world.flink.map((j) => [j.id, j]));
  const sparkById = new Map(world.spark.map((b) => [b.id, b]));
  const sqlById = new Map(world.sql.map((j) => [j.id, j]));
  const queueByName = new Map(world.queues.map((q) => [q.name, q]));
  let restartJobs = 0;

  const restarting = (queue: Queue, nowMs: number) =>
    queue.restarts.some(([from, to]) => nowMs >= from && nowMs < to);

  const project =
    (handler: (request: SandboxRequest, nowMs: number) => SandboxResponse) => (request: SandboxRequest) => {
      if (request.params.projectId !== DLI_SANDBOX_PROJECT_ID) {
        return dliError(400, 'DLI.0002', 'project does not exist or is not authorized');
      }
      return handler(request, clock.now());
    };

  /** A route on one job of a map (by the `param` of the path); an unknown one is DLI.0002 `missing`. */
  const withJob =
    <T>(jobs: Map<string, T>, param: string, missing: string) =>
    (handler: (job: T, nowMs: number) => SandboxResponse) =>
      project((request, nowMs) => {
        const job = jobs.get(request.params[param] ?? '');
        return job ? handler(job, nowMs) : dliError(400, 'DLI.0002', missing);
      });
  const withSparkJob = withJob(sparkById, 'batchId', 'The batch job does not exist.');
  const withSqlJob = withJob(sqlById, 'jobId', 'The job does not exist.');

  /** A request on many Flink jobs (`job_ids`): one answer per id, an unknown id's saying it does not exist. */
  const flinkBatch = (request: SandboxRequest) => {
    const body = jsonBody(request);
    const ids: unknown[] = Array.isArray(body.job_ids) ? body.job_ids : [];
    const forEachJob = (act: (job: FlinkJob) => { is_success: string; message: string }) =>
      ids.map((raw) => {
        const job = flinkById.get(Number(raw));
        return job ? act(job) : { is_success: 'false', message: '作业不存在' };
      });
    return { body, ids, forEachJob };
  };

  const flinkItem = (job: FlinkJob, nowMs: number) => {
    const phase = current(job.phases, nowMs);
    return {
      job_id: job.id,
      name: job.name,
      desc: '',
      user_name: 'sandbox',
      job_type: job.jobType,
      status: phase.status,
      status_desc: phase.desc ?? '',
      create_time: job.createMs,
      start_time: phase.startMs ?? 0,
      duration: phase.startMs && phase.status === 'job_running' ? nowMs - phase.startMs : 0,
      root_id: -1,
      graph_editor_enabled: false,
      has_savepoint: job.hasSavepoint,
      sql_body: FLINK_SQL_BODY,
      update_time: phase.atMs || job.createMs,
    };
  };

  const routes = [
    {
      method: 'GET' as const,
      pattern: '/v1.0/:projectId/streaming/jobs',
      operation: DLI_OPERATIONS.listFlinkJobs,
      handler: project((request, nowMs) => {
        const limit = intParam(request.query, 'limit', 10, 1, 100);
        const offset = intParam(request.query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
        const queue = request.query.get('queue_name');
        const status = request.query.get('status');
        let jobs = world.flink;
        if (queue) jobs = jobs.filter((j) => j.queue === queue);
        if (status) jobs = jobs.filter((j) => current(j.phases, nowMs).status === status);
        const reading = world.offsetReading ?? (world.flinkOffsetAsPage ? 'pages-from-0' : 'records-from-0');
        const start = startOf(reading, offset, limit);
        return {
          status: 200,
          body: {
            is_success: 'true',
            message: '作业列表查询成功',
            job_list: {
              total_count: jobs.length,
              jobs: jobs.slice(start, start + limit).map((j) => flinkItem(j, nowMs)),
            },
          },
        };
      }),
    },
    {
      method: 'GET' as const,
      pattern: '/v1.0/:projectId/streaming/jobs/:jobId',
      operation: DLI_OPERATIONS.showFlinkJob,
      handler: project((request, nowMs) => {
        const job = flinkById.get(Number(request.params.jobId));
        if (!job) return dliError(400, 'DLI.0002', 'The job does not exist.');
        const item = flinkItem(job, nowMs);
        return {
          status: 200,
          body: {
            is_success: 'true',
            message: '作业详情查询成功',
            job_detail: {
              job_id: item.job_id,
              name: item.name,
              desc: '',
              job_type: item.job_type,
              status: item.status,
              status_desc: item.status_desc,
              create_time: item.create_time,
              start_time: item.start_time || null,
              update_time: item.update_time,
              user_id: '011c99a26ae84a1bb963a75e7637d3fd',
              queue_name: job.queue,
              project_id: DLI_SANDBOX_PROJECT_ID,
              sql_body: FLINK_SQL_BODY,
              run_mode: 'exclusive_cluster',
              savepoint_path: job.hasSavepoint ? `obs://sandbox/savepoints/${job.id}` : null,
              main_class: null,
              entrypoint_args: '--secret sandbox-flink-secret',
              job_config: {
                checkpoint_enabled: true,
                checkpoint_interval: 60,
                checkpoint_mode: 'exactly_once',
                restart_when_exception: job.restartWhenException,
                resume_checkpoint: job.resumeCheckpoint,
                resume_max_num: job.resumeMaxNum,
                cu_number: 2,
                parallel_number: 1,
              },
            },
          },
        };
      }),
    },
    {
      method: 'POST' as const,
      pattern: '/v1.0/:projectId/streaming/jobs/run',
      operation: DLI_OPERATIONS.runFlinkJobs,
      handler: project((request, nowMs) => {
        const { ids, forEachJob } = flinkBatch(request);
        if (ids.length === 0) return dliError(400, 'DLI.0001', 'job_ids is required');
        return {
          status: 200,
          body: forEachJob((job) => {
            const status = current(job.phases, nowMs).status;
            if (!FLINK_RUNNABLE.has(status))
              return { is_success: 'false', message: `作业状态${status}不允许运行` };
            const phases: FlinkPhase[] = [
              { atMs: nowMs, status: 'job_submitting', startMs: nowMs },
              { atMs: nowMs + 5 * SEC, status: 'job_running', startMs: nowMs },
            ];
            if (job.failsAfterRunMs !== undefined) {
              phases.push({
                atMs: nowMs + job.failsAfterRunMs,
                status: 'job_running_exception',
                startMs: nowMs,
                desc: 'failed again after restart',
              });
            }
            rewrite(job.phases, nowMs, phases);
            return { is_success: 'true', message: '作业提交请求下发成功' };
          }),
        };
      }),
    },
    {
      method: 'POST' as const,
      pattern: '/v1.0/:projectId/streaming/jobs/stop',
      operation: DLI_OPERATIONS.stopFlinkJobs,
      handler: project((request, nowMs) => {
        const { body, forEachJob } = flinkBatch(request);
        const savepoint = body.trigger_savepoint === true || body.trigger_savepoint === 'true';
        const results = forEachJob((job) => {
          const phase = current(job.phases, nowMs);
          if (!STOPPABLE.has(phase.status))
            return { is_success: 'false', message: `作业状态${phase.status}不允许停止` };
          const startMs = phase.startMs ?? 0;
          const steps: FlinkPhase[] = savepoint
            ? [
                { atMs: nowMs, status: 'job_savepointing', startMs },
                { atMs: nowMs + 2 * SEC, status: 'job_canceling', startMs },
                { atMs: nowMs + 4 * SEC, status: 'job_cancel_success', startMs },
              ]
            : [
                { atMs: nowMs, status: 'job_canceling', startMs },
                { atMs: nowMs + 2 * SEC, status: 'job_cancel_success', startMs },
              ];
          if (savepoint) job.hasSavepoint = true;
          rewrite(job.phases, nowMs, steps);
          return { is_success: 'true', message: '作业停止请求下发成功' };
        });
        // The doc's example answers one object for a stop; its table says an array. One job: the object.
        return { status: 200, body: results.length === 1 ? results[0] : results };
      }),
    },
    {
      method: 'GET' as const,
      pattern: '/v2.0/:projectId/batches',
      operation: DLI_OPERATIONS.listSparkJobs,
      handler: project((request, nowMs) => {
        const from = intParam(request.query, 'from', 0, 0, Number.MAX_SAFE_INTEGER);
        const size = intParam(request.query, 'size', 100, 1, 1000);
        const queue = request.query.get('queue_name') ?? request.query.get('cluster_name');
        const batches = queue ? world.spark.filter((b) => b.queue === queue) : world.spark;
        const start = startOf(world.offsetReading ?? 'records-from-0', from, size);
        return {
          status: 200,
          body: {
            from,
            total: batches.length,
            sessions: batches.slice(start, start + size).map((b) => {
              const phase = current(b.phases, nowMs);
              return {
                id: b.id,
                state: phase.state,
                appId: null,
                log: phase.log ?? ['stdout: ', 'stderr: ', 'YARN Diagnostics: '],
                sc_type: 'A',
                cluster_name: b.queue,
                queue: b.queue,
                name: b.name,
                owner: 'sandbox',
                create_time: b.createMs,
                update_time: Math.max(b.createMs, phase.atMs),
                duration: nowMs - b.createMs,
              };
            }),
          },
        };
      }),
    },
    {
      method: 'GET' as const,
      pattern: '/v2.0/:projectId/batches/:batchId/state',
      operation: DLI_OPERATIONS.showSparkJobStatus,
      handler: withSparkJob((batch, nowMs) => {
        return { status: 200, body: { id: batch.id, state: current(batch.phases, nowMs).state } };
      }),
    },
    {
      method: 'DELETE' as const,
      pattern: '/v2.0/:projectId/batches/:batchId',
      operation: DLI_OPERATIONS.cancelSparkJob,
      handler: withSparkJob((batch, nowMs) => {
        const state = current(batch.phases, nowMs).state.toLowerCase();
        if (state === 'success' || state === 'dead')
          return dliError(400, 'DLI.0001', `batch job is ${state} and cannot be cancelled`);
        rewrite(batch.phases, nowMs, [
          { atMs: nowMs + 2 * SEC, state: 'dead', log: ['YARN Diagnostics: Application killed by user.'] },
        ]);
        return { status: 200, body: { msg: 'deleted' } };
      }),
    },
    {
      method: 'GET' as const,
      pattern: '/v1.0/:projectId/jobs',
      operation: DLI_OPERATIONS.listSqlJobs,
      handler: project((request, nowMs) => {
        const pageSize = intParam(request.query, 'page-size', 50, 1, 100);
        const page = intParam(
          request.query,
          'current-page',
          world.sqlPageFromZero ? 0 : 1,
          0,
          Number.MAX_SAFE_INTEGER,
        );
        const start = request.query.get('start');
        const end = request.query.get('end');
        const status = request.query.get('job-status');
        const queue = request.query.get('queue_name');
        let jobs = world.sql.filter((j) => j.startMs <= nowMs);
        if (start) jobs = jobs.filter((j) => j.startMs >= Number(start));
        if (end) jobs = jobs.filter((j) => j.startMs <= Number(end));
        if (queue) jobs = jobs.filter((j) => j.queue === queue);
        if (status) jobs = jobs.filter((j) => current(j.phases, nowMs).status === status);
        jobs = [...jobs].sort((a, b) => b.startMs - a.startMs);
        const index = world.sqlPageFromZero ? page : page - 1;
        const slice = index < 0 ? [] : jobs.slice(index * pageSize, (index + 1) * pageSize);
        return {
          status: 200,
          body: {
            is_success: true,
            message: '',
            job_count: jobs.length,
            jobs: slice.map((j) => {
              const phase = current(j.phases, nowMs);
              return {
                job_id: j.id,
                job_type: j.jobType,
                queue_name: j.queue,
                owner: 'sandbox',
                start_time: j.startMs,
                duration: (phase.endMs ?? nowMs) - j.startMs,
                status: phase.status,
                input_size: 0,
                result_count: 0,
                detail: '{"type":"struct","fields":[]}',
                statement: SQL_SECRET_STATEMENT,
                message: phase.message ?? '',
                ...(phase.endMs ? { end_time: phase.endMs } : {}),
              };
            }),
          },
        };
      }),
    },
    {
      method: 'GET' as const,
      pattern: '/v1.0/:projectId/jobs/:jobId/status',
      operation: DLI_OPERATIONS.showSqlJobStatus,
      handler: withSqlJob((job, nowMs) => {
        const phase = current(job.phases, nowMs);
        return {
          status: 200,
          body: {
            is_success: true,
            message: '',
            job_id: job.id,
            job_type: job.jobType,
            job_mode: 'async',
            queue_name: job.queue,
            owner: 'sandbox',
            start_time: job.startMs,
            duration: (phase.endMs ?? nowMs) - job.startMs,
            status: phase.status,
            input_size: 0,
            result_count: 0,
            detail: '',
            statement: SQL_SECRET_STATEMENT,
          },
        };
      }),
    },
    {
      method: 'DELETE' as const,
      pattern: '/v1.0/:projectId/jobs/:jobId',
      operation: DLI_OPERATIONS.cancelSqlJob,
      handler: withSqlJob((job, nowMs) => {
        const status = current(job.phases, nowMs).status;
        if (!['RUNNING', 'LAUNCHING', 'SCALING'].includes(status)) {
          return dliError(400, 'DLI.0001', `job is ${status} and cannot be cancelled`);
        }
        rewrite(job.phases, nowMs, [
          { atMs: nowMs + SEC, status: 'CANCELLED', endMs: nowMs + SEC, message: 'cancelled by user' },
        ]);
        return { status: 200, body: { is_success: true, message: '' } };
      }),
    },
    {
      method: 'GET' as const,
      pattern: '/v1.0/:projectId/queues',
      operation: DLI_OPERATIONS.listQueues,
      handler: project((request, nowMs) => {
        // `queue_type` defaults to `sql` (§6.3): a client that forgets `all` misses Flink/Spark queues.
        const type = request.query.get('queue_type') ?? 'sql';
        const queues = world.queues.filter((q) => type === 'all' || q.type === type);
        return {
          status: 200,
          body: {
            is_success: 'true',
            message: '',
            queues: queues.map((q) => ({
              queue_name: q.name,
              owner: 'sandbox',
              description: '',
              create_time: q.createMs,
              queue_type: q.type,
              cu_count: q.cuCount,
              resource_id: '26afb850-d3c9-42c1-81c0-583d1163e80f',
              resource_mode: 1,
              platform: 'x86_64',
              is_restarting: restarting(q, nowMs) ? 'true' : 'false',
              labels: 'multi_az=2',
              cu_spec: q.cuCount,
            })),
          },
        };
      }),
    },
    {
      method: 'PUT' as const,
      pattern: '/v1.0/:projectId/queues/:queueName/action',
      operation: DLI_OPERATIONS.restartQueue,
      handler: project((request, nowMs) => {
        const queue = queueByName.get((request.params.queueName ?? '').toLowerCase());
        if (!queue) return dliError(400, 'DLI.0008', `There is no queue named ${request.params.queueName}.`);
        const body = jsonBody(request);
        if (body.action !== 'restart') return dliError(400, 'DLI.0001', 'only restart is emulated');
        if (queue.type !== 'sql') return dliError(400, 'DLI.0007', 'Only SQL queues can be restarted.');
        if (restarting(queue, nowMs)) return dliError(400, 'DLI.0012', 'The queue is restarting.');
        const force = body.force === true || body.force === 'true';
        const durationMs = force ? 10 * SEC : 8 * SEC;
        queue.restarts.push([nowMs, nowMs + durationMs]);
        if (!force) return { status: 200, body: { is_success: true, message: 'Restart success' } };
        const jobId = uuid(7, ++restartJobs);
        const job: SqlJob = {
          id: jobId,
          jobType: 'RESTART_QUEUE',
          queue: queue.name,
          startMs: nowMs,
          phases: [
            { atMs: nowMs, status: 'RUNNING' },
            { atMs: nowMs + durationMs, status: 'FINISHED', endMs: nowMs + durationMs },
          ],
        };
        world.sql.push(job);
        sqlById.set(jobId, job);
        return {
          status: 200,
          body: {
            is_success: true,
            message:
              'Submit restart job success, it need some time to cancel jobs, please wait for a while and check job status',
            job_id: jobId,
          },
        };
      }),
    },
  ];

  return {
    routes,
    authenticate: huaweiSandboxAuthenticator(
      clock,
      (reason) => dliError(401, 'APIGW.0301', `Incorrect IAM authentication information: ${reason}`),
      { wallClockToo: true },
    ),
    errorBody(status: number, _operation: string): unknown {
      if (status === 429)
        return { error_code: 'APIGW.0308', error_msg: 'The throttling threshold has been reached' };
      if (status === 404)
        return { error_code: 'APIGW.0101', error_msg: 'The API does not exist or has not been published' };
      if (status >= 500) return { error_code: 'DLI.0999', error_msg: 'Server system error' };
      return { error_code: 'DLI.0001', error_msg: 'Parameter validation error' };
    },
    targets: (endpoint: string) => [
      huaweiSandboxTarget('huawei-dli', DLI_SANDBOX_REGION, endpoint, { projectId: DLI_SANDBOX_PROJECT_ID }),
    ],
  };
}

export const huaweiDliSandboxPlugin: SandboxPlugin = {
  provider: 'huawei-dli',
  create({ scenario, clock, fleet }) {
    const t0 = clock.now();
    const world =
      scenario === 'fleet'
        ? fleetWorld(t0, fleet ?? {})
        : scriptedWorld(t0, scenario === 'demo', fleet?.dliTestFillers);
    world.flinkOffsetAsPage = (fleet?.dliFlinkOffsetAsPage ?? 0) > 0;
    world.sqlPageFromZero = (fleet?.dliSqlPageFromZero ?? 0) > 0;
    if ((fleet?.dliOffsetPagesFrom1 ?? 0) > 0) world.offsetReading = 'pages-from-1';
    return createDliEmulator(world, clock);
  },
};
