/** What the two Alibaba read planners (Blink, Flink) share: what a checkpoint read says for the next poll. */
import type { CheckpointStats, FailoverException } from '../../model/snapshot.js';

/**
 * A checkpoint read's verdict for the next poll: the highest failed checkpoint id so far, and whether the
 * read shows trouble (read again next poll): a new failure (`grew`, or an id above the last read's), no
 * completion or no known interval, a completion overdue by half an interval, or a failure after it.
 */
export function checkpointTrouble(
  stats: CheckpointStats,
  before: { stats: CheckpointStats; maxFailedId?: number } | undefined,
  nowMs: number,
  grew = false,
): { maxFailedId?: number; troubled: boolean } {
  const failures = stats.recentFailures ?? [];
  const maxFailedId = failures.length > 0 ? Math.max(...failures.map((f) => f.id)) : before?.maxFailedId;
  const newestFailureMs = failures.length > 0 ? Math.max(...failures.map((f) => f.atMs)) : undefined;
  const completedMs = stats.lastCompletedAtMs;
  const troubled =
    grew ||
    (before !== undefined && (maxFailedId ?? -1) > (before.maxFailedId ?? -1)) ||
    completedMs === undefined ||
    stats.intervalMs === undefined ||
    nowMs - completedMs > 1.5 * stats.intervalMs ||
    (newestFailureMs !== undefined && newestFailureMs > completedMs);
  return { ...(maxFailedId === undefined ? {} : { maxFailedId }), troubled };
}

/** The newest of the times a read lists (undefined ones skipped); undefined when it lists none. */
export function newestMs(times: readonly (number | undefined)[]): number | undefined {
  let newest: number | undefined;
  for (const t of times) if (t !== undefined && (newest === undefined || t > newest)) newest = t;
  return newest;
}

/** Whether a failover read lists a failover newer than the last read's newest (any, on a first read). */
export function failoversGrew(
  failovers: readonly FailoverException[],
  before: readonly FailoverException[] | undefined,
): boolean {
  if (before === undefined) return failovers.length > 0;
  const newest = (list: readonly FailoverException[]) =>
    newestMs(list.map((f) => f.atMs)) ?? Number.NEGATIVE_INFINITY;
  return newest(failovers) > newest(before);
}
