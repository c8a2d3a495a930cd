/**
 * The remediation executor: findings in, decisions out. Every guardrail runs here, in one place and in one
 * order, before any provider action; every decision becomes a `remediation.*` event and an audit record.
 *
 * Order per finding: match a policy -> freshness (event age, already resolved) -> event guards (state, vendor
 * auto-restart, persistence, time window) -> claim the finding (idempotency) -> job lease -> ledger guards
 * (budget, cooldown) -> blast radius over the whole run -> before each vendor action, a fresh read of the
 * job that must still match the finding -> act and verify, retrying within the budget -> escalate when the
 * budget is spent.
 */
import { randomUUID } from 'node:crypto';
import { mapConcurrent } from '../async/concurrent.js';
import type { Config, TargetConfig } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import { buildEvent } from '../events/build.js';
import { isDecision, isTrigger } from '../events/payloads.js';
import type { JobwatchEvent } from '../events/schema.js';
import type { Severity } from '../events/types.js';
import type { ProviderId } from '../model/snapshot.js';
import type { Logger } from '../observability/logger.js';
import type {
  ActionName,
  ActionOutcome,
  ActionTarget,
  Provider,
  ProviderContext,
} from '../providers/types.js';
import type { Store } from '../state/store.js';
import { cleanVendorText } from '../text/scrub.js';
import { ACTION_SPECS } from './actions.js';
import { type AuditRecord, type Outcome, type RemediationDecision, writeAudit } from './audit.js';
import type { RemediationMode, RemediationPolicy } from './config.js';
import { RemediationIncompleteError } from './errors.js';
import {
  confirmCurrentState,
  eventAgeGuard,
  maxEventAgeMs,
  recordResolved,
  resolvedGuard,
} from './freshness.js';
import {
  blastRadiusVerdicts,
  budgetUsed,
  eventGuards,
  type Facts,
  formatDuration,
  type GuardVerdict,
  type JobLedger,
  ledgerGuards,
  readFacts,
  type SkipCode,
} from './guards.js';
import {
  claimFinding,
  deferFinding,
  dropDeferred,
  dueDeferred,
  type FindingRecord,
  findingKey,
  jobLeaseName,
  readLedger,
  recordSkip,
  updateLedger,
  updateOwnedFinding,
} from './ledger.js';
import { findPolicy, modeOf } from './policy.js';

