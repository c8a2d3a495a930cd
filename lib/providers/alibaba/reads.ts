/** What the two Alibaba read planners (Blink, Flink) share: what a checkpoint read says for the next poll. */
import type { CheckpointStats } from '../../model/snapshot.js';

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
