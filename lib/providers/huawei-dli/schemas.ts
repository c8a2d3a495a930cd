/**
 * zod schemas of the DLI responses jobwatch reads (digest huawei-dli.md; seed 003, "数据湖探索 API 参考").
 * Only the fields jobwatch uses are declared; everything else (SQL text, job configs, jar arguments, logs
 * beyond diagnostics) is stripped by parsing, so it can never reach a snapshot. Booleans and numbers are
 * accepted as strings too, and every field that the doc marks inconsistently is optional.
 *
 * A listing's list field is required (null is an empty page): an answer without it (`{}`, an empty body,
 * schema drift) is an invalid response, never an empty fleet. Whether an empty page means "no jobs" is the
 * reported total's call (lib/providers/paging.ts).
 */
import { z } from 'zod';
import { looseBoolean, looseNumber } from '../shared.js';

/** `true`, `"true"`, `1`…: the doc types booleans as Boolean, its examples send strings. */
const dliBool = z
  .union([z.boolean(), z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? undefined : looseBoolean(v)));

/** Longs that may arrive as numbers or numeric strings; null and absent become undefined. */
const dliNumber = z
  .union([z.number(), z.string()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? undefined : looseNumber(v)));

const dliText = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

const requiredNumber = z.union([z.number(), z.string().regex(/^\d+$/)]).transform((v) => Number(v));

/** The auto-recovery part of a Flink job config (list table 9-37, detail table 9-42). */
const flinkJobConfigSchema = z
  .object({
    checkpoint_enabled: dliBool,
    checkpoint_interval: dliNumber,
    restart_when_exception: dliBool,
    resume_checkpoint: dliBool,
    resume_max_num: dliNumber,
  })
  .nullish()
  .transform((v) => v ?? undefined);

/**
 * One item of `job_list.jobs` (§9.7, table 9-36). Example:
 * ```json
 * { "job_id": 146, "name": "aaaaaa", "desc": "", "user_name": "", "job_type": "flink_sql_job",
 *   "status": "job_init", "status_desc": "", "create_time": 1578892414688, "duration": 0,
 *   "root_id": -1, "graph_editor_enabled": false, "has_savepoint": false }
 * ```
 */
export const flinkJobItemSchema = z.object({
  job_id: requiredNumber,
  name: z.string(),
  job_type: dliText,
  status: z.string(),
  status_desc: dliText,
  create_time: dliNumber,
  start_time: dliNumber,
  update_time: dliNumber,
  duration: dliNumber,
  has_savepoint: dliBool,
  /** Not documented on list items, only on the detail; used when present. */
  queue_name: dliText,
  job_config: flinkJobConfigSchema,
});
export type DliFlinkJobItem = z.infer<typeof flinkJobItemSchema>;

/**
 * `GET /v1.0/{project_id}/streaming/jobs` (§9.7). Example:
 * ```json
 * { "is_success": "true", "message": "作业列表查询成功",
 *   "job_list": { "total_count": 26, "jobs": [ { "job_id": 146, "name": "aaaaaa", "status": "job_init" } ] } }
 * ```
 */
export const flinkJobListSchema = z.object({
  is_success: dliBool,
  message: dliText,
  job_list: z.object({
    total_count: requiredNumber,
    jobs: z
      .array(flinkJobItemSchema)
      .nullable()
      .transform((v) => v ?? []),
  }),
});

/**
 * `GET /v1.0/{project_id}/streaming/jobs/{job_id}` (§9.8, table 9-41). Example (trimmed):
 * ```json
 * { "is_success": "true", "message": "The job information query succeeds.",
 *   "job_detail": { "job_id": 90634, "name": "test_guoquan", "job_type": "flink_opensource_sql_job",
 *     "status": "job_cancel_success", "status_desc": "", "queue_name": "xie_container_general",
 *     "create_time": 1637632872828, "start_time": 1638433497621, "update_time": 1638449337993,
 *     "savepoint_path": null, "run_mode": "exclusive_cluster",
 *     "job_config": { "checkpoint_enabled": true, "checkpoint_interval": 600, "restart_when_exception": true,
 *       "resume_checkpoint": true, "resume_max_num": -1 } } }
 * ```
 */
