/**
 * Which per-job reads a deployment's newest job needs this poll (issue 17, "do less work").
 *
 * Every poll lists the deployments; a deployment's jobs (ListJobs) only when its listing facts or the
 * namespace's event feed say they moved, its job is not settled, or its full read is due
 * (`rememberedListing`, below). GetEvents, ListSavepoints and GetJobDiagnosis are read only when the job's
 * listed facts (status, id, restart count, risk level, failure) moved since the last read, the job is new
 * to this process, the last read showed trouble or failed, and once every `fullReadEvery` polls (staggered
 * by deployment, read-memory.ts).
 * ListSavepoints is also read once a checkpoint is due (one interval after the newest one listed), since a
 * new one may have failed; a namespace's due reads may come from one namespace-wide listing when it costs
 * fewer calls (`namespaceListingMayPay`, collector.ts `readDueSavepoints`). A skipped read carries the last read's facts forward (not missing evidence);
 * a failed read is missing evidence and the next poll reads again. A cold start reads everything.
 * docs/detection.md ("Flink (ververica): which reads a poll makes") says what a skipped read can delay.
 */
import type { CheckpointStats, FailoverException } from '../../model/snapshot.js';
import { checkpointTrouble, failoversGrew, newestMs } from '../alibaba/reads.js';
import { fullReadDue, type JobMemoryBase, observeJob, readMemoryStore } from '../read-memory.js';
import { JOB_COUNTERS, type VendorDeployment, type VendorJob, type VendorSavepoint } from './schemas.js';

interface SavepointMemory {
  stats: CheckpointStats;
  /** Newest creation time listed (any state): the next checkpoint is due one interval later. */
  lastCreatedMs?: number;
  maxFailedId?: number;
  /** The read showed trouble (new failures, no or a late completion): the next poll reads again. */
  troubled: boolean;
  /** How many savepoints the job had (the per-job listing's total, else the items read). */
  count: number;
}

interface EventMemory {
  failovers: FailoverException[];
  /** The poll of the read. */
  readPoll: number;
  /** The read listed a failover newer than the one before did: the next poll reads again. */
  grew: boolean;
}

/** What a diagnosis read added to the job: its risk level and its symptoms' text. */
export interface DiagnosisFacts {
  riskLevel?: string;
  lines: string[];
}

/** The deployment's last job listing: the deployment facts it was read under and the newest job. */
interface ListingMemory {
  facts: string;
  job: VendorJob;
  readAtMs: number;
}

interface JobMemory extends JobMemoryBase {
  listing?: ListingMemory;
  savepoints?: SavepointMemory;
  events?: EventMemory;
  diagnosis?: DiagnosisFacts;
}

/** The process's memory of one target (read-memory.ts). */
export const targetMemory = readMemoryStore<JobMemory>();
export type TargetMemory = ReturnType<typeof targetMemory>;

export interface ReadPlan {
  events: boolean;
  savepoints: boolean;
  diagnosis: boolean;
  /** What a skipped read carries forward (the last read's facts). */
  carriedFailovers?: FailoverException[];
  carriedCheckpoints?: CheckpointStats;
  carriedDiagnosis?: DiagnosisFacts;
}

/**
 * The reads the job needs. `wants` says which reads apply to it at all (running streaming jobs get events
 * and savepoints; failed or risky ones a diagnosis); `riskRaised` is trouble the listing shows, which reads
 * savepoints every poll.
 */
