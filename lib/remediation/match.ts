/**
 * The match stage: a batch of delivered events, plus the findings earlier invocations deferred, becomes the
 * list of findings a policy matched. A resolve is remembered (so a late firing of it is never acted on) and
 * drops its deferral; remediation's own events and resolves are ignored; of one incident only its latest
 * occurrence counts; each finding is considered once per call; the first matching policy decides.
 */
import { isDecision, isTrigger } from '../events/payloads.js';
import type { JobwatchEvent } from '../events/schema.js';
import type { RemediationPolicy } from './config.js';
import { recordResolved } from './freshness.js';
import { readFacts } from './guards.js';
import { dropDeferred, dueDeferred, findingKey } from './ledger.js';
import { findPolicy, modeOf } from './policy.js';
import type { Candidate, Run } from './run.js';

const incidentOf = (event: JobwatchEvent) => findingKey(event.data.fingerprint, event.data.startsAtMs);

/** Records the resolves in the batch and returns the deferred findings due again that did not resolve. */
async function settleResolvesAndReadDue(run: Run, events: JobwatchEvent[]): Promise<JobwatchEvent[]> {
  const { store, now } = run.deps;
  const resolved = new Set<string>();
  for (const event of events) {
    if (event.data.status !== 'resolved' || isDecision(event.data.type)) continue;
    resolved.add(incidentOf(event));
    await recordResolved(store, event, now());
    await dropDeferred(store, event.data.fingerprint, event.data.startsAtMs);
  }
  return (await dueDeferred(store, now())).filter((e) => !resolved.has(incidentOf(e)));
}

/** Of one incident only its latest occurrence is acted on: an older one is the same failure, superseded. */
export function latestOccurrences(events: readonly JobwatchEvent[]): Map<string, number> {
  const latest = new Map<string, number>();
  for (const event of events) {
    const incident = incidentOf(event);
    const occurrence = event.data.occurrence ?? 1;
    if (occurrence > (latest.get(incident) ?? 0)) latest.set(incident, occurrence);
  }
  return latest;
}

/** A finding with its policy, as every later stage sees it; its summary is not yet in the report. */
export function candidateFor(
  run: Run,
  event: JobwatchEvent,
  policy: RemediationPolicy,
  reconsidered: boolean,
): Candidate {
  const { deps, remediation } = run;
  const mode = modeOf(remediation, policy);
  return {
    event,
    policy,
    mode,
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
      mode,
      decision: 'skipped',
      reason: '',
      attempts: 0,
      events: 0,
    },
  };
}

/** The findings of this call with their policies; each one's summary is already in the report. */
export async function matchFindings(run: Run, events: JobwatchEvent[]): Promise<Candidate[]> {
  const { deps, report, remediation } = run;
  const due = await settleResolvesAndReadDue(run, events);
  const all = [...events, ...due];
  const latest = latestOccurrences(all);
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  for (const [index, event] of all.entries()) {
    const reconsidered = index >= events.length;
    if (!isTrigger(event)) {
      report.ignored += 1;
      continue;
    }
    if ((event.data.occurrence ?? 1) < (latest.get(incidentOf(event)) ?? 1)) continue;
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
    const c = candidateFor(run, event, policy, reconsidered);
    report.decisions.push(c.summary);
    candidates.push(c);
  }
  return candidates;
}
