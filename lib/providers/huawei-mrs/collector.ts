/**
 * One poll of one MRS target: cluster health (V1.1 cluster info + hosts) and job executions (V2), turned
 * into normalized snapshots. Never throws: vendor failures are snapshot errors, partial data is kept.
 *
 * An MRS "job" is identified by its name on a cluster; each run is an execution with its own `job_id`. The
 * snapshot of a job is its latest execution (the execution id is the snapshot's `instanceId`), so a failed
 * run is followed by "recovered" when the next run of the same name starts, and a kill targets the
 * execution that is current.
 */
import { mapConcurrent } from '../../async/concurrent.js';
import {
  type CollectionError,
  type ContainerHealth,
  type ContainerSnapshot,
  type HostStatus,
  type JobKind,
  type JobSnapshot,
  type JobState,
  resourceKey,
  type Scope,
  type TargetSnapshot,
} from '../../model/snapshot.js';
import { createJobFilter } from '../../text/glob.js';
import { assignOwn } from '../../text/record.js';
import { cleanVendorText } from '../../text/scrub.js';
import { MAX_ERROR_CHARS } from '../../text/trim.js';
import type { PagedResult } from '../paging.js';
import { emptySnapshot, markMissing, setupFailure, toCollectionError } from '../shared.js';
import type { ProviderContext } from '../types.js';
import { connectMrs, MRS_OPERATIONS, type MrsApi } from './client.js';
import type { MrsTarget } from './config.js';
import type { MrsCluster, MrsListedExecution } from './schemas.js';

const PROVIDER = 'huawei-mrs' as const;

/**
 * Every documented `job_type`, as the API spells it, with its normalized kind. Flink on MRS is usually a
 * detached streaming job, so no run-time limit.
 */
export const MRS_JOB_TYPES: Readonly<Record<string, JobKind>> = {
  MapReduce: 'mapreduce',
  SparkSubmit: 'spark-batch',
  SparkPython: 'spark-batch',
  HiveScript: 'hive',
  HiveSql: 'hive',
  DistCp: 'distcp',
  SparkScript: 'spark-sql',
  SparkSql: 'spark-sql',
  Flink: 'flink-stream',
};

/** The kinds by upper-cased `job_type`: the API's casing is not relied on. */
const JOB_KINDS = new Map(Object.entries(MRS_JOB_TYPES).map(([type, kind]) => [type.toUpperCase(), kind]));

export function jobKindOf(jobType: string | undefined): JobKind {
  return JOB_KINDS.get((jobType ?? '').toUpperCase()) ?? 'other';
}

const PENDING_STATES = new Set(['NEW', 'NEW_SAVING', 'SUBMITTED', 'ACCEPTED']);

/**
 * Normalizes an execution. Success comes from `job_result`, never from `job_state`: FINISHED with
 * result FAILED is a failure (YARN's state vs final status). KILLED means a person terminated it.
 */
export function normalizeJobState(
  jobState: string | undefined,
  jobResult: string | undefined,
): { state: JobState; stateCause?: 'user' | 'system' } {
  const s = (jobState ?? '').trim().toUpperCase();
  const r = (jobResult ?? '').trim().toUpperCase();
  if (r === 'SUCCEEDED') return { state: 'SUCCEEDED' };
  if (r === 'FAILED' || s === 'FAILED') return { state: 'FAILED', stateCause: 'system' };
  if (r === 'KILLED' || s === 'KILLED') return { state: 'STOPPED', stateCause: 'user' };
  if (s === 'RUNNING') return { state: 'RUNNING' };
  if (PENDING_STATES.has(s)) return { state: 'PENDING' };
  return { state: 'UNKNOWN' };
}

/** True once an execution will not change again. */
export function isFinalExecution(job: {
  job_state?: string | undefined;
  job_result?: string | undefined;
}): boolean {
  const { state } = normalizeJobState(job.job_state, job.job_result);
  return state === 'SUCCEEDED' || state === 'FAILED' || state === 'STOPPED';
}

