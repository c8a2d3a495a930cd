/**
 * Guardrails as pure decisions: (facts, policy, now) -> pass or a skip with a reason. The executor runs them
 * in one place before any action, so no action can forget one.
 */
import type { EventData } from '../events/schema.js';
import { JOB_STATES, type JobState, TERMINAL_JOB_STATES } from '../model/snapshot.js';
import type { ActionName } from '../providers/types.js';
import { compactDuration } from '../text/units.js';
import { ACTION_SPECS } from './actions.js';
import type { BlastRadius, PolicyGuards, RemediationPolicy, TimeWindows, Weekday } from './config.js';

/** Why a decision was not to act. Stable codes for audit, metrics and tests; `reason` is the sentence. */
export const SKIP_CODES = [
  'unknown-target',
  'provider-unavailable',
  'unsupported-resource',
  'unsupported-action',
  'stopped-by-user',
  'cause-unknown',
  'state-unknown',
  'state-not-covered',
  'vendor-auto-restart',
  'not-persisted',
  'time-window',
  'cooldown',
  'budget-exhausted',
  'blast-radius',
  'locked',
  'stale-event',
  'already-resolved',
  'state-changed',
  'vendor-read-failed',
  'awaiting-approval',
  'approval-rejected',
  'approval-expired',
] as const;
export type SkipCode = (typeof SKIP_CODES)[number];

export type GuardVerdict = { pass: true } | { pass: false; code: SkipCode; reason: string };

const PASS: GuardVerdict = { pass: true };
const skip = (code: SkipCode, reason: string): GuardVerdict => ({ pass: false, code, reason });

/** What detection tells about the resource in `event.data.values`, read defensively. */
export interface Facts {
  state?: JobState;
  vendorState?: string;
  stateCause?: 'user' | 'system';
  autoRestart?: boolean;
  pollsFiring?: number;
  targetJobCount?: number;
}

export function readFacts(values: EventData['values']): Facts {
  const facts: Facts = {};
  const state = values.state;
  if (typeof state === 'string' && (JOB_STATES as readonly string[]).includes(state))
    facts.state = state as JobState;
  if (typeof values.vendorState === 'string') facts.vendorState = values.vendorState;
  if (values.stateCause === 'user' || values.stateCause === 'system') facts.stateCause = values.stateCause;
  if (typeof values.autoRestart === 'boolean') facts.autoRestart = values.autoRestart;
  const polls = Number(values.pollsFiring);
  if (values.pollsFiring !== null && values.pollsFiring !== undefined && Number.isFinite(polls))
    facts.pollsFiring = polls;
  const count = Number(values.targetJobCount);
  if (values.targetJobCount !== null && values.targetJobCount !== undefined && Number.isFinite(count))
    facts.targetJobCount = count;
  return facts;
}

/** Remediation's durations ("45s", "5m", "1h30m"), under the name the executor and tests know. */
export { compactDuration as formatDuration } from '../text/units.js';

/**
 * Never act on a job a person stopped or paused; act from a terminal state only when the policy covers it.
 * A paused or stopped job whose cause is unknown is treated as a person's: guessing wrong restarts a job
 * someone deliberately stopped.
 */
export function stateGuard(
  kind: 'job' | 'cluster' | 'queue',
  facts: Facts,
  action: ActionName,
  fromStates: readonly JobState[] | undefined,
): GuardVerdict {
  if (kind !== 'job') return PASS;
  const vendor = facts.vendorState ? ` (${facts.vendorState})` : '';
  if (facts.stateCause === 'user')
    return skip(
      'stopped-by-user',
      `job is ${facts.state ?? 'stopped'}${vendor} by a person; never overridden`,
    );
  if (!facts.state || facts.state === 'UNKNOWN')
    return skip('state-unknown', 'job state is unknown; not acting blind');
  if ((facts.state === 'PAUSED' || facts.state === 'STOPPED') && facts.stateCause !== 'system')
    return skip(
      'cause-unknown',
      `job is ${facts.state}${vendor} and the vendor does not say who stopped it; treated as a person's stop`,
    );
  const allowed = fromStates ?? ACTION_SPECS[action].originStates;
  if (!allowed.includes(facts.state)) {
    const terminal = TERMINAL_JOB_STATES.has(facts.state) ? 'terminal state ' : 'state ';
    return skip(
      'state-not-covered',
      `${terminal}${facts.state}${vendor} is not covered by the policy (acts from ${allowed.join(', ') || 'no job state'})`,
    );
  }
  return PASS;
}

/** A vendor restarting the job itself (DLI `restart_when_exception`) must not be fought. */
export function vendorAutoRestartGuard(facts: Facts, action: ActionName, guards: PolicyGuards): GuardVerdict {
  if (!guards.respectVendorAutoRestart || !ACTION_SPECS[action].restarts) return PASS;
  if (facts.autoRestart === true)
    return skip(
      'vendor-auto-restart',
      "the vendor's own auto-restart is on for this job; leaving it to the vendor",
    );
  return PASS;
}

/** The condition must have been seen on `persistPolls` consecutive polls; one poll when detection does not say. */
export function persistenceGuard(facts: Facts, guards: PolicyGuards): GuardVerdict {
  const seen = facts.pollsFiring ?? 1;
  if (seen < guards.persistPolls)
    return skip('not-persisted', `condition seen on ${seen} of ${guards.persistPolls} required polls`);
  return PASS;
}

