/**
 * The guards stage, before anything is claimed: the finding must be fresh (not late, not replayed, not
 * already resolved), about a configured target and a resource a provider can act on with this action, and
 * pass the event guards (job state, vendor auto-restart, persistence, time window). A skip here is said
 * once per finding and reason, and deferred when it passes with time.
 */

import { noteQuietSkip, publishSkip } from './decision.js';
import { eventAgeGuard, maxEventAgeMs, resolvedGuard } from './freshness.js';
import { eventGuards, type GuardVerdict } from './guards.js';
import { deferOrDrop, recordSkip } from './ledger.js';
import { actionTarget, type Candidate, occurrenceOf, type Run, type Skip, verb } from './run.js';

/** A late or replayed event, or a finding that already resolved, is not acted on (nor dry-run). */
export async function freshnessVerdict(run: Run, c: Candidate): Promise<GuardVerdict> {
  const { deps } = run;
  if (!c.reconsidered) {
    const age = eventAgeGuard(c.event, maxEventAgeMs(deps.config, c.target), deps.now());
    if (!age.pass) return age;
  }
  return resolvedGuard(deps.store, c.event);
}

/** Whether the remediator can act on this finding at all, then the guards that need only the event. */
export function eventVerdict(c: Candidate, nowMs: number): GuardVerdict {
  const data = c.event.data;
  const resource = actionTarget(c.event);
  if (!c.target)
    return { pass: false, code: 'unknown-target', reason: `target '${data.targetId}' is not configured` };
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

/** Freshness first (a stale copy says nothing else worth hearing), then the event's own guards. */
export async function preflight(run: Run, c: Candidate): Promise<GuardVerdict> {
  const fresh = await freshnessVerdict(run, c);
  return fresh.pass ? eventVerdict(c, run.deps.now()) : fresh;
}

/** A skip before the finding was claimed: said once per finding and reason, then kept quiet. */
export async function skipUnclaimed(run: Run, c: Candidate, verdict: Skip): Promise<void> {
  const { store, now } = run.deps;
  // A stale copy says nothing about the finding itself: a deferral or an earlier skip of it stands.
  const stale = verdict.code === 'stale-event';
  if (!stale)
    await deferOrDrop(store, {
      event: c.event,
      code: verdict.code,
      cooldownSeconds: c.policy.guards.cooldownSeconds,
      nowMs: now(),
    });
  const isNews = await recordSkip(store, {
    fingerprint: c.event.data.fingerprint,
    startsAtMs: c.event.data.startsAtMs,
    ...occurrenceOf(c.event),
    code: verdict.code,
    policy: c.policy.name,
    nowMs: now(),
    ...(stale ? { onlyIfUnknown: true } : {}),
  });
  if (isNews) await publishSkip(run, c, verdict);
  else noteQuietSkip(c, verdict);
}
