/**
 * What every provider's actions share: the verification loop (vendors answer an action before the work is
 * done, so each one polls until the expected state or the timeout) and the builders of ActionOutcomes.
 */

import type { z } from 'zod';
import type { Sleep } from '../async/sleep.js';
import { HttpCallError } from '../http/errors.js';
import type { ActionName, ActionOutcome, ActionRequest, ProviderContext } from './types.js';

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

/** What an action's vendor calls get from its context: the clock and, when set, the deadline signal. */
export function callContext(ctx: Pick<ProviderContext, 'now' | 'signal'>): {
  now: () => number;
  signal?: AbortSignal;
} {
  return { now: ctx.now, ...(ctx.signal ? { signal: ctx.signal } : {}) };
}

/** Where and how long an action verifies: its context's clock and signal, its request's timeout and interval. */
export interface VerifyWindow {
  ctx: Pick<ProviderContext, 'now' | 'signal'>;
  request: Pick<ActionRequest, 'verifyTimeoutMs' | 'verifyIntervalMs'>;
  startedMs: number;
  sleep: Sleep;
}

/** pollUntil inside an action's verify window. */
export function pollWithin<T>(
  window: VerifyWindow,
  read: () => Promise<T>,
  decide: PollOptions<T>['decide'],
  options: Pick<PollOptions<T>, 'retryReads'> = {},
): Promise<PollResult<T>> {
  return pollUntil({
    read,
    decide,
    now: window.ctx.now,
    sleep: window.sleep,
    signal: window.ctx.signal,
    startedMs: window.startedMs,
    verifyTimeoutMs: window.request.verifyTimeoutMs,
    verifyIntervalMs: window.request.verifyIntervalMs,
    ...options,
  });
}

type FailedBody = Exclude<OutcomeBody, { ok: true }>;

/** Thrown inside an action to end it at once with this outcome (a refusal, a failure, a timeout). */
export class ActionStop extends Error {
  constructor(readonly outcome: FailedBody) {
    super(outcome.message);
  }
}

/** Ends the action as rejected (not retryable): the request cannot be done in the resource's state. */
export function rejectAction(message: string): never {
  throw new ActionStop({ ok: false, status: 'rejected', message, retryable: false });
}

/** The outcome for what ended an action early: its ActionStop, a vendor call's failure, the deadline. */
export function failureBody(error: unknown): FailedBody {
  if (error instanceof ActionStop) return error.outcome;
  if (error instanceof HttpCallError) {
    const retryable = isRetryableFailure(error);
    return { ok: false, status: retryable ? 'failed' : 'rejected', message: error.message, retryable };
  }
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))
    return { ok: false, status: 'timeout', message: 'aborted: time budget exhausted', retryable: true };
  return {
    ok: false,
    status: 'failed',
    message: error instanceof Error ? error.message : String(error),
    retryable: false,
  };
}

/** The request's params read with the provider's schema; invalid ones end the action as rejected. */
export function parseActionParams<T>(schema: z.ZodType<T>, request: Pick<ActionRequest, 'params'>): T {
  const params = schema.safeParse(request.params ?? {});
  if (params.success) return params.data;
  throw new ActionStop({
    ok: false,
    status: 'rejected',
    message: `invalid params: ${params.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    retryable: false,
  });
}

/** Ends the action as unsupported: this provider cannot do it on this resource. */
export function unsupportedAction(request: Pick<ActionRequest, 'action' | 'resource'>): never {
  const { action, resource } = request;
  throw new ActionStop({
    ok: false,
    status: 'unsupported',
    message: `${action} is not supported for ${resource.kind} ${resource.jobKind ?? ''}`.trim(),
    retryable: false,
  });
}

/**
 * Runs one action: `run` returns the success body or throws (ActionStop, a vendor failure, the deadline);
 * either way the outcome carries the action and the time spent.
 */
export async function runAction(
  action: ActionName,
  ctx: Pick<ProviderContext, 'now'>,
  run: (startedMs: number) => Promise<OutcomeBody>,
): Promise<ActionOutcome> {
  const startedMs = ctx.now();
  let body: OutcomeBody;
  try {
    body = await run(startedMs);
  } catch (error) {
    body = failureBody(error);
  }
  return finishOutcome(action, startedMs, ctx.now, body);
}
