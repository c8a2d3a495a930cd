/**
 * The one hysteresis engine every rule goes through: findings of this poll plus the conditions remembered
 * from earlier polls give the events to emit (as drafts: lib/events builds each CloudEvent, its fingerprint
 * and id) and the conditions to remember. A condition fires once after
 * `firePolls` consecutive sightings and resolves once after `resolvePolls` consecutive absences, so one
 * noisy poll neither fires nor resolves, and nothing repeats per poll (repeats are the router's job).
 */
import type { EventType, Severity } from '../model/catalog.js';
import type { EventDiagnosis, EventInput, ResourceRef } from '../model/event-input.js';
import type { EventPayload } from '../model/payloads.js';
import type { ProviderId } from '../model/snapshot.js';
import { flat } from '../text/flat.js';
import { assignOwn } from '../text/record.js';
import { type ConditionState, conditionKey } from './state.js';

/** The facts every event on one resource carries: a job's, a queue's or cluster's, or a target's. */
export type BaseFacts =
  | EventPayload<'job.failed'>
  | EventPayload<'cluster.unhealthy'>
  | EventPayload<'source.unreachable'>;

/** What a rule saw on this poll: `values` is its type's payload (checked by the compiler per type). */
export type Finding = { [T in EventType]: FindingOf<T> }[EventType];

export interface FindingOf<T extends EventType> {
  type: T;
  discriminator?: string;
  severity: Severity;
  title: string;
  summary: string;
  values: EventPayload<T>;
  /** Candidate start time, used when the condition is new (vendor time when known keeps event ids stable). */
  startsAtMs: number;
  /**
   * Which occurrence this is (the failing instance, the state entered). When it differs from the firing
   * condition's, the incident happened again: it stays open and a firing event with the next occurrence
   * number goes out (an update for the router, a new trigger for remediation). It never resolves it.
   */
  occurrence?: string;
}

/** A finding's diagnosis and extra links (runbook). */
export interface Explained {
  diagnosis: EventDiagnosis;
  links: { title: string; url: string }[];
}

export interface Thresholds {
  firePolls: number;
  resolvePolls: number;
  /**
   * Polls worth counting (default `firePolls`): `seen` stops there, so a condition that stays as it is
   * leaves its stored state untouched and a steady poll writes nothing (issue 17). `pollsFiring` in
   * events is therefore "seen on at least this many consecutive polls".
   */
  countPolls?: number;
}

/** Everything an event needs besides the finding. */
export interface EventContext {
  provider: ProviderId;
  targetId: string;
  region: string;
  ref: ResourceRef;
  labels: Record<string, string>;
  consoleUrl?: string;
  /**
   * Facts every event on this resource carries (state, since, targetJobCount, ...), or a function making
   * a new object of them for each event: a job's are made only when one of its events goes out, not for
   * every job on every poll.
   */
  baseValues: BaseFacts | (() => BaseFacts);
  /** A firing event's diagnosis and extra links (job findings), made only when the event goes out. */
  explain?: (finding: Finding) => Explained;
  /** Title of a resolve on this resource, when `ReconcileInput.resolvedTitle` gives none. */
  resolvedTitle?: (condition: ConditionState) => string;
}