export const flinkJobDetailSchema = z.object({
  is_success: dliBool,
  message: dliText,
  job_detail: z.object({
    job_id: requiredNumber,
    name: z.string(),
    job_type: dliText,
    status: z.string(),
    status_desc: dliText,
    queue_name: dliText,
    create_time: dliNumber,
    start_time: dliNumber,
    update_time: dliNumber,
    run_mode: dliText,
    job_config: flinkJobConfigSchema,
  }),
});
export type DliFlinkJobDetail = z.infer<typeof flinkJobDetailSchema>['job_detail'];

/**
 * Flink batch run / stop (§9.6, §9.10): the run table and example say a top-level array, the stop example
 * a single object. Examples: `[{"is_success":"true","message":"作业提交请求下发成功"}]`,
 * `{"is_success":"true","message":"作业停止请求下发成功"}`.
 */
const dispatchItem = z.object({ is_success: dliBool, message: dliText });
export const flinkDispatchSchema = z.union([z.array(dispatchItem), dispatchItem]);

/**
 * One of `sessions` (§10.1.3, table 10-15). Example:
 * ```json
 * { "id": "178fa687-2e8a-41ed-a439-b00de60bb176", "state": "dead", "appId": null,
 *   "log": ["stdout: ", "stderr: ", "YARN Diagnostics: "], "sc_type": "A", "cluster_name": "test",
 *   "create_time": 1531906043036 }
 * ```
 */
export const sparkBatchSchema = z.object({
  id: z.string(),
  state: z.string(),
  name: dliText,
  queue: dliText,
  cluster_name: dliText,
  create_time: dliNumber,
  update_time: dliNumber,
  duration: dliNumber,
  /** Last 10 log lines; only the diagnostics are kept (see collector). */
  log: z
    .array(z.string().nullable())
    .nullish()
    .transform((v) => (v ?? []).filter((line): line is string => typeof line === 'string')),
});
export type DliSparkBatch = z.infer<typeof sparkBatchSchema>;

/**
 * `GET /v2.0/{project_id}/batches` (§10.1.3). Example:
 * `{"from":0,"total":1,"sessions":[{"id":"178fa687-…","state":"dead","sc_type":"A","cluster_name":"test"}]}`
 */
export const sparkBatchListSchema = z.object({
  from: dliNumber,
  total: requiredNumber,
  sessions: z
    .array(sparkBatchSchema)
    .nullable()
    .transform((v) => v ?? []),
});

/** `GET /v2.0/{project_id}/batches/{batch_id}/state` (§10.1.5): `{"id":"0a324461-…","state":"Success"}`. */
export const sparkBatchStateSchema = z.object({ id: dliText, state: z.string() });

/** `DELETE /v2.0/{project_id}/batches/{batch_id}` (§10.1.2): `{"msg":"deleted"}`. */
export const sparkCancelSchema = z.object({ msg: dliText });

/**
 * One of `jobs` (§7.3.5, table 7-68); `statement` and `detail` are deliberately not read. Example:
 * ```json
 * { "job_id": "37286cc7-0508-4ffd-b636-951c8a5c75de", "job_type": "QUERY", "queue_name": "queue1",
 *   "owner": "tenant1", "start_time": 1502349803729, "duration": 17731, "end_time": 1502349821460,
 *   "status": "FINISHED", "message": "", "input_size": 0, "result_count": 3 }
 * ```
 */