/** Every documented `clusterState` (digest §6.3) by the health it means; abnormal, failed and frozen are unhealthy. */
const CLUSTER_STATES: Readonly<Record<ContainerHealth, readonly string[]>> = {
  HEALTHY: ['running', 'scaling-out', 'scaling-in'],
  DEGRADED: ['starting'],
  UNHEALTHY: ['abnormal', 'failed', 'frozen'],
  UNKNOWN: ['terminating', 'terminated'],
};

/** `clusterState` -> health. */
export const CLUSTER_STATE_HEALTH: Readonly<Record<string, ContainerHealth>> = Object.fromEntries(
  (Object.entries(CLUSTER_STATES) as [ContainerHealth, readonly string[]][]).flatMap(([health, states]) =>
    states.map((state) => [state, health]),
  ),
);

/** Host `status` is the ECS server status; only ACTIVE is healthy (digest §7, our recommendation). */
export function hostHealthy(status: string | undefined): boolean {
  return (status ?? '').trim().toUpperCase() === 'ACTIVE';
}

export function clusterHealth(
  cluster: { clusterState?: string | undefined; scale?: string | undefined },
  hosts: HostStatus[] | undefined,
): ContainerHealth {
  const base = CLUSTER_STATE_HEALTH[(cluster.clusterState ?? '').trim().toLowerCase()] ?? 'UNKNOWN';
  if (base !== 'HEALTHY') return base;
  if ((cluster.scale ?? '').toLowerCase() === 'scaling-error') return 'DEGRADED';
  if (hosts?.some((h) => !h.healthy)) return 'DEGRADED';
  return 'HEALTHY';
}

const NO_JOBS_STATES = new Set(['terminating', 'terminated']);

/** Positive epoch value or undefined (MRS sends 0 for "not yet"). */
function positive(value: number | undefined): number | undefined {
  return value !== undefined && value > 0 ? value : undefined;
}

function consoleBase(region: string): string {
  return `https://console.huaweicloud.com/mrs/?region=${encodeURIComponent(region)}`;
}

function clusterConsoleUrl(region: string, clusterId: string): string {
  return `${consoleBase(region)}#/mrs/manager/clusterDetail/overview?clusterId=${encodeURIComponent(clusterId)}`;
}

function jobsConsoleUrl(region: string, clusterId: string): string {
  return `${consoleBase(region)}#/mrs/manager/clusterDetail/jobManageList?clusterId=${encodeURIComponent(clusterId)}`;
}

interface ClusterRef {
  id: string;
  name: string;
  state?: string;
  key: string;
  /** The cluster's job list in the console and the jobs' scope, made once for all its jobs. */
  jobsUrl?: string;
  scope?: Scope;
}