export interface ReconcileInput {
  previous: Readonly<Record<string, ConditionState>>;
  findings: Finding[];
  /**
   * Conditions about which this poll says nothing (their evidence is missing): kept exactly as they were,
   * counters included, with no event, whatever this poll's findings say about them.
   */
  held?: (condition: Pick<ConditionState, 'type' | 'discriminator'>) => boolean;
  thresholds: (type: EventType, discriminator: string | undefined) => Thresholds;
  context: EventContext;
  nowMs: number;
  /** Title of a resolve; defaults to "Resolved: <firing title>". */
  resolvedTitle?: (condition: ConditionState) => string;
  /** Why it resolved, for the summary (e.g. "the job is no longer listed"). */
  resolvedReason?: string;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export function reconcile(input: ReconcileInput): {
  conditions: Record<string, ConditionState>;
  drafts: EventInput[];
} {
  const { context, nowMs } = input;
  // Like `next`: made with the first event (a steady resource has none).
  let drafts: EventInput[] | undefined;
  // Made when the first condition is kept: most resources, every poll, keep none.
  let next: Record<string, ConditionState> | undefined;

  for (const finding of input.findings) {
    if (input.held?.(finding)) continue;
    const key = conditionKey(finding.type, finding.discriminator);
    // Every finding kept ends in `next`: a second finding of the same condition this poll is ignored.
    if (next !== undefined && Object.hasOwn(next, key)) continue;
    const { firePolls, countPolls } = input.thresholds(finding.type, finding.discriminator);
    const before = input.previous[key];
    // A copy without clearedAtMs (seen again: not cleared); no spread, no delete (both slow in V8).
    let condition: ConditionState | undefined = before ? copyCondition(before, 'clearedAtMs') : undefined;
    // Only `resolvePolls` clean polls end an incident; a new occurrence while it is open does not.
    const recurred =
      condition?.firing === true &&
      finding.occurrence !== undefined &&
      condition.occurrence !== undefined &&
      finding.occurrence !== condition.occurrence;
    if (!condition) {
      condition = {
        type: finding.type,
        seen: 0,
        absent: 0,
        firing: false,
        startsAtMs: wholeMs(finding.startsAtMs, nowMs),
      };
      if (finding.discriminator) condition.discriminator = finding.discriminator;
    }
    if (condition.seen < Math.max(firePolls, countPolls ?? 0)) condition.seen += 1;
    condition.absent = 0;
    if (finding.occurrence !== undefined) condition.occurrence = finding.occurrence;

    if (!condition.firing && condition.seen >= firePolls) {
      condition.firing = true;
      condition.severity = finding.severity;
      condition.title = finding.title;
      drafts = withDraft(drafts, firingEvent(context, condition, finding, condition.startsAtMs, nowMs));
    } else if (recurred) {
      // The same incident again (a restarted job failed anew): news for remediation, not a new page.
      condition.occurrences = (condition.occurrences ?? 1) + 1;
      if (SEVERITY_RANK[finding.severity] > SEVERITY_RANK[condition.severity ?? finding.severity])
        condition.severity = finding.severity;
      condition.title = finding.title;
      drafts = withDraft(drafts, firingEvent(context, condition, finding, undefined, nowMs));
    } else if (
      condition.firing &&
      SEVERITY_RANK[finding.severity] > SEVERITY_RANK[condition.severity ?? finding.severity]
    ) {
      // An escalation is news: same fingerprint, observed now, so the event id differs from the first one.
      condition.severity = finding.severity;
      condition.title = finding.title;
      drafts = withDraft(drafts, firingEvent(context, condition, finding, undefined, nowMs));
    }
    next ??= {};
    next[key] = condition;
  }

  for (const key in input.previous) {
    const previous = input.previous[key] as ConditionState;
    if (!Object.hasOwn(input.previous, key) || (next !== undefined && Object.hasOwn(next, key))) continue;
    if (input.held?.(previous)) {
      next ??= {};
      next[key] = previous;
      continue;
    }
    // A pending condition that goes away was noise: forget it without an event.
    if (!previous.firing) continue;
    const condition = copyCondition(previous);
    condition.absent = previous.absent + 1;
    condition.clearedAtMs = previous.clearedAtMs ?? nowMs;
    const { resolvePolls } = input.thresholds(condition.type, condition.discriminator);
    if (condition.absent >= resolvePolls) {
      drafts = withDraft(drafts, resolvedEvent(context, condition, condition.clearedAtMs, input, nowMs));
      continue;
    }
    next ??= {};
    next[key] = condition;
  }
  return { conditions: next ?? NO_CONDITIONS, drafts: drafts ?? NO_DRAFTS };
}

/**
 * The conditions of a resource with none (most resources, every poll): one shared frozen object rather than
 * an empty one per resource kept in every stored state. Stored states are never changed, only replaced.
 */
const NO_CONDITIONS: Record<string, ConditionState> = Object.freeze({}) as Record<string, ConditionState>;
const NO_DRAFTS: EventInput[] = Object.freeze([]) as unknown as EventInput[];

/** `drafts` with one more (a list of exactly one when it is the first: most resources have one at most). */
function withDraft(drafts: EventInput[] | undefined, draft: EventInput): EventInput[] {
  if (drafts === undefined) return [draft];
  drafts.push(draft);
  return drafts;
}

/**
 * Observation time of the condition's next event: this poll's clock, but always after the previous event
 * of the same condition, so consumers can order them even if the clock stepped back.
 */
function observe(condition: ConditionState, nowMs: number): number {
  const observedAtMs = Math.max(Math.round(nowMs), (condition.observedAtMs ?? Number.NEGATIVE_INFINITY) + 1);
  condition.observedAtMs = observedAtMs;
  return observedAtMs;
}

/** `atMs` (the event's time and id) defaults to the observation: an update observed now is a new event. */
function firingEvent(
  context: EventContext,
  condition: ConditionState,
  finding: Finding,
  atMs: number | undefined,
  nowMs: number,
): EventInput {
  const observedAtMs = observe(condition, nowMs);
  const explained = context.explain?.(finding);
  // The resource's facts and the finding's are both parts of the finding type's payload.
  const values = assignOwn(baseValuesOf(context), finding.values) as Record<string, unknown>;
  values['pollsFiring'] = condition.seen;
  // No spreads in this literal: a spread followed by more members costs microseconds per event in V8.
  const event: EventInput = {
    type: finding.type,
    provider: context.provider,
    targetId: context.targetId,
    region: context.region,
    resource: context.ref,
    severity: finding.severity,
    status: 'firing',
    // Kept until the event is sent (the title in the condition's state too): flat, not as ropes.
    title: flat(finding.title),
    summary: flat(finding.summary),
    labels: context.labels,
    links: links(context, explained?.links),
    values: finiteValues(values as EventPayload<EventType>),
    startsAtMs: condition.startsAtMs,
    atMs: atMs ?? observedAtMs,
    observedAtMs,
    occurrence: condition.occurrences ?? 1,
  };
  if (finding.discriminator) event.discriminator = finding.discriminator;
  if (explained) event.diagnosis = explained.diagnosis;
  return event;
}

function resolvedEvent(
  context: EventContext,
  condition: ConditionState,
  endsAtMs: number,
  input: ReconcileInput,
  nowMs: number,
): EventInput {
  const reason = input.resolvedReason;
  const observedAtMs = observe(condition, nowMs);
  const title =
    input.resolvedTitle?.(condition) ??
    context.resolvedTitle?.(condition) ??
    `Resolved: ${condition.title ?? condition.type}`;
  const lasted = Math.max(0, Math.round((endsAtMs - condition.startsAtMs) / 1000));
  const values = baseValuesOf(context) as Record<string, unknown>;
  values['pollsFiring'] = condition.seen;
  values['durationSeconds'] = lasted;
  const event: EventInput = {
    type: condition.type,
    provider: context.provider,
    targetId: context.targetId,
    region: context.region,
    resource: context.ref,
    severity: condition.severity ?? 'info',
    status: 'resolved',
    title: flat(title),
    summary: flat(`${condition.title ?? condition.type} has cleared${reason ? ` (${reason})` : ''}.`),
    labels: context.labels,
    links: links(context),
    values: finiteValues(values as EventPayload<EventType>),
    startsAtMs: condition.startsAtMs,
    endsAtMs: Math.max(endsAtMs, condition.startsAtMs),
    observedAtMs,
    occurrence: condition.occurrences ?? 1,
  };
  if (condition.discriminator) event.discriminator = condition.discriminator;
  return event;
}

/** A new object of the resource's facts, which the event then owns (and adds its own to). */
function baseValuesOf(context: EventContext): Record<string, unknown> {
  const base = context.baseValues;
  return typeof base === 'function' ? base.call(context) : assignOwn({}, base);
}

/** A copy of a stored condition, without `skipped` and undefined members. */
function copyCondition(condition: ConditionState, skipped?: keyof ConditionState): ConditionState {
  const copy: Record<string, unknown> = {};
  const from = condition as unknown as Record<string, unknown>;
  for (const key in from) {
    if (Object.hasOwn(from, key) && key !== skipped && from[key] !== undefined) copy[key] = from[key];
  }
  return copy as unknown as ConditionState;
}

/** Vendor figures can be NaN or fractional; an event must not fail validation because of them. */
export function wholeMs(value: number, fallbackMs: number): number {
  return Number.isFinite(value) ? Math.round(value) : Math.round(fallbackMs);
}

/** Drops non-finite numbers in place: callers pass a fresh object (one allocation less per event). */
function finiteValues<V extends object>(values: V): V {
  const record = values as Record<string, unknown>;
  for (const key in record) {
    const value = record[key];
    if (typeof value === 'number' && !Number.isFinite(value)) delete record[key];
  }
  return values;
}

/** The console link, then the finding's own (a runbook); one shared empty list for an event with none. */
function links(context: EventContext, more?: EventLink[]): EventLink[] {
  const extra = more !== undefined && more.length > 0;
  if (!context.consoleUrl) return extra ? more : NO_LINKS;
  const consoleLink = { title: 'console', url: context.consoleUrl };
  return extra ? [consoleLink].concat(more) : [consoleLink];
}

type EventLink = { title: string; url: string };
/** Events are never changed once made: the many without a link share this (frozen) list. */
const NO_LINKS: EventLink[] = Object.freeze([]) as unknown as EventLink[];
