/**
 * The verify stage. A provider's `perform` sends the action and then reads the job until it reaches the
 * state the action promises or the policy's verify timeout passes; this stage judges that outcome: verified
 * (the finding is decided), worth another attempt within the budget, or given up on (a person is needed).
 */
import type { ActionOutcome } from '../providers/types.js';
import { escalate, finish } from './claim.js';
import { publishDecision } from './decision.js';
import { formatDuration } from './guards.js';
import { capital, cleanText, type Held, type Run, verb } from './run.js';

export type Judgement = { kind: 'verified' } | { kind: 'retry' } | { kind: 'give-up'; why: string };

/**
 * What to do after one attempt. The local count of attempts sent bounds the loop even if the ledger could
 * not be read back; no new attempt starts after the invocation's deadline.
 */
export function judge(
  outcome: { ok: true } | { ok: false; retryable: boolean },
  input: { attemptNo: number; attemptsSent: number; budgetMax: number; aborted: boolean },
): Judgement {
  if (outcome.ok) return { kind: 'verified' };
  if (!outcome.retryable) return { kind: 'give-up', why: 'not retryable' };
  if (input.aborted) return { kind: 'give-up', why: 'invocation deadline reached' };
  if (input.attemptNo >= input.budgetMax || input.attemptsSent >= input.budgetMax)
    return { kind: 'give-up', why: 'budget spent' };
  return { kind: 'retry' };
}

/** Asks for a person after a failed attempt: the job's budget is closed until its window passes. */
export function giveUp(run: Run, h: Held, attempt: string, outcome: ActionOutcome, why: string) {
  return escalate(run, h, {
    outcome: 'gave-up',
    title: `${capital(verb(h))} ${attempt} of ${h.event.data.resource.name} failed, giving up`,
    reason: `${verb(h)} ${attempt} failed, giving up (${why}; ${outcome.status}: ${cleanText(outcome.message)}); a person is needed`,
  });
}

/** Says what one attempt came to; `retry` when another attempt should follow after the backoff. */
export async function verify(
  run: Run,
  h: Held,
  outcome: ActionOutcome,
  attempt: { no: number; label: string },
): Promise<'done' | 'retry'> {
  const message = cleanText(outcome.message);
  const durationMs = outcome.durationMs;
  const finalState = outcome.finalState === undefined ? undefined : String(outcome.finalState);
  const judgement = judge(outcome, {
    attemptNo: attempt.no,
    attemptsSent: h.summary.attempts,
    budgetMax: h.policy.guards.budget.max,
    aborted: run.deps.signal?.aborted === true,
  });
  if (judgement.kind === 'verified') {
    await publishDecision(run, h, 'performed', {
      severity: 'info',
      outcome: 'verified',
      attempt: attempt.label,
      finalState,
      durationMs,
      title: `${capital(verb(h))} of ${h.event.data.resource.name} done (${attempt.label})`,
      reason: `${verb(h)} ${attempt.label} verified in ${formatDuration(durationMs)}${finalState ? `: job is ${finalState}` : ''} (${h.event.data.type})`,
    });
    await finish(run, h, 'performed');
    return 'done';
  }
  if (judgement.kind === 'give-up') {
    await giveUp(run, h, attempt.label, outcome, judgement.why);
    return 'done';
  }
  await publishDecision(run, h, 'failed', {
    severity: 'warning',
    outcome: outcome.status,
    attempt: attempt.label,
    finalState,
    durationMs,
    title: `${capital(verb(h))} ${attempt.label} of ${h.event.data.resource.name} failed, retrying`,
    reason: `${verb(h)} ${attempt.label} failed (${outcome.status}: ${message}); retrying in ${formatDuration(h.policy.retryBackoffSeconds * 1000)}`,
  });
  return 'retry';
}
