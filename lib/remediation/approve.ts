/**
 * A person's answer to an approval request, and the approved run. Answering is one conditional write
 * (pending -> approved | rejected | expired), so of any number of presses one wins; running is another
 * (approved -> running), so the approved action runs once. The run is the executor's own stages on the
 * stored finding: guards (not resolved since, still actionable), claim (idempotency, job lease, budget,
 * cooldown, blast radius), act (a fresh vendor read, the call), verify and audit. Nothing is skipped
 * because a person said yes.
 */

import { act } from './act.js';
import { APPROVAL_ID, type ApprovalRecord, transitionApproval } from './approval.js';
import { claim, limitBlastRadius, release } from './claim.js';
import { publishDecision } from './decision.js';
import { formatDuration } from './guards.js';
import { candidateFor } from './match.js';
import { preflight, skipUnclaimed } from './preflight.js';
import { type Candidate, fail, type Run, verb } from './run.js';

export type ApprovalVerdict = 'approve' | 'reject';

export type ApprovalAnswer =
  | { ok: true; state: 'approved' | 'rejected'; message: string; record: ApprovalRecord }
  | { ok: false; status: 404 | 409 | 410; message: string };

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function candidateOf(run: Run, record: ApprovalRecord, by?: string): Candidate | undefined {
  const policy = run.remediation.policies.find((p) => p.name === record.policy);
  if (!policy) return undefined;
  const c = candidateFor(run, record.event, policy, true);
  c.approval = { id: record.id, ...(by ? { by } : {}) };
  return c;
}

/** Approve or reject; an answer after the window expires the request instead. Never throws on a bad id. */
export async function answerApproval(
  run: Run,
  input: { id: string; verdict: ApprovalVerdict; by: string },
): Promise<ApprovalAnswer> {
  const nowMs = run.deps.now();
  const answered = input.verdict === 'approve' ? 'approved' : 'rejected';
  if (!APPROVAL_ID.test(input.id))
    return { ok: false, status: 404, message: 'that is not an approval id (apr- and 20 hex digits)' };
  const t = await transitionApproval(run.deps.store, input.id, ['pending'], (r) => ({
    ...r,
    state: nowMs > r.expiresAtMs ? 'expired' : answered,
    decidedBy: input.by,
    decidedAtMs: nowMs,
  }));
  if (!t.ok) {
    const r = t.record;
    if (!r) return { ok: false, status: 404, message: `there is no approval ${input.id}` };
    if (r.state === 'expired') return { ok: false, status: 410, message: expiredMessage(r) };
    return {
      ok: false,
      status: 409,
      message: `this approval was answered already (${r.state}${r.decidedBy ? ` by ${r.decidedBy}` : ''}${r.decidedAtMs ? ` at ${iso(r.decidedAtMs)}` : ''}); nothing more was done`,
    };
  }
  const record = t.record;
  const c = candidateOf(run, record, input.by);
  const notDone = c && notDoneDecision(record, c, input.by, nowMs);
  if (c && notDone) await publishDecision(run, c, 'skipped', { severity: 'info', ...notDone });
  if (record.state === 'expired') return { ok: false, status: 410, message: expiredMessage(record) };
  if (record.state === 'rejected')
    return {
      ok: true,
      state: 'rejected',
      record,
      message: `Rejected: the ${record.action} of ${record.jobName} will not run.`,
    };
  return {
    ok: true,
    state: 'approved',
    record,
    message: `Approved: the ${record.action} of ${record.jobName} runs now, through every guardrail; its outcome goes to the channel and the audit trail.`,
  };
}

/** The decision an answer that stops the action publishes: expired (answered too late) or rejected. */
function notDoneDecision(record: ApprovalRecord, c: Candidate, by: string, nowMs: number) {
  if (record.state === 'expired')
    return {
      outcome: 'skipped',
      reasonCode: 'approval-expired',
      reason: `approval ${record.id} expired: ${by} answered at ${iso(nowMs)}, after its ${formatDuration(record.expiresAtMs - record.requestedAtMs)} window ended at ${iso(record.expiresAtMs)}; nothing was done`,
      title: `Approval expired: ${verb(c)} ${record.jobName} not done`,
    } as const;
  if (record.state === 'rejected')
    return {
      outcome: 'rejected',
      reasonCode: 'approval-rejected',
      reason: `${verb(c)} of ${record.jobName} rejected by ${by} (approval ${record.id}); nothing was done`,
      title: `Rejected: ${verb(c)} ${record.jobName}`,
    } as const;
  return undefined;
}

function expiredMessage(r: ApprovalRecord): string {
  return `this approval expired at ${iso(r.expiresAtMs)} (its window is ${formatDuration(r.expiresAtMs - r.requestedAtMs)}); nothing was done`;
}

/**
 * Runs an approved action once (approved -> running -> done). Undefined when it is not approved or another
 * call already runs it.
 */
export async function runApproved(run: Run, id: string): Promise<Candidate | undefined> {
  const { store } = run.deps;
  if (!APPROVAL_ID.test(id)) return undefined;
  const t = await transitionApproval(store, id, ['approved'], (r) => ({ ...r, state: 'running' }));
  if (!t.ok) return undefined;
  const record = t.record;
  const c = candidateOf(run, record, record.decidedBy);
  try {
    if (!c) {
      run.deps.logger.warn('approved remediation has no policy any more; not acting', {
        approval: id,
        policy: record.policy,
      });
      return undefined;
    }
    run.report.received += 1;
    run.report.decisions.push(c.summary);
    try {
      const verdict = await preflight(run, c);
      if (!verdict.pass) {
        await skipUnclaimed(run, c, verdict);
        return c;
      }
      const held = await claim(run, c, new Set());
      if (!held) return c;
      const [acting] = await limitBlastRadius(run, [held]);
      if (!acting) return c;
      try {
        await act(run, acting);
      } finally {
        await release(run, acting);
      }
    } catch (error) {
      fail(run, c, error);
    }
    return c;
  } finally {
    await transitionApproval(store, id, ['running'], (r) => ({ ...r, state: 'done' }));
  }
}
