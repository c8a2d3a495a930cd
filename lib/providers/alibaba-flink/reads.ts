/**
 * Which per-job reads a deployment's newest job needs this poll (issue 17, "do less work").
 *
 * Every poll lists the deployments and their jobs: the job's status, id, restart count, risk level and
 * failure are seen on the poll they move. GetEvents, ListSavepoints and GetJobDiagnosis are read only when
 * those listing facts moved since the last poll, the job is new to this process, the last read showed
 * trouble or failed, and once every `fullReadEvery` polls (staggered by deployment, read-memory.ts).
 * ListSavepoints is also read once a checkpoint is due (one interval after the newest one listed), since a
 * new one may have failed. A skipped read carries the last read's facts forward (not missing evidence);
 * a failed read is missing evidence and the next poll reads again. A cold start reads everything.
 * docs/detection.md ("Flink (ververica): which reads a poll makes") says what a skipped read can delay.
 */
import type { CheckpointStats, FailoverException } from '../../model/snapshot.js';
import {
  fullReadDue,
  type JobMemoryBase,
  observeJob,
  readMemoryStore,
  type TargetMemory as SharedTargetMemory,
} from '../read-memory.js';
import type { VendorJob, VendorSavepoint } from './schemas.js';

interface SavepointMemory {
  stats: CheckpointStats;
  /** Newest creation time listed (any state): the next checkpoint is due one interval later. */
  lastCreatedMs?: number;
  maxFailedId?: number;
  /** The read showed trouble (new failures, no or a late completion): the next poll reads again. */
  troubled: boolean;
}

interface EventMemory {
  failovers: FailoverException[];
  /** The read listed a failover newer than the one before did: the next poll reads again. */
  grew: boolean;
}

/** What a diagnosis read added to the job: its risk level and its symptoms' text. */
export interface DiagnosisFacts {
  riskLevel?: string;
  lines: string[];
}

interface JobMemory extends JobMemoryBase {
  savepoints?: SavepointMemory;
  events?: EventMemory;
  diagnosis?: DiagnosisFacts;
}

export type TargetMemory = SharedTargetMemory<JobMemory>;

/** The process's memory of one target (read-memory.ts). */
export const targetMemory = readMemoryStore<JobMemory>();

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
 * savepoints and the diagnosis every poll.
 */
export function planReads(options: {
  memory: TargetMemory;
  key: string;
  job: VendorJob;
  wants: { events: boolean; savepoints: boolean; diagnosis: boolean };
  riskRaised: boolean;
  fullReadEvery: number;
  nowMs: number;
}): ReadPlan {
  const { memory, key, job: vendorJob, wants, nowMs } = options;
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
  const readAll = changed || fullReadDue(memory, key, options.fullReadEvery);
  const plan: ReadPlan = { events: wants.events, savepoints: wants.savepoints, diagnosis: wants.diagnosis };
  if (readAll) return plan;

  // A failover moves the restart count the listing shows; without that count nothing says there was none.
  const ev = job.events;
  if (wants.events && ev && !ev.grew && restarts !== undefined && restarts !== null) {
    plan.events = false;
    plan.carriedFailovers = ev.failovers;
  }
  const sp = job.savepoints;
  if (wants.savepoints && sp && !sp.troubled && !options.riskRaised) {
    const intervalMs = sp.stats.intervalMs;
    // No checkpoint can have been taken (or failed) since the read: the next one is not due yet.
    if (intervalMs !== undefined && sp.lastCreatedMs !== undefined && nowMs < sp.lastCreatedMs + intervalMs) {
      plan.savepoints = false;
      plan.carriedCheckpoints = sp.stats;
    }
  }
  // A failed job's diagnosis does not move until the job does; a risky running one is read every poll.
  if (wants.diagnosis && job.diagnosis && !options.riskRaised) {
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
): void {
  const job = memory.jobs.get(key);
  if (!job) return;
  const before = job.savepoints;
  let lastCreatedMs: number | undefined;
  for (const s of savepoints)
    if (s.createdAt !== undefined && (lastCreatedMs === undefined || s.createdAt > lastCreatedMs))
      lastCreatedMs = s.createdAt;
  const failures = stats.recentFailures ?? [];
  const maxFailedId = failures.length > 0 ? Math.max(...failures.map((f) => f.id)) : before?.maxFailedId;
  const newestFailureMs = failures.length > 0 ? Math.max(...failures.map((f) => f.atMs)) : undefined;
  const completedMs = stats.lastCompletedAtMs;
  const troubled =
    (before !== undefined && (maxFailedId ?? -1) > (before.maxFailedId ?? -1)) ||
    completedMs === undefined ||
    stats.intervalMs === undefined ||
    nowMs - completedMs > 1.5 * stats.intervalMs ||
    (newestFailureMs !== undefined && newestFailureMs > completedMs) ||
    (stats.inProgressCount ?? 0) > 0;
  job.savepoints = {
    stats,
    ...(lastCreatedMs === undefined ? {} : { lastCreatedMs }),
    ...(maxFailedId === undefined ? {} : { maxFailedId }),
    troubled,
  };
}

/** Remembers an events read; `grew` when it lists a failover newer than the previous read's newest. */
export function rememberEvents(memory: TargetMemory, key: string, failovers: FailoverException[]): void {
  const job = memory.jobs.get(key);
  if (!job) return;
  const newest = (list: FailoverException[]) =>
    list.reduce((max, f) => (f.atMs > max ? f.atMs : max), Number.NEGATIVE_INFINITY);
  const before = job.events;
  const grew = before === undefined ? failovers.length > 0 : newest(failovers) > newest(before.failovers);
  job.events = { failovers, grew };
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
