/**
 * A job's health score from what detection stores for it (the last hour's counted failures, failovers and
 * failed checkpoints in `track.recent`, and the conditions firing now), so that the score in an alert and
 * the one in a status view are the same number computed the same way. Formula: lib/diagnose/health.ts.
 */
import { addRecent, type JobHealth, jobHealth, pruneRecent, type RecentHistory } from '../diagnose/health.js';
import type { JobTrack, ResourceState } from './state.js';

/** What this poll counted as new, to be added to the job's recent history. */
export interface CountedThisPoll {
  /** When the failure seen this poll began (a failure is new when it began at another time). */
  failureAtMs?: number;
  failoverTimes: readonly number[];
  checkpointFailureTimes: readonly number[];
}

/** The job's recent history with this poll's counts added and what left the hour pruned. */
export function nextRecent(
  track: JobTrack,
  counted: CountedThisPoll,
  nowMs: number,
): RecentHistory | undefined {
  let recent = pruneRecent(track.recent, nowMs);
  const add = (key: keyof RecentHistory, times: readonly number[]) => {
    for (const atMs of times) {
      const before = recent?.[key];
      const after = addRecent(before, atMs, nowMs);
      if (after !== before) recent = after.length > 0 ? { ...recent, [key]: after } : recent;
    }
  };
  if (counted.failureAtMs !== undefined) add('failures', [counted.failureAtMs]);
  add('failovers', counted.failoverTimes);
  add('checkpointFailures', counted.checkpointFailureTimes);
  return recent;
}

/** The score of a job from its stored state; `missing` names evidence this poll could not read. */
export function healthOfJob(state: ResourceState, nowMs: number, missing: readonly string[] = []): JobHealth {
  const firing = Object.values(state.conditions).filter((c) => c.firing);
  return jobHealth({
    nowMs,
    recent: state.job?.recent,
    failedNow: state.job?.state === 'FAILED',
    checkpointsStalled: firing.some((c) => c.type === 'checkpoint.stalled'),
    breachingMetrics: firing
      .filter((c) => c.type === 'metric.threshold')
      .map((c) => c.discriminator ?? 'metric'),
    missing,
  });
}
