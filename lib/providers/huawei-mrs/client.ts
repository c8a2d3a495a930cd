/**
 * The MRS calls jobwatch makes, on top of the shared Huawei client (signing, envelopes, retries live there),
 * plus paging that accepts every reading of MRS's ambiguous `offset` / `currentPage` parameters.
 */
import type { z } from 'zod';
import {
  getHuaweiClient,
  type HuaweiClient,
  type HuaweiCredentials,
  type RetryOptions,
} from '../huawei/index.js';
import { type PagedResult, type PageReading, positionReadings, readPages } from '../paging.js';
import { parseVendor, resolveCredentials } from '../shared.js';
import type { ProviderContext } from '../types.js';
import { type MrsTarget, mrsEndpointFor } from './config.js';
import {
  clusterDetailSchema,
  clusterListSchema,
  hostListSchema,
  jobDetailSchema,
  jobListSchema,
  type MrsCluster,
  type MrsHost,
  type MrsJobExecution,
  type MrsListedExecution,
  submitJobResponseSchema,
} from './schemas.js';

/** SDK operation names: the request log, fault injection and `apiCalls` all use them. */
export const MRS_OPERATIONS = {
  listClusters: 'ListClusters',
  showCluster: 'ShowClusterDetails',
  listHosts: 'ListHosts',
  listJobs: 'ShowJobExeListNew',
  showJob: 'ShowSingleJobExe',
  killJob: 'StopJob',
  submitJob: 'CreateExecuteJob',
} as const;

/** MRS paths carry ids only; anything else is refused rather than guessed (signing.md §A.6). */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
function id(value: string, what: string): string {
  if (!ID_PATTERN.test(value)) throw new TypeError(`${what} has unexpected characters`);
  return value;
}

/** One way of reading MRS's position parameters: the query parameters of the k-th page. */
export type MrsPageReading = PageReading<[string, string][]>;

/**
 * V2 job list `offset`: records from 0 (SDK comment: default 0), pages from 1 (docs: default 1), pages from 0,
 * records from 1. The first reading is the SDK's; the others only run when totals do not add up.
 */
export const JOB_LIST_READINGS: MrsPageReading[] = positionReadings(
  ['records-from-0', 'pages-from-1', 'pages-from-0', 'records-from-1'],
  (position, size) => [
    ['offset', String(position)],
    ['limit', String(size)],
  ],
);

/** V1.1 cluster and host lists: `currentPage` from 1 (documented default), then from 0, then as records. */
export const PAGE_NUMBER_READINGS: MrsPageReading[] = positionReadings(
  ['pages-from-1', 'pages-from-0'],
  (position, size) => [
    ['currentPage', String(position)],
    ['pageSize', String(size)],
  ],
);

export interface MrsApiOptions {
  endpoint: string;
  credentials: HuaweiCredentials;
  projectId: string;
  now: () => number;
  signal?: AbortSignal;
  concurrency?: number;
  retry?: Partial<RetryOptions>;
  /** Called once per HTTP attempt, retries included. */
  onCall?: (operation: string) => void;
}

/** The MRS API as jobwatch uses it; every answer is validated before it is returned. */
export class MrsApi {
  private readonly client: HuaweiClient;
  private readonly signal: AbortSignal | undefined;
  private readonly endpoint: string;
  /** Pages in flight for one listing; the pool (sized by the same figure) bounds the whole target. */
  private readonly pageConcurrency: number;