export function buildClusterSnapshot(
  target: MrsTarget,
  cluster: MrsCluster,
  hosts: HostStatus[] | undefined,
): ContainerSnapshot {
  const scope: Scope = { kind: 'project', id: target.options.projectId };
  const name = cluster.clusterName ?? cluster.clusterId;
  const detailText = [cluster.errorInfo, cluster.stageDesc].filter((t) => t && t.trim() !== '').join('; ');
  const unhealthyHosts = (hosts ?? []).filter((h) => !h.healthy).map((h) => `${h.name} ${h.status}`);
  const detail = cleanVendorText(
    [detailText, unhealthyHosts.length ? `hosts not ACTIVE: ${unhealthyHosts.join(', ')}` : '']
      .filter(Boolean)
      .join('; '),
    MAX_ERROR_CHARS,
  );
  const capacity: Record<string, number> = {};
  if (cluster.totalNodeNum !== undefined) capacity.totalNodes = cluster.totalNodeNum;
  if (cluster.masterNodeNum !== undefined) capacity.masterNodes = cluster.masterNodeNum;
  if (cluster.coreNodeNum !== undefined) capacity.coreNodes = cluster.coreNodeNum;
  return {
    type: 'cluster',
    key: resourceKey({
      provider: PROVIDER,
      region: target.region,
      scope,
      type: 'cluster',
      vendorId: cluster.clusterId,
    }),
    provider: PROVIDER,
    targetId: target.id,
    region: target.region,
    scope,
    name,
    vendorId: cluster.clusterId,
    consoleUrl: clusterConsoleUrl(target.region, cluster.clusterId),
    labels: {
      ...target.labels,
      project: target.options.projectId,
      cluster: name,
      clusterId: cluster.clusterId,
      ...(cluster.clusterVersion ? { clusterVersion: cluster.clusterVersion } : {}),
    },
    health: clusterHealth(cluster, hosts),
    vendorState: cluster.clusterState ?? 'unknown',
    // Cluster times are epoch SECONDS (10 digits), unlike job times.
    ...(positive(cluster.updateAt) ? { stateSinceMs: (cluster.updateAt as number) * 1000 } : {}),
    ...(detail ? { detail } : {}),
    ...(hosts ? { hosts } : {}),
    ...(Object.keys(capacity).length ? { capacity } : {}),
  };
}

export function buildJobSnapshot(
  target: MrsTarget,
  cluster: ClusterRef,
  job: MrsListedExecution,
): JobSnapshot {
  const name = job.job_name ?? job.job_id;
  const scope: Scope = cluster.scope ?? { kind: 'cluster', id: cluster.id, name: cluster.name };
  const { state, stateCause } = normalizeJobState(job.job_state, job.job_result);
  const kind = jobKindOf(job.job_type);
  // Job times are epoch MILLISECONDS.
  const submittedMs = positive(job.submitted_time);
  const startedMs = positive(job.started_time);
  const finishedMs = positive(job.finished_time);
  const stateSinceMs =
    state === 'PENDING'
      ? submittedMs
      : state === 'RUNNING'
        ? (startedMs ?? submittedMs)
        : (finishedMs ?? startedMs ?? submittedMs);
  const lastError =
    state === 'FAILED'
      ? cleanVendorText(
          `result ${job.job_result ?? job.job_state}${job.app_id ? ` (YARN ${job.app_id})` : ''}`,
          MAX_ERROR_CHARS,
        )
      : undefined;
  // Built member by member, in the order a spread of the same parts gives: no literal to copy (plainJob)
  // and no second object per job (25,000 executions at the 47.5k point of the bench).
  const labels: Record<string, string> = assignOwn({}, target.labels);
  labels.project = target.options.projectId;
  labels.cluster = cluster.name;
  labels.clusterId = cluster.id;
  labels.jobKind = kind;
  if (job.job_type) labels.jobType = job.job_type;
  if (job.queue) labels.queue = job.queue;
  const snap: JobSnapshot = {
    type: 'job',
    key: resourceKey({ provider: PROVIDER, region: target.region, scope, type: 'job', vendorId: name }),
    provider: PROVIDER,
    targetId: target.id,
    region: target.region,
    scope,
    name,
    vendorId: name,
    instanceId: job.job_id,
    consoleUrl: cluster.jobsUrl ?? jobsConsoleUrl(target.region, cluster.id),
    labels,
    kind,
    state,
    vendorState: vendorStateOf(job.job_state, job.job_result),
  };
  if (stateCause) snap.stateCause = stateCause;
  if (stateSinceMs) snap.stateSinceMs = stateSinceMs;
  if (startedMs) snap.startedAtMs = startedMs;
  if (finishedMs) snap.finishedAtMs = finishedMs;
  if (lastError) snap.lastError = lastError;
  if (job.job_progress !== undefined) snap.progress = job.job_progress;
  snap.containerKey = cluster.key;
  return snap;
}