export function planReads(options: {
  memory: TargetMemory;
  key: string;
  job: VendorJob;
  wants: { events: boolean; savepoints: boolean; diagnosis: boolean };
  riskRaised: boolean;
  fullReadEvery: number;
  nowMs: number;
  /** This poll's event feed of the namespace and the deployment's id in it. */
  feed: FeedView;
  deploymentId: string;
}): ReadPlan {
  const { memory, key, job: vendorJob, wants, nowMs, feed } = options;
  const status = vendorJob.status;
  const restarts = status?.running?.observedFlinkJobRestarts;
  const { job, changed } = observeJob(memory, key, {
    jobId: vendorJob.jobId,
    status: status?.currentJobStatus,
    flinkStatus: status?.running?.observedFlinkJobStatus,
    restarts,
    riskLevel: status?.riskLevel,
    failureReason: status?.failure?.reason,
    failedAt: status?.failure?.failedAt,
  });
  const fresh = feed.changed?.has(options.deploymentId) ?? false;
  const readAll = changed || fresh || fullReadDue(memory, key, options.fullReadEvery);
  const plan: ReadPlan = { events: wants.events, savepoints: wants.savepoints, diagnosis: wants.diagnosis };
  // A failover moves the restart count the listing shows; without that count nothing says there was none,
  // unless the namespace's event feed was read whole on every poll since the job's events were read and
  // listed nothing new for it: then its events are as they were, whatever the full read would say.
  const ev = job.events;
  const feedQuiet =
    ev !== undefined && !fresh && feed.toldSince !== undefined && feed.toldSince <= ev.readPoll + 1;
  const restartsQuiet = !readAll && restarts !== undefined && restarts !== null;
  if (wants.events && ev && !ev.grew && !changed && (restartsQuiet || feedQuiet)) {
    plan.events = false;
    plan.carriedFailovers = ev.failovers;
  }
  if (readAll) return plan;
  const sp = job.savepoints;
  if (wants.savepoints && sp && !sp.troubled && !options.riskRaised) {
    const intervalMs = sp.stats.intervalMs;
    // No checkpoint can have been taken (or failed) since the read: the next one is not due yet.
    if (intervalMs !== undefined && sp.lastCreatedMs !== undefined && nowMs < sp.lastCreatedMs + intervalMs) {
      plan.savepoints = false;
      plan.carriedCheckpoints = sp.stats;
    }
  }
  // A diagnosis follows the job: read again when its listing facts move (risk level included), else on
  // the full read; a risky running job's symptom text may change in between, at most fullReadEvery - 1
  // polls late (its savepoints, where its findings come from, are read every poll).
  if (wants.diagnosis && job.diagnosis) {
    plan.diagnosis = false;
    plan.carriedDiagnosis = job.diagnosis;
  }
  return plan;
}

/** Remembers a savepoint read; `troubled` when it shows new failures, or no recent completion. */
export function rememberSavepoints(
  memory: TargetMemory,
  key: string,
  savepoints: readonly VendorSavepoint[],
  stats: CheckpointStats,
  nowMs: number,
  count = savepoints.length,
): void {
  const job = memory.jobs.get(key);
  if (!job) return;
  const lastCreatedMs = newestMs(savepoints.map((s) => s.createdAt));
  const verdict = checkpointTrouble(stats, job.savepoints, nowMs);
  const { maxFailedId } = verdict;
  const troubled = verdict.troubled || (stats.inProgressCount ?? 0) > 0;
  job.savepoints = {
    stats,
    ...(lastCreatedMs === undefined ? {} : { lastCreatedMs }),
    ...(maxFailedId === undefined ? {} : { maxFailedId }),
    troubled,
    count,
  };
}

// ---------------------------------------------------------------------------------------------------------
// When a namespace's due savepoints are read with one namespace-wide listing (ListSavepoints, no filter).

/** Fewer due jobs than this are read one by one: a namespace-wide listing cannot save a call. */
export const NAMESPACE_SAVEPOINTS_MIN_DUE = 3;

/**
 * Whether the job's savepoint read can come from the namespace-wide listing: its last read counted fewer
 * savepoints than a per-job page holds, so one per-job page would have held all of them too. Only a
 * prediction: the listing's own count of the job's items decides (a job with more is read per job).
 */
export function fitsOnePage(memory: TargetMemory, key: string, pageSize: number): boolean {
  const count = memory.jobs.get(key)?.savepoints?.count;
  return count !== undefined && count < pageSize;
}

/** The last namespace-wide savepoint listing: the calls it took (pages and per-job reads after it). */
interface NamespaceListingCost {
  calls: number;
  poll: number;
}

const namespaceListingCosts = new WeakMap<TargetMemory, Map<string, NamespaceListingCost>>();

/**
 * Whether a namespace-wide listing may cost fewer calls than `due` per-job reads: it has not been read, or
 * its last read took fewer calls, or that read is `fullReadEvery` polls old (the namespace may have shrunk).
 */
export function namespaceListingMayPay(
  memory: TargetMemory,
  namespace: string,
  due: number,
  fullReadEvery: number,
): boolean {
  if (due < NAMESPACE_SAVEPOINTS_MIN_DUE) return false;
  const last = namespaceListingCosts.get(memory)?.get(namespace);
  return !last || last.calls < due || memory.poll - last.poll >= fullReadEvery;
}

