/**
 * What every provider's actions share: the verification loop (vendors answer an action before the work is
 * done, so each one polls until the expected state or the timeout) and the builders of ActionOutcomes.
 */

import type { z } from 'zod';
import { type Sleep, sleep } from '../async/sleep.js';
import type { ProviderTarget } from '../config/target.js';
import { HttpCallError } from '../http/errors.js';
import type { JobState } from '../model/snapshot.js';
import type { ActionName, ActionOutcome, ActionRequest, ProviderActions, ProviderContext } from './types.js';

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

/** Ends the action as failed: it ran and ended wrong. */
export function failAction(message: string, fields: { finalState?: JobState; retryable: boolean }): never {
  throw new ActionStop({ ok: false, status: 'failed', message, ...fields });
}

/** How to wait for a resource's vendor status, and how the messages name it. */
export interface StatusWait<T> {
  read: () => Promise<T>;
  statusOf: (value: T) => string;
  want: string;
  /** Whether a read shows the run waited for (a resume or a start makes a new one); every read when not given. */
  fresh?: (value: T) => boolean;
  stateOf: (value: T) => JobState;
  /** The resource as the messages name it ("job x"). */
  what: string;
  /** Why it failed, when the vendor says; added to the message in parentheses. */
  reasonOf?: (value: T) => string | undefined;
}

/**
 * Polls until the status is `want` and returns the last read. FAILED while waiting for anything else ends
 * the action as failed; the verify timeout as timed out (retryable) with the state last read; an abort with
 * its reason. A failed read ends the action at once (the client has retried it already).
 */
export async function waitForStatus<T>(window: VerifyWindow, wait: StatusWait<T>): Promise<T> {
  const fresh = wait.fresh ?? (() => true);
  const polled = await pollWithin(
    window,
    wait.read,
    (value) => {
      const status = wait.statusOf(value);
      if (status === wait.want && fresh(value)) return 'done';
      return status === 'FAILED' && wait.want !== 'FAILED' && fresh(value) ? 'failed' : 'wait';
    },
    { retryReads: false },
  );
  const value = polled.last as T;
  if (polled.result === 'done') return value;
  if (polled.result === 'failed') {
    const reason = wait.reasonOf?.(value);
    failAction(`${wait.what} reached FAILED while waiting for ${wait.want}${reason ? ` (${reason})` : ''}`, {
      finalState: 'FAILED',
      retryable: false,
    });
  }
  if (polled.aborted) throw window.ctx.signal?.reason;
  throw new ActionStop({
    ok: false,
    status: 'timeout',
    finalState: wait.stateOf(value),
    message: `${wait.what} still ${wait.statusOf(value)} after ${window.request.verifyTimeoutMs} ms, expected ${wait.want}`,
    retryable: true,
  });
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

/**
 * A provider's job actions as a table: what it supports, how it reads a state, a handler per action, its
 * params, how an action's session opens and how the state is read back once the handler is done.
 */
export interface JobActionTable<T extends ProviderTarget, S extends VerifyWindow, P> {
  supports: ProviderActions['supports'];
  readState: ProviderActions<T>['readState'];
  handlers: Partial<Record<ActionName, (session: S) => Promise<string>>>;
  params: z.ZodType<P>;
  /** The session's provider part once the checks every provider makes passed; may refuse (ActionStop). */
  open: (
    target: T,
    request: ActionRequest,
    ctx: ProviderContext,
    params: P,
  ) => Promise<Omit<S, keyof VerifyWindow>>;
  finalState: (session: S) => Promise<JobState>;
}

/**
 * A provider's actions on jobs in a project scope. Each action: unsupported unless the provider has a
 * handler and the resource supports it, params read with the provider's schema, the session opened (its
 * verify window from the request), the handler, the state read again.
 */
export function jobActions<T extends ProviderTarget, S extends VerifyWindow, P>(
  table: JobActionTable<T, S, P>,
): ProviderActions<T> {
  return {
    supports: table.supports,
    readState: table.readState,
    perform: (target, request, ctx) =>
      runAction(request.action, ctx, async (startedMs) => {
        const handler = table.handlers[request.action];
        if (
          !handler ||
          !table.supports(request.resource).includes(request.action) ||
          request.resource.scope.kind !== 'project'
        )
          unsupportedAction(request);
        const params = parseActionParams(table.params, request);
        const opened = await table.open(target, request, ctx, params);
        // The provider's part and the verify window make the whole session (TS cannot join Omit<S> back to S).
        const session = { ...opened, request, ctx, startedMs, sleep } as unknown as S;
        const message = await handler(session);
        return {
          ok: true,
          finalState: await table.finalState(session),
          message: `${request.resource.name}: ${message}`,
        };
      }),
  };
}
