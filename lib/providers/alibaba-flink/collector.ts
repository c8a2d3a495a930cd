/**
 * One poll of one Realtime Compute for Apache Flink workspace. Per namespace: ListDeployments (paged) ->
 * ListJobs per deployment that has any job (paged; the newest job is the deployment's state) -> for a
 * running streaming job, GetEvents (restarts and failovers) and ListSavepoints (savepoints and retained
 * checkpoints); GetJobDiagnosis for a failed job or one whose risk level is raised. The per-job reads are
 * made only when the listing says something may have changed, and on a staggered full read (reads.ts);
 * the namespace's due ListSavepoints once its jobs are listed, per job or in one namespace-wide listing.
 * Never throws.
 */
import type { z } from 'zod';
import { mapConcurrent } from '../../async/concurrent.js';
import { HttpCallError } from '../../http/errors.js';
import {
  type CheckpointFailure,
  type CheckpointStats,
  type Evidence,
  type FailoverException,
  type JobKind,
  type JobSnapshot,
  type JobState,
  type MetricSample,
  resourceKey,
  type TargetSnapshot,
} from '../../model/snapshot.js';
import { cleanVendorText } from '../../text/scrub.js';
import { MAX_ERROR_CHARS } from '../../text/trim.js';
import { type AlibabaPoll, alibabaEndpoint, collectAlibaba } from '../alibaba/collect.js';
import { type Page, serverPageSize } from '../paging.js';
import { looseNumber, markMissing, plainJob, toCollectionError } from '../shared.js';
import { alibabaCredentials } from '../shared-client.js';
import { vendorTagsOf } from '../tags.js';
import type { ProviderContext } from '../types.js';
import { type FlinkCallContext, type FlinkClient, flinkClientFor } from './client.js';
import { type FlinkTarget, flinkEndpointFor } from './config.js';
import {
  type DiagnosisFacts,
  deploymentFacts,
  type FeedView,
  feedRefused,
  fitsOnePage,
  forget,
  forgetListing,
  namespaceListingMayPay,
  planReads,
  readEventFeed,
  refuseFeed,
  rememberDiagnosis,
  rememberEvents,
  rememberedListing,
  rememberListing,
  rememberNamespaceListing,
  rememberSavepoints,
  riskRaised,
  type TargetMemory,
  targetMemory,
} from './reads.js';
import {
  getEventsResponseSchema,
  JOB_COUNTERS,
  jobDiagnosisResponseSchema,
  listDeploymentsResponseSchema,
  listJobsResponseSchema,
  listSavepointsResponseSchema,
  type VendorDeployment,
  type VendorDiagnosis,
  type VendorEvent,
  type VendorJob,
  type VendorSavepoint,
} from './schemas.js';

export type { FlinkTarget };

const MAX_PAGES = 1_000;

// ---------------------------------------------------------------------------------------------------------
// Vendor facts -> normalized model.

/**
 * `status.currentJobStatus` (digest §3.4) -> normalized state. CANCELLED is a stop someone asked for (a person
 * or a StopJob call): 'user', so remediation leaves it alone. Unknown values are UNKNOWN, never healthy.
 */
export function normalizeFlinkState(current: string | undefined): {
  state: JobState;
  stateCause?: 'user' | 'system';
} {
  switch ((current ?? '').toUpperCase()) {
    case 'STARTING':
      return { state: 'PENDING' };
    case 'RUNNING':
      return { state: 'RUNNING' };
    case 'CANCELLING':
      return { state: 'STOPPING', stateCause: 'user' };
    case 'CANCELLED':
      return { state: 'STOPPED', stateCause: 'user' };
    case 'FAILED':
      return { state: 'FAILED', stateCause: 'system' };
    case 'FINISHED':
      return { state: 'SUCCEEDED' };
    default:
      return { state: 'UNKNOWN' };
  }
}

export function flinkJobKind(executionMode: string | undefined): JobKind {
  return (executionMode ?? '').toUpperCase() === 'BATCH' ? 'flink-batch' : 'flink-stream';
}