/** `job_state/job_result` (or the state alone), one string per pair seen: a few pairs across every execution. */
const VENDOR_STATES = new Map<string, string>();
function vendorStateOf(jobState: string | undefined, jobResult: string | undefined): string {
  if (!jobResult) return jobState ?? 'unknown';
  const text = `${jobState ?? '?'}/${jobResult}`;
  const known = VENDOR_STATES.get(text);
  if (known !== undefined) return known;
  if (VENDOR_STATES.size >= 256) VENDOR_STATES.clear();
  VENDOR_STATES.set(text, text);
  return text;
}

/** The execution that represents a job name: the latest submitted one (ties: the unfinished one). */
export function latestExecutions(executions: Iterable<MrsListedExecution>): Map<string, MrsListedExecution> {
  const byName = new Map<string, MrsListedExecution>();
  for (const job of executions) {
    const name = job.job_name ?? job.job_id;
    const current = byName.get(name);
    if (!current) {
      byName.set(name, job);
      continue;
    }
    const a = job.submitted_time ?? 0;
    const b = current.submitted_time ?? 0;
    if (a > b || (a === b && !isFinalExecution(job) && isFinalExecution(current))) byName.set(name, job);
  }
  return byName;
}

function incompleteError(
  operation: string,
  what: string,
  result: PagedResult<unknown>,
  atMs: number,
): CollectionError {
  return {
    kind: 'incomplete',
    operation,
    message: `${operation}: read ${result.items.length} of ${result.total ?? 'an unreported number of'} ${what} (offset readings tried up to '${result.reading}')`,
    atMs,
  };
}

/** Collects one MRS target. Never throws. */
export async function collectMrs(target: MrsTarget, ctx: ProviderContext): Promise<TargetSnapshot> {
  const startedMs = ctx.now();
  const snapshot = emptySnapshot(target, startedMs);
  const fail = (error: CollectionError) => {
    snapshot.errors.push(error);
    snapshot.complete = false;
  };
  try {
    let api: MrsApi;
    try {
      api = await connectMrs(target, ctx, {
        onCall: (operation) => {
          snapshot.apiCalls[operation] = (snapshot.apiCalls[operation] ?? 0) + 1;
        },
      });
    } catch (error) {
      fail(setupFailure(error, ctx.now()));
      return snapshot;
    }
    const clusters = await readClusters(target, api, ctx, fail);
    const jobFilter = createJobFilter(target.jobs);
    const perCluster = await mapConcurrent(clusters, target.options.concurrency, (cluster) =>
      collectCluster(target, api, ctx, cluster, jobFilter, fail),
    );
    for (const result of perCluster) {
      if (result.container) snapshot.containers.push(result.container);
      snapshot.jobs.push(...result.jobs);
    }
  } catch (error) {
    fail(toCollectionError(error, 'collect', ctx.now()));
  }
  // Every job listing is read by readPages, which calls a listing complete only on the total the vendor
  // reported: a complete snapshot's missing jobs are gone on the vendor's word.
  snapshot.confirmedByTotals = snapshot.complete;
  snapshot.durationMs = ctx.now() - startedMs;
  return snapshot;
}

/** Clusters to watch: the configured ids (detail each) or every existing cluster of the project. */
async function readClusters(
  target: MrsTarget,
  api: MrsApi,
  ctx: ProviderContext,
  fail: (error: CollectionError) => void,
): Promise<{ id: string; info?: MrsCluster }[]> {
  const configured = target.options.clusters;
  if (configured) {
    return mapConcurrent(configured, target.options.concurrency, async (id) => {
      try {
        return { id, info: await api.showCluster(id) };
      } catch (error) {
        fail(toCollectionError(error, MRS_OPERATIONS.showCluster, ctx.now()));
        // Jobs are still read: a cluster whose info API fails may still run (and fail) jobs.
        return { id };
      }
    });
  }
  try {
    const listed = await api.listClusters(target.options.pageSize);
    if (!listed.complete) fail(incompleteError(MRS_OPERATIONS.listClusters, 'clusters', listed, ctx.now()));
    return listed.items.map((info) => ({ id: info.clusterId, info }));
  } catch (error) {
    fail(toCollectionError(error, MRS_OPERATIONS.listClusters, ctx.now()));
    return [];
  }
}

