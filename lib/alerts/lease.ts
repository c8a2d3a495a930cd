/**
 * The send lease and the retry policy it must cover. A sender holds a group's lease while it sends with
 * retries; a second notifier skips the group until the lease is released or runs out. So the lease is
 * worked out from the policy (every attempt timing out, every wait at its cap), and the send is held to a
 * budget inside the lease, so that waits the policy does not foresee (a pacer queue, a slow store) end the
 * send early rather than let the lease lapse under it.
 */

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for here: the group is tried again at its next flush. */
  maxRetryAfterMs: number;
}

export const DEFAULT_NOTIFY_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 1_000,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 30_000,
};

/**
 * Kept twice in the lease beyond the worst-case send: once as slack of the send's budget (taking a
 * digest's leases and re-reading the log before the first attempt, timers firing late), once after the
 * budget for recording the outcome (log, group, dead letter) and releasing.
 */
export const LEASE_MARGIN_MS = 5_000;

/** The longest one send with all its retries can take: every attempt times out, every wait is at its cap. */
export function worstCaseSendMs(policy: RetryPolicy, attemptTimeoutMs: number): number {
  const attempts = Math.max(1, policy.maxAttempts);
  const waitMs = Math.max(policy.maxDelayMs, policy.maxRetryAfterMs);
  return attempts * attemptTimeoutMs + (attempts - 1) * waitMs;
}

/** The send lease for one receiver: its worst-case send plus the margin for what surrounds it. */
export function sendLeaseMs(policy: RetryPolicy, attemptTimeoutMs: number): number {
  return worstCaseSendMs(policy, attemptTimeoutMs) + 2 * LEASE_MARGIN_MS;
}

/**
 * What is left of a send's time budget (the lease less the recording margin), on the monotonic clock: it
 * is about how long the sender really runs, as timeouts are, not about the injected (maybe simulated) clock.
 */
export interface SendBudget {
  remainingMs(): number;
  /** Aborts when the budget is spent (and when `outer` aborts). */
  signal(outer?: AbortSignal): AbortSignal;
}

export function startSendBudget(leaseMs: number): SendBudget {
  const endsAt = performance.now() + Math.max(0, leaseMs - LEASE_MARGIN_MS);
  const remainingMs = () => Math.max(0, endsAt - performance.now());
  return {
    remainingMs,
    signal(outer) {
      const spent = AbortSignal.timeout(Math.max(1, Math.ceil(remainingMs())));
      return outer ? AbortSignal.any([outer, spent]) : spent;
    },
  };
}