/** `Job.createdAt` and `Event.createdAt` are strings: epoch-ms digits or a date (§9.5). */
export function timeOf(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = looseNumber(value);
  if (n !== undefined) return n < 1e12 ? n * 1000 : n;
  const parsed = Date.parse(String(value));
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** The deployment's newest job: latest start (or creation), then the larger job id. */
export function latestJob(jobs: readonly VendorJob[]): VendorJob | undefined {
  const at = (job: VendorJob) => job.startTime ?? timeOf(job.createdAt) ?? 0;
  return jobs.reduce<VendorJob | undefined>((best, job) => {
    if (!best) return job;
    const d = at(job) - at(best);
    return d > 0 || (d === 0 && job.jobId > best.jobId) ? job : best;
  }, undefined);
}

/** Scope id of a namespace: the workspace and the namespace, which every call needs. */
export function flinkScopeId(workspace: string, namespace: string): string {
  return `${workspace}:${namespace}`;
}

export function parseFlinkScopeId(id: string): { workspace: string; namespace: string } | undefined {
  const at = id.indexOf(':');
  if (at <= 0 || at === id.length - 1) return undefined;
  return { workspace: id.slice(0, at), namespace: id.slice(at + 1) };
}

/** Restarts and failovers the events tell about (event names are not enumerated, §6.1: read both fields). */
const FAILOVER_EVENT = /restart|failover|fail over/i;

export function toFailovers(events: readonly VendorEvent[], jobId: string): FailoverException[] {
  const byTime = new Map<number, FailoverException>();
  for (const event of events) {
    if (event.jobId && event.jobId !== jobId) continue;
    if (!FAILOVER_EVENT.test(`${event.eventName ?? ''} ${event.message ?? ''}`)) continue;
    const atMs = timeOf(event.createdAt);
    if (atMs === undefined || byTime.has(atMs)) continue;
    const message = cleanVendorText(firstLine(event.message) ?? event.eventName, 300) ?? 'failover';
    byTime.set(atMs, { atMs, message, ...(event.eventName ? { rootCause: message } : {}) });
  }
  return [...byTime.values()].sort((a, b) => a.atMs - b.atMs);
}

function firstLine(text: string | undefined): string | undefined {
  return text?.split(/\r?\n/).find((l) => l.trim() !== '');
}

/**
 * Checkpoint facts from the job's savepoints and retained checkpoints (§5.5; there is no checkpoint API).
 * Savepoint ids are UUIDs: a failure's creation time is its id, so detection counts each one once.
 */
export function toCheckpointStats(savepoints: readonly VendorSavepoint[]): CheckpointStats {
  const stats: CheckpointStats = {};
  const completed = savepoints
    .filter((s) => (s.status?.state ?? '').toUpperCase() === 'COMPLETED' && s.createdAt !== undefined)
    .sort((a, b) => (a.createdAt as number) - (b.createdAt as number));
  const newest = completed.at(-1);
  if (newest?.createdAt !== undefined) {
    stats.lastCompletedAtMs = newest.createdAt;
    stats.lastCompletedId = newest.createdAt;
  }
  const retained = completed
    .filter((s) => (s.savepointOrigin ?? '').toUpperCase() === 'RETAINED_CHECKPOINT')
    .map((s) => s.createdAt as number);
  const gaps = retained
    .slice(1)
    .map((t, i) => t - (retained[i] as number))
    .filter((g) => g > 0);
  if (gaps.length > 0) stats.intervalMs = gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)] as number;
  const failures: CheckpointFailure[] = [];
  for (const s of savepoints) {
    if ((s.status?.state ?? '').toUpperCase() !== 'FAILED' || s.createdAt === undefined) continue;
    const message = cleanVendorText(firstLine(s.status?.failure?.message), 300);
    failures.push({
      id: s.createdAt,
      atMs: s.status?.failure?.failedAt ?? s.createdAt,
      ...(message ? { message } : {}),
    });
  }
  if (failures.length > 0) stats.recentFailures = failures.sort((a, b) => a.id - b.id);
  const inProgress = savepoints.filter((s) => (s.status?.state ?? '').toUpperCase() === 'STARTED').length;
  if (savepoints.length > 0) stats.inProgressCount = inProgress;
  return stats;
}