/** Remembers what the namespace-wide listing cost this poll (Infinity: it cannot stand in for per-job reads). */
export function rememberNamespaceListing(memory: TargetMemory, namespace: string, calls: number): void {
  let costs = namespaceListingCosts.get(memory);
  if (!costs) {
    costs = new Map();
    namespaceListingCosts.set(memory, costs);
  }
  costs.set(namespace, { calls, poll: memory.poll });
}

/** Remembers an events read; `grew` when it lists a failover newer than the previous read's newest. */
export function rememberEvents(memory: TargetMemory, key: string, failovers: FailoverException[]): void {
  const job = memory.jobs.get(key);
  if (!job) return;
  const grew = failoversGrew(failovers, job.events?.failovers);
  job.events = { failovers, readPoll: memory.poll, grew };
}

/** Remembers a diagnosis read. */
export function rememberDiagnosis(memory: TargetMemory, key: string, facts: DiagnosisFacts): void {
  const job = memory.jobs.get(key);
  if (job) job.diagnosis = facts;
}

/** A failed or unusable read: the next poll reads it again. */
export function forget(memory: TargetMemory, key: string, what: 'savepoints' | 'events' | 'diagnosis'): void {
  const job = memory.jobs.get(key);
  if (job) delete job[what];
}

// ---------------------------------------------------------------------------------------------------------
// When a deployment's jobs are listed (ListJobs): the deployment listing and the namespace's event feed.

/** A risk level that asks for a closer look: anything reported other than low (unknown values included). */
export function riskRaised(level: string | undefined): boolean {
  return level !== undefined && level !== '' && !/LOW/i.test(level);
}

/**
 * What the deployment listing says about the deployment's jobs (digest §4.3): the job counters per state,
 * which move when a job starts, fails, is stopped or finishes, and the deployment's modification facts.
 * The listing has no job id and no deployment state (§9.7); `createdAt` and the artifact say nothing of jobs.
 */
export function deploymentFacts(d: VendorDeployment): string {
  const s = d.jobSummary;
  return JSON.stringify([
    ...JOB_COUNTERS.map((counter) => s?.[counter]),
    d.modifiedAt,
    d.deploymentHasChanged,
    d.engineVersion,
    d.executionMode,
  ]);
}

/** Job states that stay as they are until a job starts or stops, which moves the deployment's counters. */
const SETTLED = new Set(['RUNNING', 'FAILED', 'CANCELLED', 'FINISHED']);

/**
 * The last listing of the deployment's jobs, when this poll need not list them again: the deployment's
 * listing facts are those the last listing was read under, the event feed was read whole and lists nothing
 * new for the deployment, the newest job is settled (running as Flink observes it too, or ended), and the
 * deployment's staggered full read is not due. Else undefined: list the jobs. The risk level and health
 * score show in the job listing only: a change of either, up or down, waits for the next listing.
 */
export function rememberedListing(options: {
  memory: TargetMemory;
  key: string;
  facts: string;
  feed: FeedView;
  deploymentId: string;
  fullReadEvery: number;
}): ListingMemory | undefined {
  const { memory, key, feed } = options;
  const listing = memory.jobs.get(key)?.listing;
  if (!listing || listing.facts !== options.facts) return undefined;
  if (!feed.changed || feed.changed.has(options.deploymentId)) return undefined;
  const status = listing.job.status;
  const current = (status?.currentJobStatus ?? '').toUpperCase();
  if (!SETTLED.has(current)) return undefined;
  const observed = (status?.running?.observedFlinkJobStatus ?? 'RUNNING').toUpperCase();
  if (current === 'RUNNING' && observed !== 'RUNNING') return undefined;
  if (fullReadDue(memory, key, options.fullReadEvery)) return undefined;
  return listing;
}

/** Remembers the listing read this poll (after `planReads`, which makes the job's memory). */
export function rememberListing(
  memory: TargetMemory,
  key: string,
  facts: string,
  job: VendorJob,
  readAtMs: number,
): void {
  const remembered = memory.jobs.get(key);
  if (remembered) remembered.listing = { facts, job, readAtMs };
}

/** A listing that failed: the next poll lists the deployment's jobs again, whatever its facts say. */
export function forgetListing(memory: TargetMemory, key: string): void {
  const remembered = memory.jobs.get(key);
  if (remembered) delete remembered.listing;
}

/** One event of the namespace's feed: which deployment it is about and when it was created. */
export interface FeedEvent {
  identity: string;
  deploymentId: string | undefined;
  atMs: number | undefined;
}

