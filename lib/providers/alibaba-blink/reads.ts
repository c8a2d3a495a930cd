/**
 * Which per-job reads a running streaming job needs this poll (issue 17, "do less work").
 *
 * Every poll reads the run summaries (state, instance id, last error) and one GetInstanceMetric per running
 * job; that call also asks for `task_failover.rate` and `lastCheckpointDuration` (manual, Metric名称对应表).
 * GetInstanceCheckpoint and GetInstanceExceptions are read only when those or the state say something may
 * have changed since the job's last read, and once every `fullReadEvery` polls. A skipped read carries the
 * last read's document forward (it is not missing evidence); a failed read is missing evidence and the
 * next poll reads again. The memory lives in the warm process: a cold start reads everything.
 * docs/detection.md ("Blink: which reads a poll makes") lists what a skipped read can delay, and by how much.
 */
import type { CheckpointStats, FailoverException } from '../../model/snapshot.js';
import { checkpointTrouble, failoversGrew, newestMs } from '../alibaba/reads.js';
import { fullReadDue, type JobMemoryBase, observeJob, readMemoryStore } from '../read-memory.js';
import { looseNumber } from '../shared.js';
import type { VendorCheckpointsDoc, VendorRunSummary } from './schemas.js';

/** Metrics the poll asks for on top of the configured ones, to decide the reads. */
export const FAILOVER_RATE = 'task_failover.rate';
export const CHECKPOINT_DURATION = 'lastCheckpointDuration';
/** Finer than the configured metrics' 60 s, so a completed checkpoint shows soon in the duration series. */
export const DURATION_GRANULARITY_S = 10;
/** The configured metrics' granularity, which the failover rate shares. */
export const METRIC_GRANULARITY_S = 60;

interface CheckpointMemory {
  stats: CheckpointStats;
  readAtMs: number;
  /** Latest trigger time the document listed (any status): the next checkpoint is due one interval later. */
  lastTriggerMs?: number;
  maxFailedId?: number;
  /** The read showed trouble (new failures, no or a late completion): the next poll reads again. */
  troubled: boolean;
  /**
   * A lower bound of when the newest checkpoint known to have completed (read, or seen in the duration
   * gauge) was triggered, and the time (the vendor's clock) after which a change of the gauge is a newer
   * completion.
   */
  completedTriggerMs?: number;
  gaugeSeenToMs: number;
}

interface FailoverMemory {
  failovers: FailoverException[];
  readAtMs: number;
  /** The read listed failovers the one before did not: the next poll reads again. */
  grew: boolean;
}

interface JobMemory extends JobMemoryBase {
  checkpoints?: CheckpointMemory;
  failovers?: FailoverMemory;
}

/** The process's memory of one target (read-memory.ts). */
export const targetMemory = readMemoryStore<JobMemory>();
export type TargetMemory = ReturnType<typeof targetMemory>;

/** A metric series as sorted points. `dps` keys are epoch seconds (manual); milliseconds are accepted. */
export function seriesPoints(dps: Record<string, unknown> | null | undefined): [number, number][] {
  const points: [number, number][] = [];
  for (const [key, raw] of Object.entries(dps ?? {})) {
    const t = looseNumber(key);
    const value = looseNumber(raw);
    if (t === undefined || value === undefined) continue;
    points.push([t < 1e12 ? t * 1000 : t, value]);
  }
  return points.sort((a, b) => a[0] - b[0]);
}

export interface TriggerSeries {
  failoverRate?: [number, number][];
  checkpointDuration?: [number, number][];
}

export interface ReadPlan {
  checkpoints: boolean;
  exceptions: boolean;
  /** What a skipped read carries forward (the last read's facts). */
  carriedCheckpoints?: CheckpointStats;
  carriedFailovers?: FailoverException[];
}

/**
 * The reads one running job needs. `series` is undefined when the metric call failed: then nothing is
 * known and both are read.
 */
export function planReads(options: {
  memory: TargetMemory;
  key: string;
  summary: VendorRunSummary | undefined;
  series: TriggerSeries | undefined;
  fullReadEvery: number;
  nowMs: number;
}): ReadPlan {
  const { memory, key, summary, series, nowMs } = options;
  // The state says something changed: a new instance, a state move, a newer error.
  const { job, changed } = observeJob(memory, key, {
    instanceId: summary?.Id,
    actual: summary?.ActualState,
    expect: summary?.ExpectState,
    lastErrorTime: summary?.LastErrorTime,
  });
  const readAll = changed || series === undefined || fullReadDue(memory, key, options.fullReadEvery);

  const plan: ReadPlan = { checkpoints: true, exceptions: true };
  const cp = job.checkpoints;
  if (!readAll && cp && !cp.troubled) {
    const carried = carriedCheckpoints(cp, series.checkpointDuration, nowMs);
    if (carried) {
      plan.checkpoints = false;
      plan.carriedCheckpoints = carried;
    }
  }
  const fo = job.failovers;
  if (!readAll && fo && !fo.grew && series.failoverRate && series.failoverRate.length > 0) {
    // Any failover since the last read shows as a rate above 0 in a sample at or after it.
    const since = fo.readAtMs - METRIC_GRANULARITY_S * 1000;
    const failedOver = series.failoverRate.some(([t, v]) => t >= since && v > 0);
    if (!failedOver) {
      plan.exceptions = false;
      plan.carriedFailovers = fo.failovers;
    }
  }
  return plan;
}

