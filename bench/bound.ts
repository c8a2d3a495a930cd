import type { ProviderId } from '../lib/model/snapshot.js';

/**
 * Which round of a poll an operation belongs to: calls of round k need an answer from round k-1 (job ids
 * from the listing, running instances from the run summaries, Blink's per-job reads from its metric answer). Listings of several projects, queues or
 * clusters and the pages after the first are counted in round 1: that makes the bound lower, never higher.
 */
const ROUND_OF: Record<string, (operation: string) => number> = {
  // Blink: listings, run summaries, then per running job its metric call, then the checkpoint and
  // exception reads the metric answer asked for (issue 17).
  'alibaba-blink': (op) =>
    /^List/.test(op)
      ? 1
      : /RunSummary$/.test(op)
        ? 2
        : /^GetInstance(Checkpoint|Exceptions)$/.test(op)
          ? 4
          : 3,
  'alibaba-flink': (op) => (/^List/.test(op) ? 1 : 2),
  'huawei-dli': (op) => (/^List/.test(op) ? 1 : 2),
  'huawei-mrs': (op) => (op === 'ListClusters' ? 1 : op === 'ShowSingleJobExe' ? 3 : 2),
};

export interface Bound {
  rounds: number;
  calls: number;
  /** Critical path: sum over rounds of ceil(calls in the round / concurrency) x latency. */
  boundMs: number;
}

/**
 * The fastest a target's poll could finish against an API answering every call in `latencyMs` with at
 * most `concurrency` calls in flight: its sequential rounds, each as wide as the concurrency allows.
 */
export function criticalPathBound(
  provider: ProviderId | string,
  perOperation: Record<string, number>,
  latencyMs: number,
  concurrency: number,
): Bound {
  const roundOf = ROUND_OF[provider] ?? (() => 1);
  const perRound = new Map<number, number>();
  let calls = 0;
  for (const [operation, n] of Object.entries(perOperation)) {
    const round = roundOf(operation);
    perRound.set(round, (perRound.get(round) ?? 0) + n);
    calls += n;
  }
  let boundMs = 0;
  for (const n of perRound.values()) boundMs += Math.ceil(n / concurrency) * latencyMs;
  return { rounds: perRound.size, calls, boundMs };
}
