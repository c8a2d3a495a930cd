/**
 * The DLI calls jobwatch makes, on top of the shared Huawei client (signing, envelopes and retries live
 * there), with paging that accepts every reading of DLI's ambiguous position parameters and reports
 * whether what it read matches the totals the API reported.
 */
import type { z } from 'zod';
import { getHuaweiClient, type HuaweiClient, type HuaweiMethod } from '../huawei/index.js';
import {
  type PagedResult,
  type PositionReadingName,
  positionReadings,
  type ReadPagesOptions,
  readPages,
} from '../paging.js';
import { parseVendor, resolveCredentials } from '../shared.js';
import type { ProviderContext } from '../types.js';
import { type DliTarget, dliEndpointFor } from './config.js';
import {
  type DliFlinkJobDetail,
  type DliFlinkJobItem,
  type DliQueue,
  type DliSparkBatch,
  type DliSqlJob,
  flinkDispatchSchema,
  flinkJobDetailSchema,
  flinkJobListSchema,
  queueActionSchema,
  queueListSchema,
  sparkBatchListSchema,
  sparkBatchStateSchema,
  sparkCancelSchema,
  sqlCancelSchema,
  sqlJobListSchema,
  sqlJobStatusSchema,
} from './schemas.js';

/** Operation names as the Huawei SDK names them: request log, fault injection and `apiCalls` use them. */
export const DLI_OPERATIONS = {
  listFlinkJobs: 'ListFlinkJobs',
  showFlinkJob: 'ShowFlinkJob',
  runFlinkJobs: 'BatchRunFlinkJobs',
  stopFlinkJobs: 'BatchStopFlinkJobs',
  listSparkJobs: 'ListSparkJobs',
  showSparkJobStatus: 'ShowSparkJobStatus',
  cancelSparkJob: 'CancelSparkJob',
  listSqlJobs: 'ListSqlJobs',
  showSqlJobStatus: 'ShowSqlJobStatus',
  cancelSqlJob: 'CancelSqlJob',
  listQueues: 'ListQueues',
  restartQueue: 'RunQueueAction',
} as const;

/** Flink list `limit` maximum (§9.7); SQL list `page-size` maximum (§7.3.5). Spark's is undocumented. */
export const FLINK_PAGE_SIZE = 100;
export const SQL_PAGE_SIZE = 100;
export const SPARK_PAGE_SIZE = 100;
/** Upper bound on pages per listing, so a vendor that never stops paging cannot hold a poll forever. */
export const MAX_PAGES = 200;

export type { DliTarget };

/** A listing read to the end (or not): `complete` is false when what was read != the reported total. */
export interface Paged<T> extends PagedResult<T> {
  total: number;
}

/** DLI listings always report a total; the shared reader with DLI's page bound and the total made plain. */
async function readDliPages<T>(options: ReadPagesOptions<T, number>): Promise<Paged<T>> {
  const read = await readPages({ maxPages: MAX_PAGES, ...options });
  return { ...read, total: read.total ?? 0 };
}

const UUID_LIKE = /^[A-Za-z0-9-]{1,64}$/;
const QUEUE_NAME = /^[A-Za-z0-9_]{1,128}$/;

function pathId(value: string | number, pattern: RegExp, what: string): string {
  const text = String(value);
  if (!pattern.test(text)) throw new TypeError(`${what} has unexpected characters`);
  return encodeURIComponent(text);
}

/** Typed DLI calls for one target; every response is validated, every call carries the poll's signal. */
export class DliApi {
  constructor(
    private readonly client: HuaweiClient,
    private readonly signal?: AbortSignal,
    /** Pages fetched at once after the first two. */
    private readonly concurrency = 4,
  ) {}

  private async call<S extends z.ZodType>(
    schema: S,
    operation: string,
    method: HuaweiMethod,
    path: string,
    options: { query?: [string, string][]; body?: unknown } = {},
  ): Promise<z.infer<S>> {
    const json = await this.client.call(operation, method, path, {
      ...options,
      ...(this.signal ? { signal: this.signal } : {}),
    });
    return parseVendor(schema, json, operation);
  }

