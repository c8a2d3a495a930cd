/**
 * The one hysteresis engine every rule goes through: findings of this poll plus the conditions remembered
 * from earlier polls give the events to emit and the conditions to remember. A condition fires once after
 * `firePolls` consecutive sightings and resolves once after `resolvePolls` consecutive absences, so one
 * noisy poll neither fires nor resolves, and nothing repeats per poll (repeats are the router's job).
 */
import {
  buildEvent,
  type EventType,
  type JobwatchEvent,
  type ResourceRef,
  type Severity,
} from '../events/index.js';
import type { ProviderId } from '../model/snapshot.js';
import { type ConditionState, conditionKey } from './state.js';

export type Values = Record<string, string | number | boolean | null>;

/** What a rule saw on this poll. */
export interface Finding {
  type: EventType;
  discriminator?: string;
  severity: Severity;
  title: string;
  summary: string;
  values: Values;
  /** Candidate start time, used when the condition is new (vendor time when known keeps event ids stable). */
  startsAtMs: number;
  /** When set and different from the firing condition's, the old occurrence resolves and a new one fires. */
  occurrence?: string;
}

export interface Thresholds {
  firePolls: number;
  resolvePolls: number;
}

/** Everything an event needs besides the finding. */
export interface EventContext {
  provider: ProviderId;
  targetId: string;
  region: string;
  ref: ResourceRef;
  labels: Record<string, string>;
  consoleUrl?: string;
  /** Values every event on this resource carries (state, since, targetJobCount, ...). */
  baseValues: Values;
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
  events: JobwatchEvent[];
} {
  const { context, nowMs } = input;
  const events: JobwatchEvent[] = [];
  const next: Record<string, ConditionState> = {};
  const seenKeys = new Set<string>();

  for (const finding of input.findings) {
    if (input.held?.(finding)) continue;
    const key = conditionKey(finding.type, finding.discriminator);
    if (seenKeys.has(key)) continue;
    seenKeys.add(key);
    const { firePolls } = input.thresholds(finding.type, finding.discriminator);
    let condition: ConditionState | undefined = input.previous[key] ? { ...input.previous[key] } : undefined;

    if (
      condition?.firing &&
      finding.occurrence !== undefined &&
      condition.occurrence !== undefined &&
      finding.occurrence !== condition.occurrence
    ) {
      events.push(resolvedEvent(context, condition, nowMs, input, 'a new occurrence started'));
      condition = undefined;
    }
    if (!condition) {
      condition = {
        type: finding.type,
        seen: 0,
        absent: 0,
        firing: false,
        startsAtMs: wholeMs(finding.startsAtMs, nowMs),
        ...(finding.discriminator ? { discriminator: finding.discriminator } : {}),
      };
    }
    condition.seen += 1;
    condition.absent = 0;
    delete condition.clearedAtMs;
    if (finding.occurrence !== undefined && !condition.firing) condition.occurrence = finding.occurrence;

    if (!condition.firing && condition.seen >= firePolls) {
      condition.firing = true;
      condition.severity = finding.severity;
      condition.title = finding.title;
      events.push(firingEvent(context, condition, finding, condition.startsAtMs, nowMs));
    } else if (
      condition.firing &&
      SEVERITY_RANK[finding.severity] > SEVERITY_RANK[condition.severity ?? finding.severity]
    ) {
      // An escalation is news: same fingerprint, observed now, so the event id differs from the first one.
      condition.severity = finding.severity;
      condition.title = finding.title;
      events.push(firingEvent(context, condition, finding, nowMs, nowMs));
    }
    next[key] = condition;
  }

  for (const [key, previous] of Object.entries(input.previous)) {
    if (seenKeys.has(key)) continue;
    if (input.held?.(previous)) {
      next[key] = previous;
      continue;
    }
    // A pending condition that goes away was noise: forget it without an event.
    if (!previous.firing) continue;
    const condition = {
      ...previous,
      absent: previous.absent + 1,
      clearedAtMs: previous.clearedAtMs ?? nowMs,
    };
    const { resolvePolls } = input.thresholds(condition.type, condition.discriminator);
    if (condition.absent >= resolvePolls) {
      events.push(resolvedEvent(context, condition, condition.clearedAtMs, input));
      continue;
    }
    next[key] = condition;
  }
  return { conditions: next, events };
}

function firingEvent(
  context: EventContext,
  condition: ConditionState,
  finding: Finding,
  atMs: number,
  observedAtMs: number,
): JobwatchEvent {
  return buildEvent({
    type: finding.type,
    provider: context.provider,
    targetId: context.targetId,
    region: context.region,
    resource: context.ref,
    severity: finding.severity,
    status: 'firing',
    title: finding.title,
    summary: finding.summary,
    labels: context.labels,
    links: links(context),
    values: finiteValues({ ...context.baseValues, ...finding.values, pollsFiring: condition.seen }),
    ...(finding.discriminator ? { discriminator: finding.discriminator } : {}),
    startsAtMs: condition.startsAtMs,
    atMs,
    observedAtMs,
  });
}

function resolvedEvent(
  context: EventContext,
  condition: ConditionState,
  endsAtMs: number,
  input: ReconcileInput,
  reason = input.resolvedReason,
): JobwatchEvent {
  const title = input.resolvedTitle?.(condition) ?? `Resolved: ${condition.title ?? condition.type}`;
  const lasted = Math.max(0, Math.round((endsAtMs - condition.startsAtMs) / 1000));
  return buildEvent({
    type: condition.type,
    provider: context.provider,
    targetId: context.targetId,
    region: context.region,
    resource: context.ref,
    severity: condition.severity ?? 'info',
    status: 'resolved',
    title,
    summary: `${condition.title ?? condition.type} has cleared${reason ? ` (${reason})` : ''}.`,
    labels: context.labels,
    links: links(context),
    values: finiteValues({ ...context.baseValues, pollsFiring: condition.seen, durationSeconds: lasted }),
    ...(condition.discriminator ? { discriminator: condition.discriminator } : {}),
    startsAtMs: condition.startsAtMs,
    endsAtMs: Math.max(endsAtMs, condition.startsAtMs),
    observedAtMs: input.nowMs,
  });
}

/** Vendor figures can be NaN or fractional; an event must not fail validation because of them. */
export function wholeMs(value: number, fallbackMs: number): number {
  return Number.isFinite(value) ? Math.round(value) : Math.round(fallbackMs);
}

/** Drops non-finite numbers in place: callers pass a fresh object (one allocation less per event). */
function finiteValues(values: Values): Values {
  for (const key in values) {
    const value = values[key];
    if (typeof value === 'number' && !Number.isFinite(value)) delete values[key];
  }
  return values;
}

function links(context: EventContext): { title: string; url: string }[] {
  return context.consoleUrl ? [{ title: 'console', url: context.consoleUrl }] : [];
}