/** The diagnosis' symptoms as one line each, most relevant groups first. */
export function diagnosisLines(diagnosis: VendorDiagnosis): string[] {
  const s = diagnosis.symptoms;
  if (!s) return [];
  const all = [
    ...s.startup,
    ...s.runtime,
    ...s.state,
    ...s.troubleshooting,
    ...s.others,
    ...(s.autopilot ? [s.autopilot] : []),
  ];
  return all
    .map((symptom) => [symptom.name, symptom.description].filter(Boolean).join(': '))
    .filter((line) => line.length > 0);
}

/** Listings count pages from 1 (§9.1; a server that counts otherwise is still read whole) and report totalSize. */
const LISTINGS = { totalName: 'totalSize', maxPages: MAX_PAGES };

type FlinkPoll = AlibabaPoll<FlinkClient>;

interface ListAnswer<T> {
  data: T[];
  totalSize?: number | undefined;
  pageSize?: number | undefined;
}

const pageOf = <T>(answer: ListAnswer<T>): Page<T> => ({
  items: answer.data,
  ...(answer.totalSize === undefined ? {} : { total: answer.totalSize }),
  ...(answer.pageSize === undefined ? {} : { pageSize: answer.pageSize }),
});

/** What every read of one namespace in one poll works with. */
interface NamespaceRead {
  target: FlinkTarget;
  namespace: string;
  poll: FlinkPoll;
  memory: TargetMemory;
}

/** One page of a namespace listing (`pageIndex` from 1), with the filters given. */
function listPage<T>(
  read: NamespaceRead,
  operation: string,
  segment: string,
  schema: z.ZodType<ListAnswer<T>>,
  pageSize: number,
  filters: [string, string][] = [],
): (pageIndex: number) => Promise<Page<T>> {
  const query = (pageIndex: number): [string, string][] => [
    ...filters,
    ['pageIndex', String(pageIndex)],
    ['pageSize', String(pageSize)],
  ];
  return async (pageIndex) =>
    pageOf(
      await read.poll.client.call(
        { operation, method: 'GET', namespace: read.namespace, segments: [segment], query: query(pageIndex) },
        schema,
        read.poll.call,
      ),
    );
}

// ---------------------------------------------------------------------------------------------------------

export async function resolveFlinkClient(target: FlinkTarget, ctx: ProviderContext): Promise<FlinkClient> {
  return flinkClientFor({
    endpoint: alibabaEndpoint(target, flinkEndpointFor),
    workspace: target.options.workspace,
    credentials: await alibabaCredentials(target, ctx),
  });
}

export function collectFlink(target: FlinkTarget, ctx: ProviderContext): Promise<TargetSnapshot> {
  const memory = targetMemory(
    `${target.id}\u0000${target.endpoint ?? flinkEndpointFor(target.region)}\u0000${target.options.workspace}`,
  );
  return collectAlibaba(
    target,
    ctx,
    { client: resolveFlinkClient, memory, listings: LISTINGS },
    async (poll) => {
      for (const namespace of target.options.namespaces) {
        await collectNamespace({ target, namespace, poll, memory });
      }
    },
  );
}

function jobCount(deployment: VendorDeployment): number | undefined {
  const s = deployment.jobSummary;
  if (!s) return undefined;
  return JOB_COUNTERS.reduce((sum, counter) => sum + (s[counter] ?? 0), 0);
}

async function collectNamespace(read: NamespaceRead): Promise<void> {
  const { target, poll } = read;
  const options = target.options;
  const modes = new Set<string>(options.executionModes);
  const [feed, listed] = await Promise.all([
    eventFeed(read),
    poll.list<VendorDeployment>({
      operation: 'ListDeployments',
      what: 'deployments',
      keyOf: (d) => d.deploymentId,
      fetch: listPage(
        read,
        'ListDeployments',
        'deployments',
        listDeploymentsResponseSchema,
        options.pageSize,
      ),
    }),
  ]);
  if (!listed.complete) poll.snapshot.complete = false;
  const deployments = listed.items.filter(
    (d) =>
      poll.wanted(d.name) &&
      modes.has((d.executionMode ?? 'STREAMING').toUpperCase()) &&
      // A deployment never started has no job to watch; unknown counters are read anyway.
      (jobCount(d) ?? 1) > 0,
  );
  const dueSavepoints: JobRead[] = [];
  const snaps = await mapConcurrent(deployments, options.concurrency, (d) =>
    collectDeployment(read, d, feed, dueSavepoints),
  );
  await readDueSavepoints(read, dueSavepoints);
  for (const snap of snaps) if (snap) poll.snapshot.jobs.push(snap);
}