/**
 * The last read's checkpoint facts, when no checkpoint can have failed or stalled unseen since: no checkpoint
 * was triggered after the last completion known (from the read, or from a change in the duration series,
 * which moves only when a checkpoint completes). The completion time carried is the latest known lower
 * bound, so the stall age carried is never more than one interval: a stall is read, not carried.
 *
 * Periodic checkpoints are triggered at least an interval apart (the rule "next one due an interval after
 * the last trigger" rests on it). So a change of the gauge after the newest point an earlier poll saw is a
 * completion of a checkpoint triggered at least an interval after the newest completed one then known:
 * without that, the trigger was only known to lie after the point before the change, up to one series step
 * (10 s) earlier, and a poll in the last step before the next trigger read a checkpoint not yet due (issue
 * 17: about a seventh of the running jobs at a poll every minute). Remembered across carried polls.
 */
function carriedCheckpoints(
  cp: CheckpointMemory,
  duration: [number, number][] | undefined,
  nowMs: number,
): CheckpointStats | undefined {
  const intervalMs = cp.stats.intervalMs;
  const readDuration = cp.stats.lastDurationMs;
  if (intervalMs === undefined || intervalMs <= 0 || cp.lastTriggerMs === undefined) return undefined;
  if (!duration || duration.length === 0) return undefined;
  const latest = (duration.at(-1) as [number, number])[1];
  // Much slower than the read's: something is wrong, read it.
  if (readDuration !== undefined && latest > 2 * readDuration + 1_000) return undefined;
  // The newest change of the series: a checkpoint completed after the earlier point of the pair.
  let completedAfterMs: number | undefined;
  let completedByMs = Number.POSITIVE_INFINITY;
  for (let i = duration.length - 1; i > 0; i--) {
    if ((duration[i] as [number, number])[1] !== (duration[i - 1] as [number, number])[1]) {
      completedAfterMs = (duration[i - 1] as [number, number])[0];
      completedByMs = (duration[i] as [number, number])[0];
      break;
    }
  }
  // The checkpoint behind a completion was triggered at most its duration before it.
  let completedTriggerMs = cp.completedTriggerMs ?? Number.NEGATIVE_INFINITY;
  if (completedAfterMs !== undefined) {
    const sinceMs = completedAfterMs - Math.max(0, latest);
    let triggerMs = sinceMs;
    // A completion after what was seen: a newer checkpoint than the newest completed one known. Never
    // past the latest trigger the change allows, so a gauge that moved twice for one completion (samples
    // averaged into a step) costs at most that step, as it does without this bound.
    if (completedAfterMs >= cp.gaugeSeenToMs && cp.completedTriggerMs !== undefined)
      triggerMs = Math.max(
        sinceMs,
        Math.min(cp.completedTriggerMs + intervalMs, completedByMs - Math.max(0, latest)),
      );
    completedTriggerMs = Math.max(completedTriggerMs, triggerMs);
  }
  const triggeredByMs = Math.max(cp.lastTriggerMs, completedTriggerMs);
  if (nowMs >= triggeredByMs + intervalMs) return undefined;
  if (Number.isFinite(completedTriggerMs)) cp.completedTriggerMs = completedTriggerMs;
  cp.gaugeSeenToMs = Math.max(cp.gaugeSeenToMs, (duration.at(-1) as [number, number])[0]);
  const lastCompletedAtMs = Math.max(
    cp.stats.lastCompletedAtMs ?? Number.NEGATIVE_INFINITY,
    completedAfterMs ?? Number.NEGATIVE_INFINITY,
  );
  const carried: CheckpointStats = { ...cp.stats };
  if (Number.isFinite(lastCompletedAtMs)) carried.lastCompletedAtMs = lastCompletedAtMs;
  return carried;
}

/** Remembers a checkpoint read; `troubled` when it shows new failures, or no recent completion. */
export function rememberCheckpoints(
  memory: TargetMemory,
  key: string,
  doc: VendorCheckpointsDoc,
  stats: CheckpointStats,
  nowMs: number,
): void {
  const job = memory.jobs.get(key);
  if (!job) return;
  const before = job.checkpoints;
  const entries = [...(doc.history ?? []), doc.latest?.completed, doc.latest?.failed];
  const lastTriggerMs = newestMs(entries.map((entry) => entry?.trigger_timestamp));
  // Blink also counts failures: a count that grew is a new failure even when its id is not listed.
  const { maxFailedId, troubled } = checkpointTrouble(
    stats,
    before,
    nowMs,
    before !== undefined && (stats.failedCount ?? 0) > (before.stats.failedCount ?? 0),
  );
  // The newest completion read was triggered its end-to-end duration before it was acknowledged; a change of
  // the gauge after that acknowledgement (both on the vendor's clock) is a newer one, as the gauge shows a
  // completion by its next point.
  const completedTriggerMs =
    stats.lastCompletedAtMs === undefined ? undefined : stats.lastCompletedAtMs - (stats.lastDurationMs ?? 0);
  job.checkpoints = {
    stats,
    readAtMs: nowMs,
    ...(lastTriggerMs === undefined ? {} : { lastTriggerMs }),
    ...(maxFailedId === undefined ? {} : { maxFailedId }),
    troubled,
    ...(completedTriggerMs === undefined ? {} : { completedTriggerMs }),
    gaugeSeenToMs: stats.lastCompletedAtMs ?? nowMs,
  };
}

/** Remembers a failover read; `grew` when it lists a failover newer than the previous read's newest. */
export function rememberFailovers(
  memory: TargetMemory,
  key: string,
  failovers: FailoverException[],
  nowMs: number,
): void {
  const job = memory.jobs.get(key);
  if (!job) return;
  const grew = failoversGrew(failovers, job.failovers?.failovers);
  job.failovers = { failovers, readAtMs: nowMs, grew };
}

/** A failed or unusable read: the next poll reads it again. */
export function forget(memory: TargetMemory, key: string, what: 'checkpoints' | 'failovers'): void {
  const job = memory.jobs.get(key);
  if (job) delete job[what];
}
