/**
 * Missing evidence is not a clear. Each job condition is decided from some of a job's evidence (its state,
 * checkpoints, failovers, metrics); when a poll could not read one of them, every condition decided from it
 * is held: neither resolved nor fired, its counters left as they were, and no cursor moves. This module is
 * the one place that knows which condition depends on what.
 */
import type { EventType } from '../model/catalog.js';
import type { Evidence, JobSnapshot } from '../model/snapshot.js';
import type { Rules } from './config.js';
import { metricDiscriminators } from './rules.js';

/** What each job condition is decided from. A condition type not listed depends on nothing a poll can miss. */
export const CONDITION_EVIDENCE: Readonly<Partial<Record<EventType, readonly Evidence[]>>> = {
  'job.failed': ['state'],
  'job.state_changed': ['state'],
  'job.stuck': ['state'],
  'checkpoint.failed': ['checkpoints'],
  'checkpoint.stalled': ['state', 'checkpoints'],
  'failover.burst': ['state', 'failovers'],
  'metric.threshold': ['state', 'metrics'],
};

/** A condition as far as holding goes: its type and discriminator. */
export interface ConditionId {
  type: EventType;
  discriminator?: string | undefined;
}

/**
 * The evidence a poll lacks for a job: what the collector could not read, plus the state when the vendor
 * reported none we know (UNKNOWN says nothing about the job).
 */
export function missingEvidence(job: JobSnapshot): ReadonlySet<Evidence> {
  // Nothing missing is the usual case, on every job of every poll: no set made for it.
  if ((job.missing === undefined || job.missing.length === 0) && job.state !== 'UNKNOWN')
    return NOTHING_MISSING;
  const missing = new Set<Evidence>(job.missing ?? []);
  if (job.state === 'UNKNOWN') missing.add('state');
  return missing;
}

const NOTHING_MISSING: ReadonlySet<Evidence> = new Set();

/**
 * Whether a job condition is held this poll. Besides whole kinds of evidence, one metric series missing
 * from a RUNNING job's samples is missing evidence for the condition on that metric alone: a data gap is
 * not a recovery.
 */
export function evidenceHold(
  job: JobSnapshot,
  rules: Rules,
): ((condition: ConditionId) => boolean) | undefined {
  const missing = missingEvidence(job);
  // Nothing missing and no metric series that could be: nothing is held.
  if (missing.size === 0 && (job.state !== 'RUNNING' || rules.metrics.length === 0)) return undefined;
  const discriminators = metricDiscriminators(rules);
  const seriesMissing = (discriminator: string | undefined) => {
    if (job.state !== 'RUNNING') return false;
    const name = rules.metrics[discriminators.indexOf(discriminator ?? '')]?.name;
    return name !== undefined && !(job.metrics ?? []).some((m) => m.name === name);
  };
  return (condition) => {
    const needs = CONDITION_EVIDENCE[condition.type] ?? [];
    if (needs.some((evidence) => missing.has(evidence))) return true;
    return condition.type === 'metric.threshold' && seriesMissing(condition.discriminator);
  };
}