export const sqlJobSchema = z.object({
  job_id: z.string(),
  job_type: dliText,
  queue_name: dliText,
  owner: dliText,
  start_time: dliNumber,
  end_time: dliNumber,
  duration: dliNumber,
  status: z.string(),
  message: dliText,
  /** `[{key, value}]` (§7.3.5); read leniently by `vendorTagsOf`: a malformed tag never drops the job. */
  tags: z.unknown().optional(),
});
export type DliSqlJob = z.infer<typeof sqlJobSchema>;

/** `GET /v1.0/{project_id}/jobs` (§7.3.5): `{"is_success":true,"message":"","job_count":1,"jobs":[…]}`. */
export const sqlJobListSchema = z.object({
  is_success: dliBool,
  message: dliText,
  job_count: requiredNumber,
  jobs: z
    .array(sqlJobSchema)
    .nullable()
    .transform((v) => v ?? []),
});

/**
 * `GET /v1.0/{project_id}/jobs/{job_id}/status` (§7.3.7). Example (trimmed):
 * `{"is_success":true,"message":"","job_id":"208b08d4-…","job_type":"QUERY","job_mode":"async",
 *   "queue_name":"default","status":"FINISHED","start_time":1509335108918,"duration":2523}`
 */
export const sqlJobStatusSchema = z.object({
  is_success: dliBool,
  message: dliText,
  job_id: dliText,
  job_type: dliText,
  queue_name: dliText,
  status: z.string(),
});

/** `DELETE /v1.0/{project_id}/jobs/{job_id}` (§7.3.4): `{"is_success":true,"message":""}`. */
export const sqlCancelSchema = z.object({ is_success: dliBool, message: dliText });

/**
 * One of `queues` (§6.3, table 6-12). The §6.4 detail uses camelCase (`queueName`, `queueType`, `cuCount`)
 * for the same facts, so both casings are read. Example:
 * ```json
 * { "queue_name": "test", "owner": "testuser", "create_time": 1562221422671, "queue_type": "spark",
 *   "cu_count": 16, "resource_mode": 1, "is_restarting": "false", "cu_spec": 16 }
 * ```
 */
export const queueSchema = z
  .object({
    queue_name: dliText,
    queueName: dliText,
    queue_type: dliText,
    queueType: dliText,
    cu_count: dliNumber,
    cuCount: dliNumber,
    is_restarting: dliBool,
    resource_mode: dliNumber,
    cu_spec: dliNumber,
    cu_scale_out_limit: dliNumber,
    cu_scale_in_limit: dliNumber,
    create_time: dliNumber,
  })
  .transform((q, ctx) => {
    const name = q.queue_name ?? q.queueName;
    if (!name) {
      ctx.addIssue({
        code: 'custom',
        message: 'queue_name (or queueName) is required',
        path: ['queue_name'],
      });
      return z.NEVER;
    }
    return {
      name,
      type: q.queue_type ?? q.queueType,
      cuCount: q.cu_count ?? q.cuCount,
      restarting: q.is_restarting ?? false,
      resourceMode: q.resource_mode,
      cuSpec: q.cu_spec,
      cuScaleOutLimit: q.cu_scale_out_limit,
      cuScaleInLimit: q.cu_scale_in_limit,
      createdAtMs: q.create_time,
    };
  });
export type DliQueue = z.infer<typeof queueSchema>;

/** `GET /v1.0/{project_id}/queues?queue_type=all` (§6.3): `{"is_success":"true","message":"","queues":[…]}`. */
export const queueListSchema = z.object({
  is_success: dliBool,
  message: dliText,
  queues: z
    .array(queueSchema)
    .nullable()
    .transform((v) => v ?? []),
});

/**
 * `PUT /v1.0/{project_id}/queues/{queue_name}/action` (§6.5). Examples: `{"is_success":true,"message":"Restart success"}`;
 * with `force=true`: `{"is_success":true,"message":"Submit restart job success, …","job_id":"d90396c7-…"}`.
 */
export const queueActionSchema = z.object({
  is_success: dliBool,
  message: dliText,
  job_id: dliText,
  result: dliBool,
});
