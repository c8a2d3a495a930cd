/**
 * Stage "send" (flush; AM `notify/notify.go` RetryStage): one message through one channel, with retries
 * and backoff, honouring Retry-After up to the policy's limit, and held to the send budget of the group's
 * lease: each attempt is cut off when the budget runs out, and no wait starts that would end after it.
 */

import type { Sleep } from '../../async/sleep.js';
import { backoffDelayMs } from '../../http/client.js';
import type { Logger } from '../../observability/logger.js';
import type { AlertGroupMessage, Channel, NotifyResult } from '../channels/types.js';
import type { RetryPolicy, SendBudget } from '../lease.js';

export interface SendDeps {
  retry: RetryPolicy;
  sleep: Sleep;
  random: () => number;
  logger: Logger;
  /** The invocation's deadline or shutdown: ends the send (and its waits) early. */
  signal?: AbortSignal | undefined;
}

export interface SendOutcome {
  result: NotifyResult;
  attempts: number;
}

export async function sendWithRetry(
  channel: Channel,
  message: AlertGroupMessage,
  budget: SendBudget,
  deps: SendDeps,
): Promise<SendOutcome> {
  const { retry } = deps;
  let result: NotifyResult = { ok: false, retry: false, reason: 'client-error', error: 'not attempted' };
  for (let attempt = 1; attempt <= retry.maxAttempts; attempt++) {
    try {
      result = await channel.notify(message, budget.signal(deps.signal));
    } catch (error) {
      // Channels should not throw; if one does, its text may hold anything, so it is not reported.
      deps.logger.error('channel threw', { channel: channel.name, error: (error as Error)?.name });
      result = { ok: false, retry: false, reason: 'client-error', error: `${channel.name}: channel failed` };
    }
    if (result.ok || !result.retry || attempt === retry.maxAttempts) return { result, attempts: attempt };
    if (result.retryAfterMs !== undefined && result.retryAfterMs > retry.maxRetryAfterMs)
      return { result, attempts: attempt };
    const delay = Math.max(result.retryAfterMs ?? 0, backoffDelayMs(attempt, retry, deps.random));
    // Past the budget the lease may lapse and another notifier send the same message: stop here, the
    // group is tried again at its next interval.
    if (delay >= budget.remainingMs()) return { result, attempts: attempt };
    try {
      await deps.sleep(delay, deps.signal);
    } catch {
      return { result, attempts: attempt };
    }
  }
  return { result, attempts: retry.maxAttempts };
}