/** The newest events of the whole namespace, page size as large as the API takes (digest §6.1). */
const FEED_PAGE_SIZE = 100;

/**
 * The namespace's event feed (GetEvents without a deployment): which deployments have events the last
 * poll's read did not list (reads.ts). A restart or failover moves nothing in the deployment listing, so
 * this is what lists such a deployment's jobs the poll it happens. A failed read is a collection error and
 * tells nothing: every deployment's jobs are then listed.
 */
async function eventFeed(read: NamespaceRead): Promise<FeedView> {
  // Reading everything every poll, the feed would cost a call and tell nothing.
  if (read.target.options.fullReadEvery <= 1 || feedRefused(read.memory, read.namespace)) return {};
  const events = listPage(read, 'GetEvents', 'events', getEventsResponseSchema, FEED_PAGE_SIZE);
  try {
    return await readEventFeed({
      memory: read.memory,
      namespace: read.namespace,
      fetchPage: async (pageIndex) => {
        const page = await events(pageIndex);
        return {
          events: page.items.map((e) => ({
            identity: JSON.stringify([e.deploymentId, e.jobId, e.eventId, e.eventName, e.createdAt]),
            deploymentId: e.deploymentId,
            atMs: timeOf(e.createdAt),
          })),
          ...(page.total === undefined ? {} : { total: page.total }),
        };
      },
    });
  } catch (error) {
    const reported = toCollectionError(error, 'GetEvents', read.poll.call.now());
    // A namespace-wide GetEvents is not documented as accepted (digest §6.1): a refusal turns the feed off
    // for the process, reported once, rather than on every poll; the jobs are then listed every poll.
    if (error instanceof HttpCallError && error.kind === 'client-error') {
      refuseFeed(read.memory, read.namespace);
      reported.message = `${reported.message} (the namespace's event feed is off until the process restarts: every deployment's jobs are listed each poll)`;
    }
    read.poll.snapshot.errors.push(reported);
    return {};
  }
}

async function collectDeployment(
  read: NamespaceRead,
  deployment: VendorDeployment,
  feed: FeedView,
  /** Where a job whose savepoints are due this poll goes: they are read once the namespace is listed. */
  dueSavepoints: JobRead[],
): Promise<JobSnapshot | undefined> {
  const { target, namespace, poll, memory } = read;
  const { call } = poll;
  const options = target.options;
  const memoryKey = `${namespace}/${deployment.deploymentId}`;
  const facts = deploymentFacts(deployment);
  // Nothing says the jobs moved: the last listing's newest job stands, its facts as of that read (reads.ts).
  const lastListing = rememberedListing({
    memory,
    key: memoryKey,
    facts,
    feed,
    deploymentId: deployment.deploymentId,
    fullReadEvery: options.fullReadEvery,
  });
  const listedAtMs = lastListing?.readAtMs ?? call.now();
  const job = lastListing?.job ?? (await listNewestJob(read, deployment));
  if (!job) {
    forgetListing(memory, memoryKey);
    return undefined;
  }
  const snap = jobSnapshot(target, namespace, deployment, job, listedAtMs);
  const streamingRunning = snap.state === 'RUNNING' && snap.kind === 'flink-stream';
  const risky = riskRaised(job.status?.riskLevel);
  const plan = planReads({
    memory,
    key: memoryKey,
    job,
    wants: {
      events: streamingRunning,
      savepoints: streamingRunning && options.readSavepoints,
      diagnosis: options.readDiagnosis && (snap.state === 'FAILED' || risky),
    },
    riskRaised: risky,
    fullReadEvery: options.fullReadEvery,
    nowMs: call.now(),
    feed,
    deploymentId: deployment.deploymentId,
  });
  if (!lastListing) rememberListing(memory, memoryKey, facts, job, listedAtMs);
  const reads: Promise<void>[] = [];
  const jobRead: JobRead = { ...read, deployment, job, snap, key: memoryKey };
  if (plan.events) reads.push(readEvents(jobRead));
  else if (plan.carriedFailovers) snap.failovers = plan.carriedFailovers;
  if (plan.savepoints) dueSavepoints.push(jobRead);
  else if (plan.carriedCheckpoints) snap.checkpoints = plan.carriedCheckpoints;
  if (plan.diagnosis) reads.push(readDiagnosis(jobRead));
  else if (plan.carriedDiagnosis) applyDiagnosis(snap, plan.carriedDiagnosis);
  await Promise.all(reads);
  return snap;
}

