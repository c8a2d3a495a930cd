import { setMaxListeners } from 'node:events';
import type { Context } from 'aws-lambda';

/** Time left for wrapping up (logging, dead-lettering, returning a report) after the signal fires. */
export const DEFAULT_EARLY_MS = 1_000;

/**
 * An AbortSignal that fires `earlyMs` before the Lambda's own timeout (middy's `timeoutEarlyInMillis`), so
 * a slow vendor ends as a "timed out" finding in our events instead of a killed invocation. The reason is
 * a `TimeoutError` DOMException, as with `AbortSignal.timeout`. Already aborted when less than `earlyMs`
 * remains.
 *
 * @example
 * export const handler = async (event, context) => pollTarget(target, { signal: deadlineSignal(context, 2_000) });
 */
export function deadlineSignal(
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  earlyMs: number = DEFAULT_EARLY_MS,
): AbortSignal {
  const budgetMs = Math.floor(context.getRemainingTimeInMillis() - earlyMs);
  if (budgetMs <= 0) {
    return AbortSignal.abort(
      new DOMException('Lambda deadline already within the safety margin', 'TimeoutError'),
    );
  }
  // AbortSignal.timeout's timer is unref'd: it never keeps a finished invocation (or a test) alive.
  const signal = AbortSignal.timeout(budgetMs);
  // Every in-flight vendor call listens on this one signal; hundreds at once are expected, not a leak.
  setMaxListeners(0, signal);
  return signal;
}
