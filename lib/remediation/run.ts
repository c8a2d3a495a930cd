/**
 * The shapes every remediation stage shares: what the remediator is given, what one `handle` call knows
 * while it runs (its lease owner, its report, its errors), and a finding as it moves through the stages
 * (a Candidate after match, Held once claimed).
 */

import { type Sleep, sleep } from '../async/sleep.js';
import type { Config, TargetConfig } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import type { JobwatchEvent } from '../events/schema.js';
import type { ProviderId } from '../model/snapshot.js';
import type { Logger } from '../observability/logger.js';
import type { ActionName, ActionTarget, Provider } from '../providers/types.js';
import type { Store } from '../state/store.js';
import { cleanVendorText } from '../text/scrub.js';
import { MAX_ERROR_CHARS } from '../text/trim.js';
import { ACTION_SPECS } from './actions.js';
import type { Outcome, RemediationDecision } from './audit.js';
import type { RemediationConfig, RemediationMode, RemediationPolicy } from './config.js';
import type { Facts, GuardVerdict, JobLedger, SkipCode } from './guards.js';
import type { FindingRecord } from './ledger.js';

export interface RemediatorDeps {
  config: Config;
  store: Store;
  providers: Partial<Record<ProviderId, Provider>>;
  publish: (events: JobwatchEvent[]) => Promise<void>;
  secrets: SecretResolver;
  logger: Logger;
  now: () => number;
  /** The backoff between attempts; lib/async/sleep.ts unless a test injects a simulated clock's. */
  sleep?: Sleep;
  /** Who acted, for the audit trail (the Lambda request id); random when omitted. */
  invocationId?: string;
  /** Fires before the invocation's deadline: no new attempt starts after it. */
  signal?: AbortSignal;
}

export interface DecisionSummary {
  eventId: string;
  fingerprint: string;
  jobKey: string;
  jobName: string;
  policy: string;
  action: ActionName;
  mode: RemediationMode;
  /** `duplicate`: another invocation owns this finding, nothing was said; `error`: the decision broke. */
  decision: RemediationDecision | 'duplicate' | 'error';
  outcome?: Outcome;
  reasonCode?: SkipCode;
  reason: string;
  /** Vendor actions sent for this finding in this invocation. */
  attempts: number;
  /** Remediation events published for this finding. */
  events: number;
}

export interface RemediationReport {
  invocationId: string;
  received: number;
  /** Resolved findings and remediation events, which are never acted on. */
  ignored: number;
  /** Firing findings no policy matched. */
  unmatched: number;
  /** Findings deferred by an earlier invocation (cooldown, lock, time window, blast radius) looked at again. */
  reconsidered: number;
  decisions: DecisionSummary[];
  published: number;
  publishErrors: number;
}

/** One `handle` call: everything the stages share while deciding one batch of findings. */
export interface Run {
  deps: RemediatorDeps;
  remediation: RemediationConfig;
  sleep: Sleep;
  /** The lease owner: each call owns its leases under its own name, so two calls exclude each other. */
  owner: string;
  /** Who decided, for the audit trail: the remediator and its invocation. */
  actor: string;
  report: RemediationReport;
  /** Decisions that broke; the call fails with them at the end so it is retried. */
  errors: unknown[];
}

/** A fresh run: nothing received or decided yet. `owner` names this call's leases and claims. */
export function startRun(deps: RemediatorDeps, ids: { invocationId: string; owner: string }): Run {
  return {
    deps,
    remediation: deps.config.remediation,
    sleep: deps.sleep ?? sleep,
    owner: ids.owner,
    actor: `jobwatch-remediator/${ids.invocationId}`,
    report: {
      invocationId: ids.invocationId,
      received: 0,
      ignored: 0,
      unmatched: 0,
      reconsidered: 0,
      decisions: [],
      published: 0,
      publishErrors: 0,
    },
    errors: [],
  };
}

/** One finding with the policy that matched it (the output of the match stage). */
export interface Candidate {
  event: JobwatchEvent;
  policy: RemediationPolicy;
  mode: RemediationMode;
  facts: Facts;
  target: TargetConfig | undefined;
  provider: Provider | undefined;
  /** A deferred finding looked at again: old by design, so its age is not held against it. */
  reconsidered: boolean;
  summary: DecisionSummary;
  /** Set when a person answered this finding's approval: an approved finding is acted on without asking. */
  approval?: { id: string; by?: string };
}

/** A finding this call has claimed, with the job lease held and the job's ledger read (the claim stage). */
export interface Held extends Candidate {
  target: TargetConfig;
  provider: Provider;
  resource: ActionTarget;
  ledger: JobLedger;
  previous?: FindingRecord;
}

export type Skip = Extract<GuardVerdict, { pass: false }>;

/**
 * A later occurrence of an open incident (the job failed again after a restart) is a finding of its own:
 * remediation may act on it once, as on the first.
 */
export const occurrenceOf = (event: JobwatchEvent): { occurrence?: number } =>
  event.data.occurrence !== undefined && event.data.occurrence > 1
    ? { occurrence: event.data.occurrence }
    : {};

/** The finding record this call owns, as the ledger functions address it. */
export const findingRef = (run: Run, c: Candidate) => ({
  fingerprint: c.event.data.fingerprint,
  startsAtMs: c.event.data.startsAtMs,
  ...occurrenceOf(c.event),
  owner: run.owner,
});

/** What a provider action is aimed at; undefined for a finding about a whole target. */
export function actionTarget(event: JobwatchEvent): ActionTarget | undefined {
  const r = event.data.resource;
  if (r.kind === 'target' || r.scope.kind === 'target') return undefined;
  return {
    key: r.key,
    kind: r.kind,
    ...(r.jobKind ? { jobKind: r.jobKind } : {}),
    vendorId: r.vendorId,
    ...(r.instanceId ? { instanceId: r.instanceId } : {}),
    scope: { kind: r.scope.kind, id: r.scope.id },
    name: r.name,
  };
}

/** Words for messages: "restart", "Restart from checkpoint". */
export const verb = (c: Candidate) => ACTION_SPECS[c.policy.action.type].verb;
export const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Vendor text for events and the audit: flat, short, and without anything that looks like a credential. */
export const cleanText = (text: string) => cleanVendorText(text, MAX_ERROR_CHARS) ?? '';

/** A decision that broke: kept for the call's error, said in the summary and the log. */
export function fail(run: Run, c: Candidate, error: unknown): void {
  run.errors.push(error);
  c.summary.decision = 'error';
  c.summary.reason = error instanceof Error ? `${error.name}: ${cleanText(error.message)}` : 'unknown error';
  run.deps.logger.error('remediation decision failed', {
    job: c.event.data.resource.key,
    policy: c.policy.name,
    error: c.summary.reason,
  });
}