/**
 * ListJobs of the deployment (paged): its newest job. Undefined without the whole list (the deployment is
 * left out, the snapshot is incomplete so it is not taken for gone, and the listing's error says why) or
 * without any job.
 */
async function listNewestJob(
  read: NamespaceRead,
  deployment: VendorDeployment,
): Promise<VendorJob | undefined> {
  const jobs = await read.poll.list<VendorJob>({
    operation: 'ListJobs',
    what: `jobs of deployment ${deployment.name}`,
    concurrency: 1,
    keyOf: (j) => j.jobId,
    fetch: listPage(read, 'ListJobs', 'jobs', listJobsResponseSchema, read.target.options.pageSize, [
      ['deploymentId', deployment.deploymentId],
      ['sortName', 'gmt_create'],
    ]),
  });
  if (!jobs.complete) {
    read.poll.snapshot.complete = false;
    return undefined;
  }
  return latestJob(jobs.items);
}

/** The job's snapshot; `nowMs` is when its listing was read (the metric samples' time). */
function jobSnapshot(
  target: FlinkTarget,
  namespace: string,
  deployment: VendorDeployment,
  job: VendorJob,
  nowMs: number,
): JobSnapshot {
  const workspace = target.options.workspace;
  const scope = { kind: 'project' as const, id: flinkScopeId(workspace, namespace), name: namespace };
  const kind = flinkJobKind(job.executionMode ?? deployment.executionMode);
  const vendorState = (job.status?.currentJobStatus ?? 'UNKNOWN').toUpperCase();
  const { state, stateCause } = normalizeFlinkState(vendorState);
  const labels: Record<string, string> = { ...target.labels, workspace, namespace, kind };
  if (deployment.engineVersion ?? job.engineVersion)
    labels['engineVersion'] = (job.engineVersion ?? deployment.engineVersion) as string;
  if (deployment.deploymentTarget?.name) labels['queue'] = deployment.deploymentTarget.name;
  if (job.status?.running?.observedFlinkJobStatus)
    labels['flinkJobStatus'] = job.status.running.observedFlinkJobStatus.toUpperCase();
  if (job.status?.riskLevel) labels['riskLevel'] = job.status.riskLevel;
  const snap: JobSnapshot = {
    key: resourceKey({
      provider: 'alibaba-flink',
      region: target.region,
      scope,
      type: 'job',
      vendorId: deployment.deploymentId,
    }),
    provider: 'alibaba-flink',
    targetId: target.id,
    region: target.region,
    scope,
    name: deployment.name,
    vendorId: deployment.deploymentId,
    labels,
    type: 'job',
    kind,
    instanceId: job.jobId,
    state,
    vendorState,
  };
  if (stateCause) snap.stateCause = stateCause;
  const vendorTags = vendorTagsOf(deployment.labels);
  if (vendorTags) snap.vendorTags = vendorTags;
  if (job.startTime !== undefined && job.startTime > 0) snap.startedAtMs = job.startTime;
  if (job.endTime !== undefined && job.endTime > 0) snap.finishedAtMs = job.endTime;
  const failure = job.status?.failure;
  const failedAt = failure?.failedAt ?? snap.finishedAtMs;
  if (state === 'FAILED' && failedAt !== undefined) snap.stateSinceMs = failedAt;
  else if (snap.finishedAtMs !== undefined) snap.stateSinceMs = snap.finishedAtMs;
  else if (snap.startedAtMs !== undefined) snap.stateSinceMs = snap.startedAtMs;
  const lastError = cleanVendorText(
    [failure?.reason, firstLine(failure?.message)].filter(Boolean).join(': ') || undefined,
    MAX_ERROR_CHARS,
  );
  if (lastError) snap.lastError = lastError;
  const metrics: MetricSample[] = [];
  const restarts = job.status?.running?.observedFlinkJobRestarts;
  if (state === 'RUNNING' && restarts !== undefined)
    metrics.push({ name: 'restarts', value: restarts, atMs: nowMs });
  if (job.status?.healthScore !== undefined)
    metrics.push({ name: 'healthScore', value: job.status.healthScore, atMs: nowMs });
  if (metrics.length > 0) snap.metrics = metrics;
  return plainJob(snap);
}

