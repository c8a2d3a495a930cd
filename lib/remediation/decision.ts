/**
 * The audit stage: every decision (acted, skipped with its reason, failed) is written to the audit trail
 * first, then published as one `remediation.*` event, so a decision a channel heard about is always in
 * `jobwatch remediation history`. A publish failure is counted, never thrown: the decision stands.
 */
import { buildEvent } from '../events/build.js';
import type { Severity } from '../events/types.js';
import { type AuditRecord, type Outcome, type RemediationDecision, writeAudit } from './audit.js';
import type { SkipCode } from './guards.js';
import { type Candidate, cleanText, type Run, type Skip, verb } from './run.js';

/** Skips a person should look at: the remediator could not do its job, or was held back on purpose. */
const WARNING_SKIPS: ReadonlySet<SkipCode> = new Set(['blast-radius', 'locked', 'vendor-read-failed']);

export interface DecisionDetail {
  severity: Severity;
  outcome: Outcome;
  reason: string;
  title: string;
  reasonCode?: SkipCode;
  /** "2/3": this attempt against the job's budget. */
  attempt?: string;
  finalState?: string;
  durationMs?: number;
  /** An approval request: its id and when it lapses, so a channel can offer Approve / Reject. */
  approvalRequest?: { id: string; expiresAtMs: number };
}

const occurrenceSuffix = (occurrence: number | undefined) =>
  occurrence !== undefined && occurrence > 1 ? `#${occurrence}` : '';

/** The audit record and the event of one decision, built from the same facts at the same instant. */
export function decisionRecord(
  c: Candidate,
  decision: RemediationDecision,
  detail: DecisionDetail,
  context: { nowMs: number; actor: string },
) {
  const data = c.event.data;
  const event = buildEvent({
    type: `remediation.${decision}`,
    provider: data.provider,
    targetId: data.targetId,
    region: data.region,
    resource: data.resource,
    severity: detail.severity,
    status: 'firing',
    title: detail.title,
    summary: detail.reason,
    labels: data.labels,
    links: data.links,
    values: {
      action: c.policy.action.type,
      mode: c.mode,
      outcome: detail.outcome,
      attempt: detail.attempt ?? null,
      reason: detail.reason,
      reasonCode: detail.reasonCode ?? null,
      policy: c.policy.name,
      trigger: data.type,
      triggerFingerprint: data.fingerprint,
      ...(detail.finalState ? { finalState: detail.finalState } : {}),
      ...(detail.approvalRequest
        ? {
            approvalId: detail.approvalRequest.id,
            approvalExpiresAtMs: detail.approvalRequest.expiresAtMs,
          }
        : {}),
    },
    discriminator: `${data.fingerprint}@${data.startsAtMs}${occurrenceSuffix(data.occurrence)}/${c.policy.name}/${detail.outcome}/${detail.attempt ?? detail.reasonCode ?? ''}`,
    startsAtMs: context.nowMs,
  });
  const record: AuditRecord = {
    id: event.id,
    atMs: context.nowMs,
    decision,
    mode: c.mode,
    policy: c.policy.name,
    action: c.policy.action.type,
    outcome: detail.outcome,
    reason: detail.reason,
    ...(detail.reasonCode ? { reasonCode: detail.reasonCode } : {}),
    ...(detail.attempt ? { attempt: detail.attempt } : {}),
    actor: context.actor,
    job: {
      key: data.resource.key,
      name: data.resource.name,
      kind: data.resource.kind === 'target' ? 'job' : data.resource.kind,
      provider: data.provider,
      targetId: data.targetId,
      vendorId: data.resource.vendorId,
    },
    trigger: {
      type: data.type,
      fingerprint: data.fingerprint,
      startsAtMs: data.startsAtMs,
      severity: data.severity,
      eventId: c.event.id,
    },
    ...(detail.finalState ? { finalState: detail.finalState } : {}),
    ...(detail.durationMs === undefined ? {} : { durationMs: detail.durationMs }),
    ...(c.approval ? { approval: c.approval } : {}),
  };
  return { event, record };
}

/** Records one decision: audit first, then the event; the finding's summary says what was decided. */
export async function publishDecision(
  run: Run,
  c: Candidate,
  decision: RemediationDecision,
  detail: DecisionDetail,
): Promise<void> {
  const { deps, report } = run;
  const { event, record } = decisionRecord(c, decision, detail, { nowMs: deps.now(), actor: run.actor });
  c.summary.decision = decision;
  c.summary.outcome = detail.outcome;
  c.summary.reason = detail.reason;
  if (detail.reasonCode) c.summary.reasonCode = detail.reasonCode;
  c.summary.events += 1;
  // The audit comes first: a decision the channel heard about must be in the history.
  await writeAudit(deps.store, record, run.remediation.auditRetentionDays);
  try {
    await deps.publish([event]);
    report.published += 1;
  } catch (error) {
    report.publishErrors += 1;
    deps.logger.error('remediation event could not be published', {
      eventId: event.id,
      type: event.data.type,
      error: error instanceof Error ? { name: error.name, message: cleanText(error.message) } : 'unknown',
    });
  }
  deps.logger.info('remediation decision', {
    decision,
    outcome: detail.outcome,
    policy: c.policy.name,
    action: c.policy.action.type,
    mode: c.mode,
    job: c.event.data.resource.key,
    reasonCode: detail.reasonCode,
    attempt: detail.attempt,
  });
}

/** A skip, said as a decision: a warning when a person should look, information otherwise. */
export const publishSkip = (run: Run, c: Candidate, verdict: Skip) =>
  publishDecision(run, c, 'skipped', {
    severity: WARNING_SKIPS.has(verdict.code) ? 'warning' : 'info',
    outcome: 'skipped',
    reason: verdict.reason,
    reasonCode: verdict.code,
    title: `Skipped ${verb(c)} of ${c.event.data.resource.name}: ${verdict.code}`,
  });

/** A skip already said for this finding: the summary says it again, the channels and the audit do not. */
export function noteQuietSkip(c: Candidate, verdict: Skip): void {
  c.summary.decision = 'skipped';
  c.summary.outcome = 'skipped';
  c.summary.reasonCode = verdict.code;
  c.summary.reason = verdict.reason;
}
