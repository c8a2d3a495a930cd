/**
 * zod schemas of the MRS responses jobwatch reads. Every field is optional unless the collector cannot work
 * without it (the SDKs mark nearly every field optional), unknown keys pass through, and numbers that the
 * docs type as strings (or strings typed as numbers) are accepted either way.
 *
 * Sources: digest `huawei-mrs.md` §2-§7 and seeds 000 (API overview) and 002 (submit job).
 * Secret-bearing fields (`arguments`, `properties`) are parsed only where resubmission needs them, and are
 * never copied into snapshots, events or errors.
 *
 * A listing's list field is required (null is an empty page): an answer without it (`{}`, an empty body,
 * schema drift) is an invalid response, never an empty fleet; only a reported total of 0 makes an empty
 * page a fleet of zero (lib/providers/paging.ts).
 */
import { z } from 'zod';
import { looseNumber } from '../shared.js';

/** A number that may arrive as a JSON number or a numeric string ("1564622673"); anything else is absent. */
const looseNum = z
  .unknown()
  .optional()
  .transform((v) => looseNumber(v));
/** A string that may arrive as a number (ids and states are strings, but be lenient). */
const looseStr = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? undefined : String(v)));

/**
 * One job execution (`JobQueryBean`), the same in list and detail answers.
 *
 * @example
 * {
 *   "job_id": "3c0cf394-5da2-46a7-92df-795d998edea7", "user": "terraform", "job_name": "terraform_test",
 *   "job_result": "FAILED", "job_state": "FINISHED", "job_progress": 100, "job_type": "SparkSubmit",
 *   "started_time": 1627719118083, "submitted_time": 1627719066265, "finished_time": 0, "elapsed_time": 0,
 *   "launcher_id": "application_1627718181153_0002", "app_id": "application_1627718181153_0003",
 *   "queue": "default", "arguments": "[--class, x, ...]", "properties": "{}"
 * }
 * @see https://support.huaweicloud.com/api-mrs/mrs_02_0087.html (V2 "查询作业列表信息")
 */
const jobExecutionFields = {
  job_id: z.union([z.string().min(1), z.number()]).transform(String),
  job_name: looseStr,
  job_result: looseStr,
  job_state: looseStr,
  job_progress: looseNum,
  job_type: looseStr,
  /** Epoch milliseconds; 0 when not started/finished. */
  started_time: looseNum,
  submitted_time: looseNum,
  finished_time: looseNum,
  queue: looseStr,
  app_id: looseStr,
};

/**
 * An execution as a listing gives it: only the fields the collector maps, everything else (the
 * secret-bearing `arguments` and `properties` included) stripped. A poll holds every execution of a
 * cluster's listings until they are mapped (25,000 at the bench's 50,000-job point), so a copy of each whole
 * item would keep the vendor's full answer alive for nothing (issue 17, peak RSS).
 */
export const listedExecutionSchema = z.object(jobExecutionFields);
export type MrsListedExecution = z.infer<typeof listedExecutionSchema>;

/** One execution in full (detail answers), for resubmission: unknown keys pass through. */
export const jobExecutionSchema = z
  .object({
    ...jobExecutionFields,
    user: looseStr,
    elapsed_time: looseNum,
    launcher_id: looseStr,
    tracking_url: looseStr,
    /** May hold credentials: read only to resubmit, never copied out. String per SDK, array per doc table. */
    arguments: z.unknown().optional(),
    /** May hold credentials (`fs.obs.secret.key`): read only to resubmit. String per SDK, object per doc. */
    properties: z.unknown().optional(),
  })
  .passthrough();
export type MrsJobExecution = z.infer<typeof jobExecutionSchema>;

/**
 * `GET /v2/{project_id}/clusters/{cluster_id}/job-executions` (SDK `ShowJobExeListNew`); success is 202
 * in the docs, 200 in other sources.
 *
 * @example
 * { "total_record": 2, "job_list": [ { "job_id": "981374c1-85da-44ee-be32-edfb4fba776c",
 *   "job_name": "SparkSubmitTest", "job_result": "UNDEFINED", "job_state": "ACCEPTED", "job_progress": 0,
 *   "job_type": "SparkSubmit", "started_time": 0, "submitted_time": 1564714763119, "queue": "default" } ] }
 */
export const jobListSchema = z
  .object({
    total_record: looseNum,
    /** V1.1's job-exe list spells it camelCase; accept that reading too. */
    totalRecord: looseNum,
    job_list: z
      .array(listedExecutionSchema)
      .nullable()
      .transform((v) => v ?? []),
  })
  .passthrough();