/** A deployment's newest job as its per-job reads see it; `key` is where reads.ts remembers them. */
interface JobRead extends NamespaceRead {
  deployment: VendorDeployment;
  job: VendorJob;
  snap: JobSnapshot;
  key: string;
}

/**
 * A per-job read: its failure is a snapshot error and leaves its evidence missing (held), never a clear,
 * and is forgotten, so the next poll reads again.
 */
async function perJobRead(
  r: JobRead,
  operation: string,
  evidence: Evidence,
  what: 'savepoints' | 'events' | 'diagnosis',
  read: (client: FlinkClient, call: FlinkCallContext) => Promise<void>,
): Promise<void> {
  const { client, call, snapshot } = r.poll;
  try {
    await read(client, call);
  } catch (error) {
    snapshot.errors.push(toCollectionError(error, operation, call.now()));
    markMissing(r.snap, evidence);
    forget(r.memory, r.key, what);
  }
}

/** GetEvents for the deployment, newest page: restart and failover events of the current job. */
function readEvents(r: JobRead): Promise<void> {
  return perJobRead(r, 'GetEvents', 'failovers', 'events', async () => {
    const filter: [string, string][] = [['deploymentId', r.deployment.deploymentId]];
    const size = r.target.options.eventsPageSize;
    const page = await listPage(r, 'GetEvents', 'events', getEventsResponseSchema, size, filter)(1);
    r.snap.failovers = toFailovers(page.items, r.job.jobId);
    rememberEvents(r.memory, r.key, r.snap.failovers);
  });
}

/** The page size of the namespace-wide ListSavepoints (the largest the API takes, digest §5.5). */
const NAMESPACE_SAVEPOINTS_PAGE_SIZE = 100;

/**
 * The savepoints of the namespace's jobs whose read is due this poll. Per job (ListSavepoints filtered by
 * jobId, first page), unless one namespace-wide listing (no filter) can cost fewer calls: enough due jobs,
 * each one whose last read fit one per-job page (`fitsOnePage`), and the listing's last cost below their
 * number (reads.ts). The listing is then read to its reported total (its order is not documented and not
 * assumed) and its items go to the due jobs by jobId; a job with none has no savepoints, as an empty
 * per-job page says. A job the listing cannot stand in for is read per job: more items than a per-job page
 * holds (the vendor's first page of them is not known), or items without a jobId that may be its own (of
 * its deployment, or of none). A failed or incomplete listing is a snapshot error and its jobs are read per
 * job, so each is as a per-job read leaves it (a failed one missing evidence, held).
 */
async function readDueSavepoints(read: NamespaceRead, due: readonly JobRead[]): Promise<void> {
  const { memory, namespace, target } = read;
  const { pageSize, fullReadEvery, concurrency } = target.options;
  const shared = due.filter((r) => fitsOnePage(memory, r.key, pageSize));
  const viaListing = namespaceListingMayPay(memory, namespace, shared.length, fullReadEvery) ? shared : [];
  const shares = new Set(viaListing);
  const perJob = due.filter((r) => !shares.has(r));
  const [fallback] = await Promise.all([
    viaListing.length === 0 ? [] : readSavepointsOfNamespace(read, viaListing),
    mapConcurrent(perJob, concurrency, readSavepoints),
  ]);
  await mapConcurrent(fallback, concurrency, readSavepoints);
}

/**
 * One namespace-wide ListSavepoints for `due` (reads.ts decided it may pay): the jobs it stood in for get
 * their stats (only those are kept, not the listing's items); returns the jobs to read per job.
 */