  constructor(options: MrsApiOptions) {
    this.client = getHuaweiClient({
      endpoint: options.endpoint,
      credentials: options.credentials,
      projectId: options.projectId,
      now: options.now,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.onCall === undefined ? {} : { onCall: options.onCall }),
    });
    this.signal = options.signal;
    this.endpoint = options.endpoint;
    this.pageConcurrency = options.concurrency ?? 4;
  }

  private async get<S extends z.ZodType>(
    operation: string,
    path: string,
    schema: S,
    query?: [string, string][],
  ): Promise<z.infer<S>> {
    const json = await this.client.call(operation, 'GET', path, {
      ...(query ? { query } : {}),
      ...(this.signal ? { signal: this.signal } : {}),
    });
    return parseVendor(schema, json, operation);
  }

  /** A GET listing read to the end; the working reading is remembered per endpoint and listing. */
  private list<A, T>(
    operation: string,
    path: string,
    schema: z.ZodType<A>,
    listing: {
      readings: MrsPageReading[];
      pageSize: number;
      idOf: (item: T) => string;
      query: (params: [string, string][]) => [string, string][];
      page: (answer: A) => { items: T[]; total: number | undefined };
    },
  ): Promise<PagedResult<T>> {
    return readPages({
      readings: listing.readings,
      concurrency: this.pageConcurrency,
      pageSize: listing.pageSize,
      memoKey: `${this.endpoint}|${operation}`,
      idOf: listing.idOf,
      fetch: async (params) => {
        const { items, total } = listing.page(await this.get(operation, path, schema, listing.query(params)));
        return { items, ...(total === undefined ? {} : { total }) };
      },
    });
  }

  /** Every existing cluster (deleted ones excluded by `clusterState=existing`). */
  listClusters(pageSize: number): Promise<PagedResult<MrsCluster>> {
    return this.list(MRS_OPERATIONS.listClusters, '/v1.1/{project_id}/cluster_infos', clusterListSchema, {
      readings: PAGE_NUMBER_READINGS,
      pageSize,
      idOf: (c) => c.clusterId,
      query: (params) => [...params, ['clusterState', 'existing']],
      page: (answer) => ({ items: answer.clusters, total: answer.clusterTotal }),
    });
  }

  async showCluster(clusterId: string): Promise<MrsCluster> {
    const detail = await this.get(
      MRS_OPERATIONS.showCluster,
      `/v1.1/{project_id}/cluster_infos/${id(clusterId, 'cluster id')}`,
      clusterDetailSchema,
    );
    return detail.cluster;
  }

  listHosts(clusterId: string, pageSize: number): Promise<PagedResult<MrsHost>> {
    const path = `/v1.1/{project_id}/clusters/${id(clusterId, 'cluster id')}/hosts`;
    return this.list(MRS_OPERATIONS.listHosts, path, hostListSchema, {
      readings: PAGE_NUMBER_READINGS,
      pageSize,
      idOf: (h) => h.id ?? h.name ?? JSON.stringify([h.type, h.status]),
      query: (params) => params,
      page: (answer) => ({ items: answer.hosts, total: answer.total }),
    });
  }

  /** Job executions matching `filter` (e.g. `submitted_time_begin`, `job_result`), every page. */
  listJobs(
    clusterId: string,
    filter: [string, string][],
    pageSize: number,
  ): Promise<PagedResult<MrsListedExecution>> {
    const path = `/v2/{project_id}/clusters/${id(clusterId, 'cluster id')}/job-executions`;
    return this.list(MRS_OPERATIONS.listJobs, path, jobListSchema, {
      readings: JOB_LIST_READINGS,
      pageSize,
      idOf: (j) => j.job_id,
      query: (params) => [...filter, ...params],
      page: (answer) => ({ items: answer.job_list, total: answer.total_record ?? answer.totalRecord }),
    });
  }

  async showJob(clusterId: string, jobId: string): Promise<MrsJobExecution> {
    const detail = await this.get(
      MRS_OPERATIONS.showJob,
      `/v2/{project_id}/clusters/${id(clusterId, 'cluster id')}/job-executions/${id(jobId, 'job execution id')}`,
      jobDetailSchema,
    );
    return detail.job_detail;
  }

  /** Asks MRS to kill an execution; 202 means accepted, not done. */
  async killJob(clusterId: string, jobId: string): Promise<void> {
    await this.client.call(
      MRS_OPERATIONS.killJob,
      'POST',
      `/v2/{project_id}/clusters/${id(clusterId, 'cluster id')}/job-executions/${id(jobId, 'job execution id')}/kill`,
      this.signal ? { signal: this.signal } : {},
    );
  }

  /** Submits a job; the body carries arguments and properties, so it is never logged. */
  async submitJob(
    clusterId: string,
    body: { job_type: string; job_name: string; arguments?: string[]; properties?: Record<string, string> },
  ) {
    const json = await this.client.call(
      MRS_OPERATIONS.submitJob,
      'POST',
      `/v2/{project_id}/clusters/${id(clusterId, 'cluster id')}/job-executions`,
      { body, ...(this.signal ? { signal: this.signal } : {}) },
    );
    return parseVendor(submitJobResponseSchema, json, MRS_OPERATIONS.submitJob);
  }
}

/** Resolves the target's credentials and builds the API view for one poll or one action. */
export async function connectMrs(
  target: MrsTarget,
  ctx: ProviderContext,
  extra: { onCall?: (operation: string) => void; retry?: Partial<RetryOptions> } = {},
): Promise<MrsApi> {
  const endpoint = target.endpoint ?? mrsEndpointFor(target.region);
  if (!endpoint) throw new TypeError(`no MRS endpoint for region ${target.region}`);
  return new MrsApi({
    endpoint,
    credentials: await resolveCredentials(target, ctx),
    projectId: target.options.projectId,
    now: ctx.now,
    concurrency: target.options.concurrency,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...extra,
  });
}