  /**
   * A GET listing read to the end: `base` query pairs plus the `position` parameter (its readings in order),
   * each answer's items and total from `page`. The working reading is remembered per endpoint and listing.
   */
  private list<A, T>(listing: {
    operation: string;
    path: string;
    schema: z.ZodType<A>;
    pageSize: number;
    base: [string, string][];
    position: string;
    readings: readonly PositionReadingName[];
    idOf: (item: T) => string;
    page: (answer: A) => { items: T[]; total: number };
  }): Promise<Paged<T>> {
    const { operation, base, position } = listing;
    return readDliPages({
      concurrency: this.concurrency,
      memoKey: `${this.client.endpoint}|${operation}`,
      pageSize: listing.pageSize,
      readings: positionReadings(listing.readings, (at) => at),
      idOf: listing.idOf,
      fetch: async (at) => {
        const query: [string, string][] = [...base, [position, String(at)]];
        return listing.page(await this.call(listing.schema, operation, 'GET', listing.path, { query }));
      },
    });
  }

  /**
   * Flink jobs, at the maximum page size; `offset` read as records from 0 first (the doc's example), then as a
   * page number from 1 and from 0 (servers answer both).
   */
  listFlinkJobs(queue?: string): Promise<Paged<DliFlinkJobItem>> {
    const base: [string, string][] = [['limit', String(FLINK_PAGE_SIZE)]];
    if (queue) base.push(['queue_name', queue]);
    return this.list({
      operation: DLI_OPERATIONS.listFlinkJobs,
      path: '/v1.0/{project_id}/streaming/jobs',
      schema: flinkJobListSchema,
      pageSize: FLINK_PAGE_SIZE,
      base,
      position: 'offset',
      readings: ['records-from-0'],
      idOf: (job) => String(job.job_id),
      page: (answer) => ({ items: answer.job_list.jobs, total: answer.job_list.total_count }),
    });
  }

  async showFlinkJob(jobId: number): Promise<DliFlinkJobDetail> {
    const id = pathId(jobId, /^\d{1,19}$/, 'Flink job id');
    const detail = await this.call(
      flinkJobDetailSchema,
      DLI_OPERATIONS.showFlinkJob,
      'GET',
      `/v1.0/{project_id}/streaming/jobs/${id}`,
    );
    return detail.job_detail;
  }

  /** One job per call: the answer has no job ids, so only a one-element batch is attributable. */
  async runFlinkJob(jobId: number, resumeSavepoint: boolean): Promise<void> {
    await this.call(
      flinkDispatchSchema,
      DLI_OPERATIONS.runFlinkJobs,
      'POST',
      '/v1.0/{project_id}/streaming/jobs/run',
      {
        body: { job_ids: [jobId], resume_savepoint: resumeSavepoint },
      },
    );
  }

  /** `trigger_savepoint` is the spelling of the doc's example and of the SDK (the table says `trigger_save_point`). */
  async stopFlinkJob(jobId: number, triggerSavepoint: boolean): Promise<void> {
    await this.call(
      flinkDispatchSchema,
      DLI_OPERATIONS.stopFlinkJobs,
      'POST',
      '/v1.0/{project_id}/streaming/jobs/stop',
      {
        body: { job_ids: [jobId], trigger_savepoint: triggerSavepoint },
      },
    );
  }

  /**
   * Spark batches of one queue (recommended by the doc) or of the whole project; `from` is a record index
   * per the doc, read as a page number (from 1, then 0) too.
   */
  listSparkBatches(queue?: string): Promise<Paged<DliSparkBatch>> {
    const base: [string, string][] = [['size', String(SPARK_PAGE_SIZE)]];
    if (queue) base.push(['queue_name', queue]);
    return this.list({
      operation: DLI_OPERATIONS.listSparkJobs,
      path: '/v2.0/{project_id}/batches',
      schema: sparkBatchListSchema,
      pageSize: SPARK_PAGE_SIZE,
      base,
      position: 'from',
      readings: ['records-from-0'],
      idOf: (batch) => batch.id,
      page: (answer) => ({ items: answer.sessions, total: answer.total }),
    });
  }