async function collectCluster(
  target: MrsTarget,
  api: MrsApi,
  ctx: ProviderContext,
  cluster: { id: string; info?: MrsCluster },
  jobFilter: (name: string) => boolean,
  fail: (error: CollectionError) => void,
): Promise<{ container?: ContainerSnapshot; jobs: JobSnapshot[] }> {
  const jobsWanted = !NO_JOBS_STATES.has((cluster.info?.clusterState ?? '').toLowerCase());
  const nowMs = ctx.now();
  const windowBeginMs = nowMs - target.options.recentWindowSeconds * 1000;
  // Two listings that do not overlap (issue 17): everything submitted in the window, and the executions
  // submitted before it that are still unfinished. The manual says neither whether a bound is inclusive:
  // the two share the window's first millisecond, so no execution falls between them (ids deduplicate).
  const listings: [string, [string, string][]][] = [
    [
      'recent',
      [
        ['submitted_time_begin', String(windowBeginMs)],
        ['sort_by', 'desc'],
      ],
    ],
    [
      'unfinished',
      [
        ['job_result', 'UNDEFINED'],
        ['submitted_time_end', String(windowBeginMs + 1)],
        ['sort_by', 'desc'],
      ],
    ],
  ];
  // Hosts and both job listings go out together (the pool bounds the target's calls); their outcomes are
  // applied afterwards in a fixed order, so errors are listed as before.
  const hostsRead =
    cluster.info && target.options.hosts && jobsWanted
      ? settle(api.listHosts(cluster.id, target.options.pageSize), ctx)
      : undefined;
  const listed = jobsWanted
    ? listings.map(([what, filter]) => ({
        what,
        read: settle(api.listJobs(cluster.id, filter, target.options.pageSize), ctx),
      }))
    : [];

  let container: ContainerSnapshot | undefined;
  if (cluster.info) {
    let hosts: HostStatus[] | undefined;
    if (hostsRead) {
      const read = await hostsRead;
      if (read.ok) {
        if (!read.value.complete)
          fail(incompleteError(MRS_OPERATIONS.listHosts, 'hosts', read.value, ctx.now()));
        hosts = read.value.items.map((h) => ({
          name: h.name ?? h.id ?? 'unnamed',
          status: h.status ?? 'unknown',
          healthy: hostHealthy(h.status),
        }));
      } else fail(toCollectionError(read.error, MRS_OPERATIONS.listHosts, read.atMs));
    }
    container = buildClusterSnapshot(target, cluster.info, hosts);
  }
  const ref: ClusterRef = {
    id: cluster.id,
    name: cluster.info?.clusterName ?? cluster.id,
    key:
      container?.key ??
      resourceKey({
        provider: PROVIDER,
        region: target.region,
        scope: { kind: 'project', id: target.options.projectId },
        type: 'cluster',
        vendorId: cluster.id,
      }),
    ...(cluster.info?.clusterState ? { state: cluster.info.clusterState } : {}),
    jobsUrl: jobsConsoleUrl(target.region, cluster.id),
  };
  ref.scope = { kind: 'cluster', id: ref.id, name: ref.name };
  if (NO_JOBS_STATES.has((ref.state ?? '').toLowerCase()))
    return { ...(container ? { container } : {}), jobs: [] };

  const executions = new Map<string, MrsListedExecution>();
  for (const { what, read: pending } of listed) {
    const read = await pending;
    if (!read.ok) {
      fail(toCollectionError(read.error, MRS_OPERATIONS.listJobs, read.atMs));
      continue;
    }
    if (!read.value.complete)
      fail(
        incompleteError(
          MRS_OPERATIONS.listJobs,
          `${what} job executions of cluster ${ref.name}`,
          read.value,
          ctx.now(),
        ),
      );
    for (const job of read.value.items) executions.set(job.job_id, job);
  }
  const { retried, unread } = await followUpVanished(target, api, ctx, cluster.id, executions, fail);
  const jobs: JobSnapshot[] = [];
  for (const [name, job] of latestExecutions(executions.values())) {
    if (!jobFilter(name)) continue;
    // Final executions count while they were submitted or finished inside the window; an end read by a
    // follow-up that had failed before counts whenever it is read, the window having moved on meanwhile.
    const recent = Math.max(job.submitted_time ?? 0, job.finished_time ?? 0) >= windowBeginMs;
    if (isFinalExecution(job) && !recent && !retried.has(job.job_id)) continue;
    const snap = buildJobSnapshot(target, ref, job);
    // A run of this name at least as recent as the one shown could not be read: the state is not known.
    if (unread.some((u) => u.name === name && u.submittedMs >= (job.submitted_time ?? 0)))
      markMissing(snap, 'state');
    jobs.push(snap);
  }
  return { ...(container ? { container } : {}), jobs };
}

