/**
 * A job's health score from what detection stores for it (the last hour's counted failures, failovers and
 * failed checkpoints in `track.recent`, and the conditions firing now), so that the score in an alert and
 * the one in a status view are the same number computed the same way. Formula: lib/diagnose/health.ts.
 */
import {
  addRecent,
  countWithin,
  describeHealth,
  type JobHealth,
  jobHealth,
  pruneRecent,
  type RecentHistory,
} from '../diagnose/health.js';
import type { EventHealth } from '../model/event-input.js';
import { assignOwn } from '../text/record.js';
import type { ConditionState, JobTrack, ResourceState } from './state.js';

/** What this poll counted as new, to be added to the job's recent history. */
export interface CountedThisPoll {
  /** When the failure seen this poll began (a failure is new when it began at another time). */
  failureAtMs?: number;
  failoverTimes: readonly number[];
  checkpointFailureTimes: readonly number[];
}

/** The job's recent history with this poll's counts added and what left the hour pruned. */
export function nextRecent(
  track: JobTrack,
  counted: CountedThisPoll,
  nowMs: number,
): RecentHistory | undefined {
  let recent = pruneRecent(track.recent, nowMs);
  if (counted.failureAtMs !== undefined) recent = withAdded(recent, 'failures', counted.failureAtMs, nowMs);
  for (const atMs of counted.failoverTimes) recent = withAdded(recent, 'failovers', atMs, nowMs);
  for (const atMs of counted.checkpointFailureTimes)
    recent = withAdded(recent, 'checkpointFailures', atMs, nowMs);
  return recent;
}

/** The history with one more time under `key`; the same object when that changes nothing. */
function withAdded(
  recent: RecentHistory | undefined,
  key: keyof RecentHistory,
  atMs: number,
  nowMs: number,
): RecentHistory | undefined {
  const before = recent?.[key];
  const after = addRecent(before, atMs, nowMs);
  if (after === before || after.length === 0) return recent;
  const next: RecentHistory = recent ? assignOwn({}, recent) : {};
  next[key] = after;
  return next;
}

/** The score of a job from its stored state; `missing` names evidence this poll could not read. */
export function healthOfJob(state: ResourceState, nowMs: number, missing: readonly string[] = []): JobHealth {
  // One pass over the conditions (no values, filter or map arrays): this runs for every firing event.
  let checkpointsStalled = false;
  const breachingMetrics: string[] = [];
  for (const key in state.conditions) {
    if (!Object.hasOwn(state.conditions, key)) continue;
    const c = state.conditions[key] as ConditionState;
    if (!c.firing) continue;
    if (c.type === 'checkpoint.stalled') checkpointsStalled = true;
    else if (c.type === 'metric.threshold') breachingMetrics.push(c.discriminator ?? 'metric');
  }
  return jobHealth({
    nowMs,
    recent: state.job?.recent,
    failedNow: state.job?.state === 'FAILED',
    checkpointsStalled,
    breachingMetrics,
    missing,
  });
}

/**
 * The health a firing event carries. Equal facts are one object (events never change it): jobs with the same
 * recent history, a failing fleet's many jobs, share it instead of each event keeping a copy until it is sent.
 * The summary names the score and grade, so it is the key.
 */
export function healthFact(health: JobHealth): EventHealth {
  const summary = describeHealth(health);
  let fact = facts.get(summary);
  if (!fact) {
    fact = { score: health.score, grade: health.grade, summary };
    if (facts.size >= MAX_FACTS) facts.clear();
    facts.set(summary, fact);
  }
  return fact;
}

const MAX_FACTS = 1000;
const facts = new Map<string, EventHealth>();

/**
 * `healthFact(healthOfJob(state, nowMs, missing))`, without computing the score again for inputs seen
 * before. The score and its summary are a function of a few counts (failures, failovers and failed
 * checkpoints in the window, checkpoints stalled, FAILED now), plus the breaching metrics' names and the
 * missing evidence: when those two are empty (the usual case) the counts, packed in one number, are the key.
 */
export function jobHealthFact(state: ResourceState, nowMs: number, missing: readonly string[]): EventHealth {
  const key = missing.length === 0 ? countsKey(state, nowMs) : undefined;
  if (key === undefined) return healthFact(healthOfJob(state, nowMs, missing));
  let fact = factsByCounts.get(key);
  if (!fact) {
    fact = healthFact(healthOfJob(state, nowMs, missing));
    if (factsByCounts.size >= MAX_FACTS) factsByCounts.clear();
    factsByCounts.set(key, fact);
  }
  return fact;
}

/** The score's inputs packed in one number, or undefined when a metric breaches (its names are inputs too). */
function countsKey(state: ResourceState, nowMs: number): number | undefined {
  let stalled = false;
  for (const key in state.conditions) {
    if (!Object.hasOwn(state.conditions, key)) continue;
    const c = state.conditions[key] as ConditionState;
    if (!c.firing) continue;
    if (c.type === 'checkpoint.stalled') stalled = true;
    else if (c.type === 'metric.threshold') return undefined;
  }
  const recent = state.job?.recent;
  const failures = countWithin(recent?.failures, nowMs);
  const failovers = countWithin(recent?.failovers, nowMs);
  const checkpointFailures = countWithin(recent?.checkpointFailures, nowMs);
  if (failures >= COUNT_LIMIT || failovers >= COUNT_LIMIT || checkpointFailures >= COUNT_LIMIT)
    return undefined;
  const failedNow = state.job?.state === 'FAILED';
  return (
    ((failures * COUNT_LIMIT + failovers) * COUNT_LIMIT + checkpointFailures) * 4 +
    (stalled ? 2 : 0) +
    (failedNow ? 1 : 0)
  );
}

/** Counts at or above this are not packed (the stored history keeps at most 20 of each). */
const COUNT_LIMIT = 1024;
const factsByCounts = new Map<number, EventHealth>();