const WEEKDAY_INDEX: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Weekday and minute of the day at `nowMs` in `timeZone`. */
export function localTime(nowMs: number, timeZone: string): { day: Weekday; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(nowMs));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = WEEKDAYS[WEEKDAY_INDEX[get('weekday')] ?? 0] as Weekday;
  return { day, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

const toMinute = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** True when `nowMs` falls in any range; a range whose end is before its start runs past midnight. */
export function inTimeWindows(windows: TimeWindows, nowMs: number): boolean {
  const { day, minute } = localTime(nowMs, windows.timezone);
  const previous = WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7] as Weekday;
  return windows.ranges.some((range) => {
    const start = toMinute(range.start);
    const end = toMinute(range.end);
    if (start < end) return range.days.includes(day) && minute >= start && minute < end;
    return (range.days.includes(day) && minute >= start) || (range.days.includes(previous) && minute < end);
  });
}

export function timeWindowGuard(guards: PolicyGuards, nowMs: number): GuardVerdict {
  const windows = guards.windows;
  if (!windows) return PASS;
  const inside = inTimeWindows(windows, nowMs);
  const ranges = windows.ranges.map((r) => `${r.start}-${r.end}`).join(', ');
  if (windows.when === 'inside' && !inside)
    return skip('time-window', `outside the allowed time windows (${ranges} ${windows.timezone})`);
  if (windows.when === 'outside' && inside)
    return skip('time-window', `inside a no-action time window (${ranges} ${windows.timezone})`);
  return PASS;
}

/** Everything the guards need to know about past actions on one job. */
export interface JobLedger {
  /** Actions sent to the vendor (each attempt), oldest first, pruned to the longest budget window. */
  actions: { atMs: number; action: ActionName; policy: string }[];
  /** When remediation last gave up on this job and asked for a person. */
  escalatedAtMs?: number;
}

export const EMPTY_LEDGER: JobLedger = { actions: [] };

/** Actions within the sliding window: the budget decays as old actions leave it. */
export function budgetUsed(ledger: JobLedger, budget: PolicyGuards['budget'], nowMs: number): number {
  const sinceMs = nowMs - budget.windowSeconds * 1000;
  return ledger.actions.filter((a) => a.atMs > sinceMs).length;
}

export function budgetGuard(ledger: JobLedger, guards: PolicyGuards, nowMs: number): GuardVerdict {
  const used = budgetUsed(ledger, guards.budget, nowMs);
  if (used >= guards.budget.max)
    return skip(
      'budget-exhausted',
      `action budget exhausted: ${used}/${guards.budget.max} actions on this job in the last ${compactDuration(guards.budget.windowSeconds * 1000)}`,
    );
  return PASS;
}

export function cooldownGuard(ledger: JobLedger, guards: PolicyGuards, nowMs: number): GuardVerdict {
  const last = ledger.actions.at(-1);
  if (!last || guards.cooldownSeconds === 0) return PASS;
  const sinceMs = nowMs - last.atMs;
  if (sinceMs < guards.cooldownSeconds * 1000)
    return skip(
      'cooldown',
      `cooling down: last ${ACTION_SPECS[last.action].verb} ${compactDuration(sinceMs)} ago, waiting ${compactDuration(guards.cooldownSeconds * 1000)} between actions`,
    );
  return PASS;
}

/** Guards that need only the event, the policy and the clock, in the order they are reported. */
export function eventGuards(input: {
  kind: 'job' | 'cluster' | 'queue';
  facts: Facts;
  policy: RemediationPolicy;
  nowMs: number;
}): GuardVerdict {
  const { kind, facts, policy, nowMs } = input;
  const checks: (() => GuardVerdict)[] = [
    () => stateGuard(kind, facts, policy.action.type, policy.fromStates),
    () => vendorAutoRestartGuard(facts, policy.action.type, policy.guards),
    () => persistenceGuard(facts, policy.guards),
    () => timeWindowGuard(policy.guards, nowMs),
  ];
  for (const check of checks) {
    const verdict = check();
    if (!verdict.pass) return verdict;
  }
  return PASS;
}

/** Guards that read the job's ledger: budget first, since an exhausted budget is what a person must hear. */
export function ledgerGuards(ledger: JobLedger, guards: PolicyGuards, nowMs: number): GuardVerdict {
  const budget = budgetGuard(ledger, guards, nowMs);
  if (!budget.pass) return budget;
  return cooldownGuard(ledger, guards, nowMs);
}

export interface BlastCandidate {
  targetId: string;
  jobKey: string;
  /** Jobs the target has, when detection reported it. */
  targetJobCount?: number;
}

/**
 * Cloud Custodian's max-resources check: when a run would act on more jobs than allowed, it acts on none of
 * them, since many jobs failing at once is a platform problem a restart loop makes worse.
 */
export function blastRadiusVerdicts(candidates: BlastCandidate[], limits: BlastRadius): GuardVerdict[] {
  const totalJobs = new Set(candidates.map((c) => c.jobKey)).size;
  const byTarget = new Map<string, Set<string>>();
  for (const c of candidates) {
    const jobs = byTarget.get(c.targetId) ?? new Set<string>();
    jobs.add(c.jobKey);
    byTarget.set(c.targetId, jobs);
  }
  return candidates.map((c) => {
    if (totalJobs > limits.maxJobs)
      return skip(
        'blast-radius',
        `blast radius: ${totalJobs} jobs would be acted on in one run, more than the cap of ${limits.maxJobs}; acting on none`,
      );
    const onTarget = byTarget.get(c.targetId)?.size ?? 0;
    if (c.targetJobCount !== undefined && c.targetJobCount > 0) {
      const allowed = Math.max(1, Math.floor((limits.maxTargetPercent / 100) * c.targetJobCount));
      if (onTarget > allowed)
        return skip(
          'blast-radius',
          `blast radius: ${onTarget} of ${c.targetJobCount} jobs on target ${c.targetId} would be acted on, more than ${limits.maxTargetPercent}% (${allowed}); acting on none`,
        );
    }
    return PASS;
  });
}