/** A call's outcome without throwing, with the time it failed. */
async function settle<T>(
  promise: Promise<T>,
  ctx: ProviderContext,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown; atMs: number }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error, atMs: ctx.now() };
  }
}

/** An unfinished execution as remembered between polls: enough to follow it up and to name its job. */
interface OpenExecution {
  name: string;
  submittedMs: number;
  /** Its follow-up failed before: it is due again. */
  retry?: boolean;
}

/**
 * Unfinished executions seen by the previous poll of this (warm) process, per target and cluster. An
 * execution submitted before the window leaves both listings the moment it finishes; its detail is read
 * so its end (a failure, typically) is not missed, and read again next poll when the read fails.
 */
const unfinishedSeen = new Map<string, Map<string, OpenExecution>>();
const MAX_FOLLOW_UPS = 50;

/** Follows up vanished executions: the ids read on a retry, and the executions whose detail could not be read. */
async function followUpVanished(
  target: MrsTarget,
  api: MrsApi,
  ctx: ProviderContext,
  clusterId: string,
  executions: Map<string, MrsListedExecution>,
  fail: (error: CollectionError) => void,
): Promise<{ retried: Set<string>; unread: OpenExecution[] }> {
  const key = `${target.id}|${clusterId}`;
  const seen = unfinishedSeen.get(key) ?? new Map<string, OpenExecution>();
  const vanished = [...seen.keys()].filter((id) => !executions.has(id)).slice(0, MAX_FOLLOW_UPS);
  const unread = new Map<string, OpenExecution>();
  const retried = new Set<string>();
  await mapConcurrent(vanished, target.options.concurrency, async (jobId) => {
    try {
      const job = await api.showJob(clusterId, jobId);
      executions.set(job.job_id, job);
      if (seen.get(jobId)?.retry) retried.add(job.job_id);
    } catch (error) {
      const failure = toCollectionError(error, MRS_OPERATIONS.showJob, ctx.now());
      fail(failure);
      // A request the vendor refuses as such (the execution is gone) will not succeed later; anything else may.
      if (failure.kind !== 'client-error')
        unread.set(jobId, { ...(seen.get(jobId) as OpenExecution), retry: true });
    }
  });
  // Still open: what is unfinished now, and what could not be read (its end is still to be seen).
  const stillOpen = new Map(unread);
  for (const job of executions.values()) {
    if (isFinalExecution(job)) continue;
    stillOpen.set(job.job_id, { name: job.job_name ?? job.job_id, submittedMs: job.submitted_time ?? 0 });
  }
  if (unfinishedSeen.size > 1000 && !unfinishedSeen.has(key)) unfinishedSeen.clear();
  unfinishedSeen.set(key, stillOpen);
  return { retried, unread: [...unread.values()] };
}