async function readSavepointsOfNamespace(read: NamespaceRead, due: JobRead[]): Promise<JobRead[]> {
  const { poll, memory, namespace } = read;
  const size = NAMESPACE_SAVEPOINTS_PAGE_SIZE;
  const fetch = listPage(read, 'ListSavepoints', 'savepoints', listSavepointsResponseSchema, size);
  let first: Page<VendorSavepoint> | undefined;
  try {
    first = await fetch(1);
  } catch (error) {
    poll.snapshot.errors.push(toCollectionError(error, 'ListSavepoints', poll.call.now()));
    return due;
  }
  // Without a total nothing shows the listing is whole: it cannot stand in for per-job reads.
  const pages = first.total === undefined ? undefined : Math.ceil(first.total / serverPageSize(first, size));
  if (pages === undefined || pages >= due.length) {
    rememberNamespaceListing(memory, namespace, pages ?? Number.POSITIVE_INFINITY);
    return due;
  }
  const byJob = new Map<string, VendorSavepoint[]>(due.map((r) => [r.job.jobId, []]));
  const ownerless = new Set<string | undefined>();
  let firstPage: Page<VendorSavepoint> | undefined = first;
  const listed = await poll.list<VendorSavepoint>({
    operation: 'ListSavepoints',
    what: `savepoints of namespace ${namespace}`,
    keyOf: (s) => s.savepointId,
    pageSize: size,
    // Page 1 is the one read above: not asked again.
    fetch: async (pageIndex) => {
      const page = pageIndex === 1 ? firstPage : undefined;
      firstPage = undefined;
      return page ?? fetch(pageIndex);
    },
    onNew: (items) => {
      for (const s of items) {
        if (s.jobId) byJob.get(s.jobId)?.push(s);
        else ownerless.add(s.deploymentId);
      }
    },
  });
  if (!listed.complete) return due;
  const perJob: JobRead[] = [];
  for (const r of due) {
    const own = byJob.get(r.job.jobId) ?? [];
    const deploymentId = r.deployment.deploymentId;
    if (own.length > r.target.options.pageSize || ownerless.has(undefined) || ownerless.has(deploymentId)) {
      perJob.push(r);
      continue;
    }
    r.snap.checkpoints = toCheckpointStats(own);
    rememberSavepoints(memory, r.key, own, r.snap.checkpoints, poll.call.now());
  }
  rememberNamespaceListing(memory, namespace, pages + perJob.length);
  return perJob;
}

/** ListSavepoints of the job, newest page: its savepoints and retained checkpoints. */
function readSavepoints(r: JobRead): Promise<void> {
  return perJobRead(r, 'ListSavepoints', 'checkpoints', 'savepoints', async (_client, call) => {
    const filter: [string, string][] = [['jobId', r.job.jobId]];
    const size = r.target.options.pageSize;
    const page = await listPage(
      r,
      'ListSavepoints',
      'savepoints',
      listSavepointsResponseSchema,
      size,
      filter,
    )(1);
    const own = page.items.filter((s) => !s.jobId || s.jobId === r.job.jobId);
    r.snap.checkpoints = toCheckpointStats(own);
    rememberSavepoints(r.memory, r.key, own, r.snap.checkpoints, call.now(), page.total ?? own.length);
  });
}

/** GetJobDiagnosis: its symptoms join the job's error text, which the diagnosis classifier reads. */
function readDiagnosis(r: JobRead): Promise<void> {
  return perJobRead(r, 'GetJobDiagnosis', 'details', 'diagnosis', async (client, call) => {
    const { deployment, job } = r;
    const answer = await client.call(
      {
        operation: 'GetJobDiagnosis',
        method: 'GET',
        namespace: r.namespace,
        segments: ['deployments', deployment.deploymentId, 'jobs', job.jobId, 'job-diagnoses', 'lite'],
      },
      jobDiagnosisResponseSchema,
      call,
    );
    const facts: DiagnosisFacts = { lines: answer.data ? diagnosisLines(answer.data) : [] };
    if (answer.data?.riskLevel) facts.riskLevel = answer.data.riskLevel;
    rememberDiagnosis(r.memory, r.key, facts);
    applyDiagnosis(r.snap, facts);
  });
}

/** A diagnosis read (this poll's, or the last one carried forward) on the job's labels and error text. */
function applyDiagnosis(snap: JobSnapshot, diagnosis: DiagnosisFacts): void {
  if (diagnosis.riskLevel) snap.labels['riskLevel'] = diagnosis.riskLevel;
  if (diagnosis.lines.length === 0) return;
  const text = cleanVendorText(
    [snap.lastError, `diagnosis: ${diagnosis.lines.join('; ')}`].filter(Boolean).join(' | '),
    MAX_ERROR_CHARS,
  );
  if (text) snap.lastError = text;
}