export interface RemediatorDeps {
  config: Config;
  store: Store;
  providers: Partial<Record<ProviderId, Provider>>;
  publish: (events: JobwatchEvent[]) => Promise<void>;
  secrets: SecretResolver;
  logger: Logger;
  now: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
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

export interface Remediator {
  handle(events: JobwatchEvent[]): Promise<RemediationReport>;
}

/** One finding with the policy that matched it. */
interface Candidate {
  event: JobwatchEvent;
  policy: RemediationPolicy;
  mode: RemediationMode;
  facts: Facts;
  target: TargetConfig | undefined;
  provider: Provider | undefined;
  /** A deferred finding looked at again: old by design, so its age is not held against it. */
  reconsidered: boolean;
  summary: DecisionSummary;
}

interface Held extends Candidate {
  target: TargetConfig;
  provider: Provider;
  resource: ActionTarget;
  ledger: JobLedger;
  previous?: FindingRecord;
}

const ACT_CONCURRENCY = 4;
/** Skips that pass with time: the finding is looked at again by later invocations until decided or resolved. */
const DEFERRABLE: ReadonlySet<SkipCode> = new Set([
  'cooldown',
  'locked',
  'time-window',
  'blast-radius',
  'vendor-read-failed',
]);
/** Skips a person should look at: the remediator could not do its job, or was held back on purpose. */
const WARNING_SKIPS: ReadonlySet<SkipCode> = new Set(['blast-radius', 'locked', 'vendor-read-failed']);
const LEASE_MARGIN_MS = 60_000;

/**
 * A later occurrence of an open incident (the job failed again after a restart) is a finding of its own:
 * remediation may act on it once, as on the first.
 */
const occurrenceOf = (event: JobwatchEvent): { occurrence?: number } =>
  event.data.occurrence !== undefined && event.data.occurrence > 1
    ? { occurrence: event.data.occurrence }
    : {};
const occurrenceSuffix = (occurrence: number | undefined) =>
  occurrence !== undefined && occurrence > 1 ? `#${occurrence}` : '';

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Vendor text for events and the audit: flat, short, and without anything that looks like a credential. */
const cleanText = (text: string) => cleanVendorText(text, 300) ?? '';

/** Long enough for every attempt the budget allows and its verification, so the lease outlives the work. */
function leaseMsFor(policy: RemediationPolicy): number {
  const attempts = policy.guards.budget.max;
  return (
    attempts * policy.verify.timeoutSeconds * 1000 +
    (attempts - 1) * policy.retryBackoffSeconds * 1000 +
    LEASE_MARGIN_MS
  );
}

function actionTarget(event: JobwatchEvent): ActionTarget | undefined {
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

/**
 * Creates the remediator. It is provider-agnostic: it only calls `Provider.actions`.
 *
 * @example
 * const remediator = createRemediator({ config, store, providers, publish, secrets, logger, now: Date.now });
 * const report = await remediator.handle(events);
 */
export function createRemediator(deps: RemediatorDeps): Remediator {
  const remediation = deps.config.remediation;
  const sleep = deps.sleep ?? defaultSleep;
  const invocationId = deps.invocationId ?? randomUUID();
  const actor = `jobwatch-remediator/${invocationId}`;
  let handleSeq = 0;

  return {
    async handle(events) {
      // Each call owns its leases under its own name, so two calls in one process still exclude each other.
      const owner = `${invocationId}#${++handleSeq}-${randomUUID().slice(0, 8)}`;
      const report: RemediationReport = {
        invocationId,
        received: events.length,
        ignored: 0,
        unmatched: 0,
        reconsidered: 0,
        decisions: [],
        published: 0,
        publishErrors: 0,
      };
      const errors: unknown[] = [];

      const publishDecision = async (
        c: Candidate,
        decision: RemediationDecision,
        detail: {
          severity: Severity;
          outcome: Outcome;
          reason: string;
          title: string;
          reasonCode?: SkipCode;
          attempt?: string;
          finalState?: string;
          durationMs?: number;
        },
      ): Promise<void> => {
        const nowMs = deps.now();
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
          },
          discriminator: `${data.fingerprint}@${data.startsAtMs}${occurrenceSuffix(data.occurrence)}/${c.policy.name}/${detail.outcome}/${detail.attempt ?? detail.reasonCode ?? ''}`,
          startsAtMs: nowMs,
        });
        c.summary.decision = decision;
        c.summary.outcome = detail.outcome;
        c.summary.reason = detail.reason;
        if (detail.reasonCode) c.summary.reasonCode = detail.reasonCode;
        c.summary.events += 1;
        const record: AuditRecord = {
          id: event.id,
          atMs: nowMs,
          decision,
          mode: c.mode,
          policy: c.policy.name,
          action: c.policy.action.type,
          outcome: detail.outcome,
          reason: detail.reason,
          ...(detail.reasonCode ? { reasonCode: detail.reasonCode } : {}),
          ...(detail.attempt ? { attempt: detail.attempt } : {}),
          actor,
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
        };
        // The audit comes first: a decision the channel heard about must be in the history.
        await writeAudit(deps.store, record, remediation.auditRetentionDays);
        try {
          await deps.publish([event]);
          report.published += 1;
        } catch (error) {
          report.publishErrors += 1;
          deps.logger.error('remediation event could not be published', {
            eventId: event.id,
            type: event.data.type,
            error:
              error instanceof Error ? { name: error.name, message: cleanText(error.message) } : 'unknown',
          });
        }
        deps.logger.info('remediation decision', {
          decision,
          outcome: detail.outcome,
          policy: c.policy.name,
          action: c.policy.action.type,
          mode: c.mode,
          job: data.resource.key,
          reasonCode: detail.reasonCode,
          attempt: detail.attempt,
        });
      };

      const verb = (c: Candidate) => ACTION_SPECS[c.policy.action.type].verb;
      const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

      const publishSkip = (c: Candidate, verdict: Extract<GuardVerdict, { pass: false }>) =>
        publishDecision(c, 'skipped', {
          severity: WARNING_SKIPS.has(verdict.code) ? 'warning' : 'info',
          outcome: 'skipped',
          reason: verdict.reason,
          reasonCode: verdict.code,
          title: `Skipped ${verb(c)} of ${c.event.data.resource.name}: ${verdict.code}`,
        });

      /** A skip before the finding was claimed: said once per finding and reason, then kept quiet. */
      const skipUnclaimed = async (c: Candidate, verdict: Extract<GuardVerdict, { pass: false }>) => {
        // A stale copy says nothing about the finding itself: a deferral or an earlier skip of it stands.
        const stale = verdict.code === 'stale-event';
        if (!stale) await deferOrDrop(c, verdict.code);
        const isNews = await recordSkip(deps.store, {
          fingerprint: c.event.data.fingerprint,
          startsAtMs: c.event.data.startsAtMs,
          ...occurrenceOf(c.event),
          code: verdict.code,
          policy: c.policy.name,
          nowMs: deps.now(),
          ...(stale ? { onlyIfUnknown: true } : {}),
        });
        if (isNews) await publishSkip(c, verdict);
        else {
          c.summary.decision = 'skipped';
          c.summary.outcome = 'skipped';
          c.summary.reasonCode = verdict.code;
          c.summary.reason = verdict.reason;
        }
      };

      const findingRef = (c: Candidate) => ({
        fingerprint: c.event.data.fingerprint,
        startsAtMs: c.event.data.startsAtMs,
        ...occurrenceOf(c.event),
        owner,
      });

      /** A skip of a finding this call owns: the claim is handed back so a later poll may act. */
      const skipClaimed = async (h: Held, verdict: Extract<GuardVerdict, { pass: false }>) => {
        await deferOrDrop(h, verdict.code, h.ledger);
        await updateOwnedFinding(deps.store, findingRef(h), {
          state: 'skipped',
          reasonCode: verdict.code,
          decision: 'skipped',
          updatedAtMs: deps.now(),
        });
        if (h.previous?.reasonCode === verdict.code) {
          h.summary.decision = 'skipped';
          h.summary.outcome = 'skipped';
          h.summary.reasonCode = verdict.code;
          h.summary.reason = verdict.reason;
        } else await publishSkip(h, verdict);
      };

      const finish = async (c: Candidate, decision: RemediationDecision) => {
        await updateOwnedFinding(deps.store, findingRef(c), {
          state: 'done',
          decision,
          updatedAtMs: deps.now(),
        });
        await dropDeferred(deps.store, c.event.data.fingerprint, c.event.data.startsAtMs);
      };

      /** Keeps a finding for another look when its skip passes with time; forgets it otherwise. */
      async function deferOrDrop(c: Candidate, code: SkipCode, ledger?: JobLedger) {
        const { fingerprint, startsAtMs } = c.event.data;
        if (!DEFERRABLE.has(code)) return dropDeferred(deps.store, fingerprint, startsAtMs);
        const nowMs = deps.now();
        const lastMs = ledger?.actions.at(-1)?.atMs;
        const retryAtMs =
          code === 'cooldown' && lastMs !== undefined
            ? lastMs + c.policy.guards.cooldownSeconds * 1000
            : nowMs;
        await deferFinding(deps.store, { event: c.event, code, retryAtMs, nowMs });
      }

      const release = (c: Candidate) =>
        deps.store.releaseLease(jobLeaseName(c.event.data.resource.key), owner).catch((error: unknown) => {
          deps.logger.warn('remediation lease could not be released; it expires on its own', {
            job: c.event.data.resource.key,
            error: error instanceof Error ? error.message : String(error),
          });
        });

      /** Gives up on the job until its budget window passes: one critical event that asks for a person. */
      const escalate = async (h: Held, detail: { reason: string; title: string; outcome: Outcome }) => {
        const keepMs = h.policy.guards.budget.windowSeconds * 1000;
        await updateLedger(
          deps.store,
          h.event.data.resource.key,
          { escalatedAtMs: deps.now() },
          keepMs,
          deps.now(),
        );
        await publishDecision(h, 'failed', { severity: 'critical', ...detail });
        await finish(h, 'failed');
      };

      // 0. A resolved finding is no longer worth acting on, even if it was deferred.
      const resolved = new Set<string>();
      for (const event of events) {
        if (event.data.status !== 'resolved' || isDecision(event.data.type)) continue;
        resolved.add(`${event.data.fingerprint}#${event.data.startsAtMs}`);
        await recordResolved(deps.store, event, deps.now());
        await dropDeferred(deps.store, event.data.fingerprint, event.data.startsAtMs);
      }
      const due = (await dueDeferred(deps.store, deps.now())).filter(
        (e) => !resolved.has(`${e.data.fingerprint}#${e.data.startsAtMs}`),
      );

      // 1. Match and the guards that need only the event.
      const seen = new Set<string>();
      const candidates: Candidate[] = [];
      // Of one incident only its latest occurrence is acted on: an older one is the same failure, superseded.
      const latestOccurrence = new Map<string, number>();
      for (const event of [...events, ...due]) {
        const incident = findingKey(event.data.fingerprint, event.data.startsAtMs);
        const occurrence = event.data.occurrence ?? 1;
        if (occurrence > (latestOccurrence.get(incident) ?? 0)) latestOccurrence.set(incident, occurrence);
      }
      for (const [index, event] of [...events, ...due].entries()) {
        const reconsidered = index >= events.length;
        if (!isTrigger(event)) {
          report.ignored += 1;
          continue;
        }
        const incident = findingKey(event.data.fingerprint, event.data.startsAtMs);
        if ((event.data.occurrence ?? 1) < (latestOccurrence.get(incident) ?? 1)) continue;
        const findingId = findingKey(event.data.fingerprint, event.data.startsAtMs, event.data.occurrence);
        if (seen.has(findingId)) continue;
        seen.add(findingId);
        if (reconsidered) report.reconsidered += 1;
        const policy = findPolicy(remediation, event);
        if (!policy) {
          if (reconsidered) await dropDeferred(deps.store, event.data.fingerprint, event.data.startsAtMs);
          else report.unmatched += 1;
          continue;
        }
        const c: Candidate = {
          event,
          policy,
          mode: modeOf(remediation, policy),
          facts: readFacts(event.data.values),
          target: deps.config.targets.find((t) => t.id === event.data.targetId),
          provider: deps.providers[event.data.provider],
          reconsidered,
          summary: {
            eventId: event.id,
            fingerprint: event.data.fingerprint,
            jobKey: event.data.resource.key,
            jobName: event.data.resource.name,
            policy: policy.name,
            action: policy.action.type,
            mode: modeOf(remediation, policy),
            decision: 'skipped',
            reason: '',
            attempts: 0,
            events: 0,
          },
        };
        report.decisions.push(c.summary);
        candidates.push(c);
      }

      const held: Held[] = [];
      const jobsThisRun = new Set<string>();
      for (const c of candidates) {
        try {
          const fresh = await freshness(c);
          const verdict = fresh.pass ? preflight(c, deps.now()) : fresh;
          if (!verdict.pass) {
            await skipUnclaimed(c, verdict);
            continue;
          }
          const h = await hold(c as Candidate & { target: TargetConfig; provider: Provider });
          if (h) held.push(h);
        } catch (error) {
          fail(c, error);
        }
      }

      // 2. Blast radius over everything that would act in this run.
      const verdicts = blastRadiusVerdicts(
        held.map((h) => ({
          targetId: h.event.data.targetId,
          jobKey: h.event.data.resource.key,
          ...(h.facts.targetJobCount === undefined ? {} : { targetJobCount: h.facts.targetJobCount }),
        })),
        remediation.blastRadius,
      );
      const acting: Held[] = [];
      for (const [i, h] of held.entries()) {
        const verdict = verdicts[i] ?? { pass: true };
        if (verdict.pass) {
          acting.push(h);
          continue;
        }
        try {
          await skipClaimed(h, verdict);
        } catch (error) {
          fail(h, error);
        } finally {
          await release(h);
        }
      }

      // 3. Act (or say what would be done), verify, retry within the budget, escalate.
      await mapConcurrent(acting, ACT_CONCURRENCY, async (h) => {
        try {
          if (h.mode === 'dry-run') await dryRun(h);
          else await enforce(h);
        } catch (error) {
          fail(h, error);
        } finally {
          await release(h);
        }
      });

      if (errors.length > 0) throw new RemediationIncompleteError(report, errors);
      return report;

      function fail(c: Candidate, error: unknown) {
        errors.push(error);
        c.summary.decision = 'error';
        c.summary.reason =
          error instanceof Error ? `${error.name}: ${cleanText(error.message)}` : 'unknown error';
        deps.logger.error('remediation decision failed', {
          job: c.event.data.resource.key,
          policy: c.policy.name,
          error: c.summary.reason,
        });
      }

      /** A late or replayed event, or a finding that already resolved, is not acted on (nor dry-run). */
      async function freshness(c: Candidate): Promise<GuardVerdict> {
        if (!c.reconsidered) {
          const age = eventAgeGuard(c.event, maxEventAgeMs(deps.config, c.target), deps.now());
          if (!age.pass) return age;
        }
        return resolvedGuard(deps.store, c.event);
      }

      function preflight(c: Candidate, nowMs: number): GuardVerdict {
        const data = c.event.data;
        const resource = actionTarget(c.event);
        if (!c.target)
          return {
            pass: false,
            code: 'unknown-target',
            reason: `target '${data.targetId}' is not configured`,
          };
        if (!resource)
          return {
            pass: false,
            code: 'unsupported-resource',
            reason: `a ${data.type} finding about a whole target has no resource to act on`,
          };
        if (!c.provider)
          return {
            pass: false,
            code: 'provider-unavailable',
            reason: `provider ${data.provider} is not available to the remediator`,
          };
        const supported = c.provider.actions.supports(resource);
        if (!supported.includes(c.policy.action.type))
          return {
            pass: false,
            code: 'unsupported-action',
            reason: `${data.provider} cannot ${verb(c)} a ${resource.jobKind ?? resource.kind}; it supports ${supported.join(', ') || 'no action'}`,
          };
        return eventGuards({ kind: resource.kind, facts: c.facts, policy: c.policy, nowMs });
      }

      /** Claims the finding, takes the job lease and runs the ledger guards; the lease is kept on success. */
      async function hold(
        c: Candidate & { target: TargetConfig; provider: Provider },
      ): Promise<Held | undefined> {
        const data = c.event.data;
        const jobKey = data.resource.key;
        const leaseMs = leaseMsFor(c.policy);
        const claim = await claimFinding(deps.store, {
          fingerprint: data.fingerprint,
          startsAtMs: data.startsAtMs,
          ...occurrenceOf(c.event),
          owner,
          mode: c.mode,
          policy: c.policy.name,
          leaseUntilMs: deps.now() + leaseMs,
          nowMs: deps.now(),
        });
        if (claim.kind === 'duplicate') {
          c.summary.decision = 'duplicate';
          c.summary.reason = `already ${claim.record.state === 'done' ? `decided (${claim.record.decision ?? 'done'})` : 'being handled'} by ${claim.record.owner ?? 'another invocation'}`;
          return undefined;
        }
        const base = {
          ...c,
          resource: actionTarget(c.event) as ActionTarget,
          ledger: { actions: [] } as JobLedger,
          ...(claim.kind === 'claimed' && claim.previous ? { previous: claim.previous } : {}),
        };
        const lockedInRun = jobsThisRun.has(jobKey);
        const lease = lockedInRun
          ? undefined
          : await deps.store.acquireLease(jobLeaseName(jobKey), owner, leaseMs, deps.now());
        if (lockedInRun || !lease?.acquired) {
          const holder = lease && !lease.acquired ? lease.holder : undefined;
          await skipClaimed(base, {
            pass: false,
            code: 'locked',
            reason: lockedInRun
              ? 'another finding on this job is being remediated in this run'
              : `another remediation holds this job until ${new Date(holder?.expiresAtMs ?? 0).toISOString()}`,
          });
          return undefined;
        }
        jobsThisRun.add(jobKey);
        try {
          if (claim.kind === 'interrupted') {
            await escalate(base, {
              outcome: 'interrupted',
              title: `${capital(verb(c))} of ${data.resource.name}: outcome unknown, a person is needed`,
              reason: `an earlier remediation (${claim.record.owner ?? 'unknown'}) sent ${verb(c)} and stopped before verifying it; not acting twice, check the job`,
            });
            await release(base);
            return undefined;
          }
          const ledger = await readLedger(deps.store, jobKey);
          const held: Held = { ...base, ledger };
          const verdict = ledgerGuards(ledger, c.policy.guards, deps.now());
          if (!verdict.pass) {
            const windowMs = c.policy.guards.budget.windowSeconds * 1000;
            const escalatedRecently =
              (ledger.escalatedAtMs ?? Number.NEGATIVE_INFINITY) > deps.now() - windowMs;
            if (verdict.code === 'budget-exhausted' && c.mode === 'enforce' && !escalatedRecently) {
              await escalate(held, {
                outcome: 'gave-up',
                title: `${capital(verb(c))} budget for ${data.resource.name} exhausted, giving up`,
                reason: `${verdict.reason}; giving up, a person is needed`,
              });
            } else await skipClaimed(held, verdict);
            await release(held);
            return undefined;
          }
          return held;
        } catch (error) {
          await release(base);
          throw error;
        }
      }

      async function dryRun(h: Held) {
        const used = budgetUsed(h.ledger, h.policy.guards.budget, deps.now());
        const attempt = `${used + 1}/${h.policy.guards.budget.max}`;
        const params = Object.keys(h.policy.action.params);
        await publishDecision(h, 'performed', {
          severity: 'info',
          outcome: 'dry-run',
          attempt,
          title: `Dry run: would ${verb(h)} ${h.event.data.resource.name}`,
          reason: `dry run: would ${verb(h)} ${h.resource.jobKind ?? h.resource.kind} ${h.event.data.resource.name} (${h.event.data.type}, state ${h.facts.state ?? 'n/a'})${params.length ? ` with ${params.join(', ')}` : ''}; no vendor API was called`,
        });
        await finish(h, 'performed');
      }

      /**
       * Extends the job lease to cover one more attempt: work queued behind other jobs, or a long retry, must
       * not outlive the lock. Undefined when someone else holds it now.
       */
      async function renewLease(h: Held): Promise<number | undefined> {
        const leaseMs = leaseMsFor(h.policy);
        const lease = await deps.store.acquireLease(jobLeaseName(h.resource.key), owner, leaseMs, deps.now());
        return lease.acquired ? lease.expiresAtMs : undefined;
      }

      async function enforce(h: Held) {
        const { budget } = h.policy.guards;
        const keepMs = budget.windowSeconds * 1000;
        const ctx: ProviderContext = {
          now: deps.now,
          secrets: deps.secrets,
          logger: deps.logger,
          ...(deps.signal ? { signal: deps.signal } : {}),
        };
        let ledger = h.ledger;
        for (;;) {
          const attemptNo = budgetUsed(ledger, budget, deps.now()) + 1;
          const attempt = `${attemptNo}/${budget.max}`;
          const leaseUntilMs = await renewLease(h);
          if (leaseUntilMs === undefined) {
            await escalate(h, {
              outcome: 'interrupted',
              title: `${capital(verb(h))} of ${h.event.data.resource.name} stopped: lock lost`,
              reason: `the lock on this job was lost before ${verb(h)} ${attempt}; not acting without it, check the job`,
            });
            return;
          }
          // Under the lock, right before the call: the vendor must still say what the finding said.
          const current = await confirmCurrentState({
            provider: h.provider,
            target: h.target,
            resource: h.resource,
            event: h.event,
            facts: h.facts,
            action: h.policy.action.type,
            fromStates: h.policy.fromStates,
            ctx,
          });
          if (!current.pass) {
            if (h.summary.attempts === 0) await skipClaimed(h, current);
            else {
              // An earlier attempt was sent: the finding is decided, a later delivery must not act again.
              await publishSkip(h, current);
              await finish(h, 'skipped');
            }
            return;
          }
          const startedMs = deps.now();
          // Counted and marked before the call: a crash after sending must neither free budget nor act again.
          ledger = await updateLedger(
            deps.store,
            h.resource.key,
            { action: { atMs: startedMs, action: h.policy.action.type, policy: h.policy.name } },
            keepMs,
            startedMs,
          );
          await updateOwnedFinding(deps.store, findingRef(h), {
            sentAtMs: startedMs,
            leaseUntilMs,
            updatedAtMs: startedMs,
          });
          h.summary.attempts += 1;
          const outcome = await perform(h, ctx);
          const message = cleanText(outcome.message);
          const durationMs = outcome.durationMs;
          const finalState = outcome.finalState === undefined ? undefined : String(outcome.finalState);
          if (outcome.ok) {
            await publishDecision(h, 'performed', {
              severity: 'info',
              outcome: 'verified',
              attempt,
              finalState,
              durationMs,
              title: `${capital(verb(h))} of ${h.event.data.resource.name} done (${attempt})`,
              reason: `${verb(h)} ${attempt} verified in ${formatDuration(durationMs)}${finalState ? `: job is ${finalState}` : ''} (${h.event.data.type})`,
            });
            await finish(h, 'performed');
            return;
          }
          // The local count bounds the loop even if the ledger could not be read back.
          const budgetLeft = attemptNo < budget.max && h.summary.attempts < budget.max;
          const aborted = deps.signal?.aborted === true;
          if (!outcome.retryable || !budgetLeft || aborted) {
            const why = !outcome.retryable
              ? 'not retryable'
              : aborted
                ? 'invocation deadline reached'
                : 'budget spent';
            await escalate(h, {
              outcome: 'gave-up',
              title: `${capital(verb(h))} ${attempt} of ${h.event.data.resource.name} failed, giving up`,
              reason: `${verb(h)} ${attempt} failed, giving up (${why}; ${outcome.status}: ${message}); a person is needed`,
            });
            return;
          }
          await publishDecision(h, 'failed', {
            severity: 'warning',
            outcome: outcome.status,
            attempt,
            finalState,
            durationMs,
            title: `${capital(verb(h))} ${attempt} of ${h.event.data.resource.name} failed, retrying`,
            reason: `${verb(h)} ${attempt} failed (${outcome.status}: ${message}); retrying in ${formatDuration(h.policy.retryBackoffSeconds * 1000)}`,
          });
          await sleep(h.policy.retryBackoffSeconds * 1000, deps.signal);
        }
      }

      async function perform(h: Held, ctx: ProviderContext): Promise<ActionOutcome> {
        const startedMs = deps.now();
        try {
          return await h.provider.actions.perform(
            h.target,
            {
              action: h.policy.action.type,
              resource: h.resource,
              params: h.policy.action.params,
              verifyTimeoutMs: h.policy.verify.timeoutSeconds * 1000,
              verifyIntervalMs: Math.round(h.policy.verify.intervalSeconds * 1000),
            },
            ctx,
          );
        } catch (error) {
          // A provider must return outcomes; a throw is a bug there, reported as a failure that will not heal.
          return {
            ok: false,
            status: 'failed',
            action: h.policy.action.type,
            message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
            durationMs: deps.now() - startedMs,
            retryable: false,
          };
        }
      }
    },
  };
}
