/**
 * What every provider's actions share: the verification loop (vendors answer an action before the work is
 * done, so each one polls until the expected state or the timeout) and the builders of ActionOutcomes.
 */

import type { Sleep } from '../async/sleep.js';
import { HttpCallError } from '../http/errors.js';
import type { ActionName, ActionOutcome } from './types.js';

export const DEFAULT_VERIFY_INTERVAL_MS = 5_000;

export type PollVerdict = 'done' | 'failed' | 'wait';

export interface PollOptions<T> {
  /** One read of the vendor state. */
  read: () => Promise<T>;
  /** Whether `value` (read at poll number `polls`, from 1) ends the wait. */
  decide: (value: T, polls: number) => PollVerdict;
  now: () => number;
  /** Rejects when the signal aborts (lib/async/sleep.ts, or a simulated clock's in tests). */
  sleep: Sleep;
  signal?: AbortSignal | undefined;
  /** Start of the verify window: the action's start or the moment the vendor accepted it. */
  startedMs: number;
  verifyTimeoutMs: number;
  verifyIntervalMs?: number | undefined;
  /** Read failures are retried until the deadline; `false` throws the first one instead. */
  retryReads?: boolean;
}

export interface PollResult<T> {
  result: 'done' | 'failed' | 'timeout';
  /** The last value read, when any read succeeded. */
  last?: T;
  /** The failure of the last read, when the last read failed. */
  error?: unknown;
  /** The wait ended because the signal aborted. */
  aborted: boolean;
  polls: number;
}

/**
 * Reads until `decide` says done or failed. Never sleeps past the deadline: when the next read could only
 * come after it, the result is a timeout carrying the last value and the last read's error.
 */
export async function pollUntil<T>(options: PollOptions<T>): Promise<PollResult<T>> {
  const intervalMs = options.verifyIntervalMs ?? DEFAULT_VERIFY_INTERVAL_MS;
  const deadlineMs = options.startedMs + options.verifyTimeoutMs;
  let last: { value: T } | undefined;
  let error: unknown;
  const timeout = (aborted: boolean, polls: number): PollResult<T> => ({
    result: 'timeout',
    ...(last ? { last: last.value } : {}),
    ...(error === undefined ? {} : { error }),
    aborted,
    polls,
  });
  for (let polls = 1; ; polls++) {
    try {
      const value = await options.read();
      last = { value };
      error = undefined;
      const verdict = options.decide(value, polls);
      if (verdict !== 'wait') return { result: verdict, last: value, aborted: false, polls };
    } catch (readError) {
      if (options.retryReads === false) throw readError;
      error = readError;
    }
    if (options.signal?.aborted) return timeout(true, polls);
    if (options.now() + intervalMs > deadlineMs) return timeout(false, polls);
    try {
      await options.sleep(intervalMs, options.signal);
    } catch {
      return timeout(true, polls);
    }
  }
}

/** Failure kinds where trying the action again later could succeed. */
const RETRYABLE_KINDS: ReadonlySet<string> = new Set(['throttled', 'server-error', 'timeout', 'unreachable']);

export function isRetryableFailure(error: unknown): boolean {
  return error instanceof HttpCallError && RETRYABLE_KINDS.has(error.kind);
}

export type FailedOutcome = Extract<ActionOutcome, { ok: false }>;

interface OutcomeFields {
  action: ActionName;
  message: string;
  durationMs: number;
  finalState?: string | undefined;
}

const withState = (finalState: string | undefined) => (finalState === undefined ? {} : { finalState });

export function verifiedOutcome(fields: OutcomeFields): ActionOutcome {
  const { action, message, durationMs, finalState } = fields;
  return { ok: true, status: 'verified', action, ...withState(finalState), message, durationMs };
}

function failure(
  status: FailedOutcome['status'],
  fields: OutcomeFields & { retryable?: boolean | undefined },
  retryableByDefault: boolean,
): FailedOutcome {
  const { action, message, durationMs, finalState, retryable } = fields;
  return {
    ok: false,
    status,
    action,
    ...withState(finalState),
    message,
    durationMs,
    retryable: retryable ?? retryableByDefault,
  };
}

/** The request was refused (by us or by the vendor); not retryable unless said. */
export const rejectedOutcome = (fields: OutcomeFields & { retryable?: boolean }) =>
  failure('rejected', fields, false);

/** The action ran and ended wrong; not retryable unless said. */
export const failedOutcome = (fields: OutcomeFields & { retryable?: boolean }) =>
  failure('failed', fields, false);

/** Accepted but not confirmed in time; retryable unless said. */
export const timedOutOutcome = (fields: OutcomeFields & { retryable?: boolean }) =>
  failure('timeout', fields, true);

/** The provider cannot do this action on this resource; never retryable. */
export const unsupportedOutcome = (fields: OutcomeFields) => failure('unsupported', fields, false);

/** An outcome body without action and duration, as the three providers' handlers produce them. */
export type OutcomeBody =
  | { ok: true; finalState?: string; message: string }
  | Omit<FailedOutcome, 'action' | 'durationMs'>;

/** Completes a body with the action and the time spent since `startedMs`. */
export function finishOutcome(
  action: ActionName,
  startedMs: number,
  now: () => number,
  body: OutcomeBody,
): ActionOutcome {
  const durationMs = now() - startedMs;
  return body.ok
    ? verifiedOutcome({ action, message: body.message, durationMs, finalState: body.finalState })
    : failure(body.status, { ...body, action, durationMs }, body.retryable);
}