/**
 * What this poll's feed read tells: the deployments with events the last read did not list (`changed`),
 * or nothing when it cannot tell (first read, failed, unattributable events, more new events than read);
 * `toldSince` is the first poll of the current run of reads that could tell.
 */
export interface FeedView {
  changed?: Set<string>;
  toldSince?: number;
}

interface FeedCursor {
  seen: Set<string>;
  total?: number;
  newestMs: number;
  toldSince?: number;
}

const feedCursors = new WeakMap<TargetMemory, Map<string, FeedCursor>>();
const refusedFeeds = new WeakMap<TargetMemory, Set<string>>();

/** Whether the API refused the namespace's feed in this process (then it is not read again). */
export function feedRefused(memory: TargetMemory, namespace: string): boolean {
  return refusedFeeds.get(memory)?.has(namespace) ?? false;
}

export function refuseFeed(memory: TargetMemory, namespace: string): void {
  const refused = refusedFeeds.get(memory) ?? new Set<string>();
  refused.add(namespace);
  refusedFeeds.set(memory, refused);
}

/** An event may be listed up to this long after a newer one was (it is the newest read, minus this). */
export const FEED_LAG_MS = 60_000;
/** Pages of the feed read at most per poll: past them the read cannot tell and every deployment is listed. */
export const FEED_MAX_PAGES = 5;

type Verdict = 'tells' | 'more' | 'unknown';

/**
 * Whether the events read so far hold every event the last read did not list: all of them were read; or
 * the total grew by exactly the number of new ones; or, listed newest first (GetEvents' order, digest
 * §6.1, is not documented: checked, not assumed), the oldest read is older than the newest the last read
 * listed (minus the lag).
 */
function verdict(before: FeedCursor | undefined, events: FeedEvent[], total: number | undefined): Verdict {
  if (!before || events.some((e) => e.deploymentId === undefined || e.atMs === undefined)) return 'unknown';
  if (total !== undefined && events.length >= total) return 'tells';
  const fresh = new Set(events.filter((e) => !before.seen.has(e.identity)).map((e) => e.identity)).size;
  if (total !== undefined && before.total !== undefined && fresh === total - before.total) return 'tells';
  const times = events.map((e) => e.atMs as number);
  const ordered = times.every((t, i) => i === 0 || t <= (times[i - 1] as number));
  if (!ordered) return 'unknown';
  if ((times.at(-1) ?? Number.POSITIVE_INFINITY) < before.newestMs - FEED_LAG_MS) return 'tells';
  return 'more';
}

/**
 * Reads the namespace's event feed (`fetchPage`, newest page first) and says which deployments have new
 * events. A failed read throws after remembering that the feed could not tell; the cursor stays, so the
 * next read still finds everything new since the last good one.
 */
export async function readEventFeed(options: {
  memory: TargetMemory;
  namespace: string;
  fetchPage: (pageIndex: number) => Promise<{ events: FeedEvent[]; total?: number }>;
}): Promise<FeedView> {
  const { memory, namespace } = options;
  let cursors = feedCursors.get(memory);
  if (!cursors) {
    cursors = new Map();
    feedCursors.set(memory, cursors);
  }
  const before = cursors.get(namespace);
  const events: FeedEvent[] = [];
  let total: number | undefined;
  let told: Verdict = 'unknown';
  try {
    for (let page = 1; page <= FEED_MAX_PAGES; page++) {
      const answer = await options.fetchPage(page);
      events.push(...answer.events);
      total = answer.total ?? total;
      told = verdict(before, events, total);
      if (told !== 'more' || answer.events.length === 0) break;
    }
  } catch (error) {
    if (before) delete before.toldSince;
    throw error;
  }
  const tells = told === 'tells';
  let newestMs = before?.newestMs ?? Number.NEGATIVE_INFINITY;
  for (const e of events) if (e.atMs !== undefined && e.atMs > newestMs) newestMs = e.atMs;
  const toldSince = tells ? (before?.toldSince ?? memory.poll) : undefined;
  cursors.set(namespace, {
    seen: new Set(events.map((e) => e.identity)),
    ...(total === undefined ? {} : { total }),
    newestMs,
    ...(toldSince === undefined ? {} : { toldSince }),
  });
  if (!tells || !before) return {};
  const changed = new Set<string>();
  for (const e of events) if (!before.seen.has(e.identity)) changed.add(e.deploymentId as string);
  return { changed, ...(toldSince === undefined ? {} : { toldSince }) };
}