  async sparkBatchState(batchId: string): Promise<string> {
    const id = pathId(batchId, UUID_LIKE, 'Spark batch id');
    const state = await this.call(
      sparkBatchStateSchema,
      DLI_OPERATIONS.showSparkJobStatus,
      'GET',
      `/v2.0/{project_id}/batches/${id}/state`,
    );
    return state.state;
  }

  async cancelSparkBatch(batchId: string): Promise<void> {
    const id = pathId(batchId, UUID_LIKE, 'Spark batch id');
    await this.call(
      sparkCancelSchema,
      DLI_OPERATIONS.cancelSparkJob,
      'DELETE',
      `/v2.0/{project_id}/batches/${id}`,
    );
  }

  /** SQL jobs; `current-page` read as 1-based first (implied by the doc), then 0-based, then as records. */
  listSqlJobs(filter: { status?: string; startAfterMs?: number }): Promise<Paged<DliSqlJob>> {
    const base: [string, string][] = [
      ['page-size', String(SQL_PAGE_SIZE)],
      ['job-type', 'ALL'],
    ];
    if (filter.status) base.push(['job-status', filter.status]);
    if (filter.startAfterMs !== undefined) base.push(['start', String(Math.floor(filter.startAfterMs))]);
    return this.list({
      operation: DLI_OPERATIONS.listSqlJobs,
      path: '/v1.0/{project_id}/jobs',
      schema: sqlJobListSchema,
      pageSize: SQL_PAGE_SIZE,
      base,
      position: 'current-page',
      readings: ['pages-from-1', 'pages-from-0'],
      idOf: (job) => job.job_id,
      page: (answer) => ({ items: answer.jobs, total: answer.job_count }),
    });
  }

  async sqlJobStatus(jobId: string): Promise<string> {
    const id = pathId(jobId, UUID_LIKE, 'SQL job id');
    const status = await this.call(
      sqlJobStatusSchema,
      DLI_OPERATIONS.showSqlJobStatus,
      'GET',
      `/v1.0/{project_id}/jobs/${id}/status`,
    );
    return status.status;
  }

  async cancelSqlJob(jobId: string): Promise<void> {
    const id = pathId(jobId, UUID_LIKE, 'SQL job id');
    await this.call(sqlCancelSchema, DLI_OPERATIONS.cancelSqlJob, 'DELETE', `/v1.0/{project_id}/jobs/${id}`);
  }

  /** Every queue type (`queue_type` defaults to `sql` otherwise); the list is not paged by default. */
  async listQueues(): Promise<DliQueue[]> {
    const list = await this.call(
      queueListSchema,
      DLI_OPERATIONS.listQueues,
      'GET',
      '/v1.0/{project_id}/queues',
      {
        query: [['queue_type', 'all']],
      },
    );
    return list.queues;
  }

  /** Returns the async job id when the vendor gives one (`force: true`). */
  async restartQueue(queueName: string, force: boolean): Promise<string | undefined> {
    const name = pathId(queueName, QUEUE_NAME, 'queue name');
    const answer = await this.call(
      queueActionSchema,
      DLI_OPERATIONS.restartQueue,
      'PUT',
      `/v1.0/{project_id}/queues/${name}/action`,
      {
        body: { action: 'restart', force },
      },
    );
    return answer.job_id;
  }
}

/** Resolves the target's credentials and returns its API, counting every HTTP attempt in `apiCalls`. */
export async function createDliApi(
  target: DliTarget,
  ctx: ProviderContext,
  apiCalls?: Record<string, number>,
): Promise<DliApi> {
  const endpoint = target.endpoint ?? dliEndpointFor(target.region);
  if (!endpoint) throw new TypeError(`no DLI endpoint known for region ${target.region}; set endpoint`);
  const client = getHuaweiClient({
    endpoint,
    credentials: await resolveCredentials(target, ctx),
    projectId: target.options.projectId,
    now: ctx.now,
    concurrency: target.options.concurrency,
    ...(apiCalls
      ? {
          onCall: (operation: string) => {
            apiCalls[operation] = (apiCalls[operation] ?? 0) + 1;
          },
        }
      : {}),
  });
  return new DliApi(client, ctx.signal, target.options.concurrency);
}