export type MrsJobList = z.infer<typeof jobListSchema>;

/**
 * `GET /v2/{project_id}/clusters/{cluster_id}/job-executions/{job_execution_id}` (SDK `ShowSingleJobExe`).
 *
 * @example
 * { "job_detail": { "job_id": "431b135e-c090-489f-b1db-0abe3822b855", "job_name": "pyspark1",
 *   "job_result": "SUCCEEDED", "job_state": "FINISHED", "job_progress": 100, "job_type": "SparkSubmit",
 *   "started_time": 1564626578817, "submitted_time": 1564626561541, "finished_time": 1564626664930 } }
 */
export const jobDetailSchema = z.object({ job_detail: jobExecutionSchema }).passthrough();

/**
 * `POST /v2/{project_id}/clusters/{cluster_id}/job-executions` (seed 002, `SubmitJobV2`). The failure
 * example (HTTP 500) nests `error_code`/`error_msg` inside `job_submit_result`.
 *
 * @example
 * { "job_submit_result": { "job_id": "44b37a20-ffe8-42b1-b42b-78a5978d7e40", "state": "COMPLETE" } }
 */
export const submitJobResponseSchema = z
  .object({
    job_submit_result: z
      .object({
        job_id: looseStr,
        state: looseStr,
        error_code: looseStr,
        error_msg: looseStr,
      })
      .passthrough()
      .optional(),
    error_code: looseStr,
    error_msg: looseStr,
  })
  .passthrough();

/**
 * One cluster (`Cluster`, V1.1). Counts and times are strings in the SDK; `createAt`/`updateAt` are epoch
 * **seconds**. Node-group keys vary in casing between sources and are not read.
 *
 * @example
 * { "clusterId": "c0ffee00-1111-2222-3333-444455556666", "clusterName": "mrs-prod",
 *   "clusterState": "running", "stageDesc": "", "errorInfo": "", "totalNodeNum": "5",
 *   "masterNodeNum": "2", "coreNodeNum": "3", "createAt": "1564622673", "updateAt": "1564714763",
 *   "clusterVersion": "MRS 3.1.0", "safeMode": 0 }
 */
export const clusterSchema = z
  .object({
    clusterId: z.union([z.string().min(1), z.number()]).transform(String),
    clusterName: looseStr,
    clusterState: looseStr,
    stageDesc: looseStr,
    scale: looseStr,
    errorInfo: looseStr,
    totalNodeNum: looseNum,
    masterNodeNum: looseNum,
    coreNodeNum: looseNum,
    createAt: looseNum,
    updateAt: looseNum,
    clusterVersion: looseStr,
  })
  .passthrough();
export type MrsCluster = z.infer<typeof clusterSchema>;

/**
 * `GET /v1.1/{project_id}/cluster_infos` (SDK `ListClusters`); `clusterTotal` is int32 in the SDK and a
 * String in the OTC doc.
 *
 * @example
 * { "clusterTotal": 1, "clusters": [ { "clusterId": "c0ffee00-1111-2222-3333-444455556666",
 *   "clusterName": "mrs-prod", "clusterState": "running", "updateAt": "1564714763" } ] }
 */
export const clusterListSchema = z
  .object({
    clusterTotal: looseNum,
    clusters: z
      .array(clusterSchema)
      .nullable()
      .transform((v) => v ?? []),
  })
  .passthrough();

/** `GET /v1.1/{project_id}/cluster_infos/{cluster_id}` (SDK `ShowClusterDetails`): `{ "cluster": Cluster }`. */
export const clusterDetailSchema = z.object({ cluster: clusterSchema }).passthrough();

/**
 * `GET /v1.1/{project_id}/clusters/{cluster_id}/hosts` (SDK `ListHosts`).
 *
 * @example
 * { "total": 5, "hosts": [ { "id": "063d1d47-ae91-4a48-840c-b3cfe4efbcf0",
 *   "name": "a78e161c-d14f-4b68-8c2d-0219920ce844_node_core_IQhiC", "ip": "192.168.0.169",
 *   "status": "ACTIVE", "type": "Core", "mem": "16384", "cpu": "8", "data_volume_size": 100 } ] }
 */
export const hostListSchema = z
  .object({
    total: looseNum,
    hosts: z
      .array(
        z
          .object({
            id: looseStr,
            name: looseStr,
            status: looseStr,
            type: looseStr,
          })
          .passthrough(),
      )
      .nullable()
      .transform((v) => v ?? []),
  })
  .passthrough();
export type MrsHostList = z.infer<typeof hostListSchema>;
export type MrsHost = MrsHostList['hosts'][number];
