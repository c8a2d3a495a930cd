/**
 * The typed contract of `data.values`: for every catalog type, the facts its producers write and their
 * types, and its kind (a finding about a resource, or a decision jobwatch made about one). Producers build
 * these payloads (`buildEvent` infers the type's payload from `type`), consumers read them through
 * `payloadOf`, and both the zod schema and the fast check in `lib/events/build.ts` are generated from the one table
 * below, so they cannot drift apart.
 *
 * Why every field is optional and other keys may ride along: resolved events carry the resource's facts
 * but not the finding's; events from the webhook ingest (`/ingest/events`, CloudMonitor, ARMS, Cloud Eye)
 * carry what the sender reported (a documented, free-form `values` of up to 32 scalars); and events stored
 * before this contract existed (alert groups, dead letters, recent events) and events in flight on the bus
 * were written by the same producers with the same keys and types, so they parse unchanged and no
 * migration or compatibility path is needed. A known key with the wrong type is always rejected, naming
 * `data.values.<key>`; an unknown key is kept as an extra (a scalar), shown by the alert view as a figure.
 */
import { z } from 'zod';
import { EVENT_TYPE_NAMES, type EventType } from './catalog.js';
import { CONTAINER_HEALTH, JOB_STATES } from './snapshot.js';

/** One value of `data.values`: a scalar, never an object (values are shown and matched, not walked). */
export type EventValue = string | number | boolean | null;
export type EventValues = Record<string, EventValue>;

type Field =
  | { readonly type: 'string' | 'number' | 'boolean'; readonly nullable?: true }
  | { readonly type: 'enum'; readonly values: readonly string[]; readonly nullable?: true };

const text = { type: 'string' } as const;
const num = { type: 'number' } as const;
const flag = { type: 'boolean' } as const;
const oneOf = <const V extends readonly string[]>(values: V) => ({ type: 'enum', values }) as const;
const orNull = <const F extends Field>(field: F) => ({ ...field, nullable: true }) as const;

/** How a remediation decision was taken: only announced (`dry-run`) or sent to the vendor (`enforce`). */
export const REMEDIATION_MODES = ['dry-run', 'enforce'] as const;
/** What became of a remediation decision. */
export const DECISION_OUTCOMES = [
  'dry-run',
  'verified',
  'skipped',
  'rejected',
  'failed',
  'timeout',
  'unsupported',
  'gave-up',
  'interrupted',
] as const;

/**
 * Facts that carry vendor error text. It is scrubbed, single-spaced and cut to MAX_ERROR_CHARS once, where
 * it enters jobwatch (the collectors; the webhook ingest for these facts), and copied as it is after that.
 */
export const VENDOR_TEXT_FACTS: ReadonlySet<string> = new Set([
  'lastError',
  'lastCheckpointError',
  'lastFailoverError',
  'detail',
]);

/**
 * Every detection event: how many consecutive polls saw it; on a resolve, how long it lasted and whether
 * the resource is gone (no longer listed by a complete snapshot).
 */
const CONDITION_FACTS = { pollsFiring: num, durationSeconds: num, gone: flag } as const;

/** What every job event says about the job (detection's `jobBaseValues`). */
const JOB_FACTS = {
  state: oneOf(JOB_STATES),
  vendorState: text,
  /** ISO time the job entered its state ('unknown' for a vendor timestamp that is not one). */
  since: text,
  targetJobCount: num,
  stateCause: oneOf(['user', 'system']),
  /** The vendor's own auto-restart is on. */
  autoRestart: flag,
  /** Evidence this poll could not read, comma-separated (state, checkpoints, failovers, ...). */
  missingEvidence: text,
  startedAt: text,
  finishedAt: text,
  /** Scrubbed, single-spaced and cut where it entered jobwatch (the collector, or the webhook ingest). */
  lastError: text,
  /** The unhealthy queue or cluster the job runs on. */
  container: text,
  containerHealth: oneOf(CONTAINER_HEALTH),
  ...CONDITION_FACTS,
} as const;

const CONTAINER_FACTS = {
  health: oneOf(CONTAINER_HEALTH),
  vendorState: text,
  since: text,
  targetJobCount: num,
  jobsOnContainer: num,
  unhealthyHostCount: num,
  /** "node-2 (lost), node-5 (unhealthy)", at most MAX_HOSTS_LISTED. */
  unhealthyHosts: text,
  detail: text,
  ...CONDITION_FACTS,
} as const;

const DECISION_FACTS = {
  action: text,
  mode: oneOf(REMEDIATION_MODES),
  outcome: oneOf(DECISION_OUTCOMES),
  /** "2/3": this attempt against the job's budget; null when the decision is not an attempt. */
  attempt: orNull(text),
  reason: text,
  /** Why the action was not taken (a guard's skip code); null when it was. */
  reasonCode: orNull(text),
  policy: text,
  /** The finding's type and fingerprint the decision is about. */
  trigger: text,
  triggerFingerprint: text,
  finalState: text,
  /** An action waiting for a person (policy `approval: required`): its id and when the request lapses. */
  approvalId: text,
  approvalExpiresAtMs: num,
} as const;

/** The catalog's payloads and kinds. A new type is one row here (and one in EVENT_TYPES). */
export const EVENT_CONTRACT = {
  'job.failed': { kind: 'finding', fields: JOB_FACTS },
  'job.state_changed': {
    kind: 'finding',
    fields: { ...JOB_FACTS, from: text, to: oneOf(JOB_STATES), expected: flag },
  },
  'job.stuck': {
    kind: 'finding',
    fields: { ...JOB_FACTS, stuckSeconds: num, limitSeconds: num, progress: num },
  },
  'checkpoint.failed': {
    kind: 'finding',
    fields: {
      ...JOB_FACTS,
      failedCheckpoints: num,
      /** Comma-separated ids of the new failures, the last ten. */
      failedCheckpointIds: text,
      failedCount: num,
      lastCheckpointError: text,
    },
  },
  'checkpoint.stalled': {
    kind: 'finding',
    fields: {
      ...JOB_FACTS,
      lastCheckpointAgeSeconds: num,
      stallLimitSeconds: num,
      lastCompletedId: num,
      lastCompletedAt: text,
      intervalSeconds: num,
      inProgressCount: num,
    },
  },
  'failover.burst': {
    kind: 'finding',
    fields: {
      ...JOB_FACTS,
      newFailovers: num,
      windowSeconds: num,
      burstCount: num,
      lastFailoverAt: text,
      lastFailoverError: text,
    },
  },
  'metric.threshold': {
    kind: 'finding',
    fields: {
      ...JOB_FACTS,
      metric: text,
      value: num,
      threshold: num,
      direction: oneOf(['above', 'below']),
      forPolls: num,
      unit: text,
      /** The value as an ingested cloud alarm reported it, as text. */
      currentValue: text,
    },
  },
  'cluster.unhealthy': { kind: 'finding', fields: CONTAINER_FACTS },
  'queue.unhealthy': { kind: 'finding', fields: CONTAINER_FACTS },
  'source.unreachable': {
    kind: 'finding',
    fields: {
      targetJobCount: num,
      /** Whether the snapshot was complete despite the errors. */
      complete: flag,
      errorCount: num,
      operations: text,
      kinds: text,
      pollsFailing: num,
      statuses: text,
      lastError: text,
      /** Why the first call failed, in an on-call engineer's words. */
      reason: text,
      ...CONDITION_FACTS,
    },
  },
  'monitor.stale': {
    kind: 'finding',
    fields: { lastPollAtMs: num, intervalMs: num, missedIntervals: num },
  },
  'remediation.performed': { kind: 'decision', fields: DECISION_FACTS },
  'remediation.skipped': { kind: 'decision', fields: DECISION_FACTS },
  'remediation.failed': { kind: 'decision', fields: DECISION_FACTS },
} as const satisfies Record<EventType, { kind: EventKind; fields: Record<string, Field> }>;

/**
 * A finding is something detection (or a webhook sender) saw about a resource: it fires and resolves,
 * routes, repeats and may trigger remediation. A decision is what remediation did about a finding: a
 * point-in-time fact that never resolves, is sent once (no repeat reminders) and never triggers anything.
 */
export type EventKind = 'finding' | 'decision';

type Contract = typeof EVENT_CONTRACT;
type FieldValue<F> = F extends { type: 'enum'; values: readonly (infer V)[] }
  ? V
  : F extends { type: 'number' }
    ? number
    : F extends { type: 'boolean' }
      ? boolean
      : string;
type Nullable<F> = F extends { nullable: true } ? null : never;

/** The payload of one type: every known fact, typed; producers may write only these. A union of types gives the union of payloads. */
export type EventPayload<T extends EventType> = T extends EventType
  ? {
      -readonly [K in keyof Contract[T]['fields']]?:
        | FieldValue<Contract[T]['fields'][K]>
        | Nullable<Contract[T]['fields'][K]>;
    }
  : never;

/** An event's type with its payload: switch on `type` and the payload is typed. */
export type TypedPayload = { [T in EventType]: { type: T; values: EventPayload<T> } }[EventType];

export const FINDING_TYPES = EVENT_TYPE_NAMES.filter((t) => EVENT_CONTRACT[t].kind === 'finding');
export const DECISION_TYPES = EVENT_TYPE_NAMES.filter((t) => EVENT_CONTRACT[t].kind === 'decision');

/** The kind of a catalog type; a string that is no catalog type is neither (undefined). */
export function eventKind(type: string): EventKind | undefined {
  return Object.hasOwn(EVENT_CONTRACT, type) ? EVENT_CONTRACT[type as EventType].kind : undefined;
}

/** Remediation's own record of what it did: never a trigger, never ingested, sent once, never resolved. */
export function isDecision(type: string): boolean {
  return eventKind(type) === 'decision';
}

/**
 * The one answer to "may remediation act on this event?": a firing finding, never a decision (its own
 * output, so it cannot loop). A resolved finding still reaches remediation, to end what it waits for.
 */
export function isTrigger(event: { data: { type: string; status: string } }): boolean {
  return event.data.status === 'firing' && eventKind(event.data.type) === 'finding';
}

/**
 * The event's payload typed by its type. Sound because every event is checked against its type's payload
 * when it is built or parsed (`buildEvent`, `parseEvent`, the bus envelope); extras a webhook sender added
 * stay in `values` but are not part of the typed view.
 */
export function payloadOf(data: { type: EventType | string; values: EventValues }): TypedPayload {
  return { type: data.type, values: data.values } as TypedPayload;
}

/** A decision's facts, typed; undefined for a finding. */
export function decisionFacts(data: {
  type: EventType | string;
  values: EventValues;
}): EventPayload<'remediation.performed' | 'remediation.skipped' | 'remediation.failed'> | undefined {
  const payload = payloadOf(data);
  return payload.type === 'remediation.performed' ||
    payload.type === 'remediation.skipped' ||
    payload.type === 'remediation.failed'
    ? payload.values
    : undefined;
}

/** The values no producer of this type writes (a webhook sender's own figures), in their order. */
export function extrasOf(type: string, values: EventValues): EventValues {
  const fields: Record<string, Field> | undefined = Object.hasOwn(EVENT_CONTRACT, type)
    ? EVENT_CONTRACT[type as EventType].fields
    : undefined;
  const extras: EventValues = {};
  for (const [key, value] of Object.entries(values))
    if (!fields || !Object.hasOwn(fields, key)) extras[key] = value;
  return extras;
}

function zodOf(field: Field): z.ZodType {
  const base =
    field.type === 'enum'
      ? z.enum(field.values as [string, ...string[]])
      : field.type === 'number'
        ? z.number()
        : field.type === 'boolean'
          ? z.boolean()
          : z.string();
  return field.nullable ? base.nullable() : base;
}

const valueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** The zod schema of each type's payload: known facts typed, other scalar keys kept. */
export const PAYLOAD_SCHEMAS = Object.fromEntries(
  EVENT_TYPE_NAMES.map((type) => {
    const fields: Record<string, Field> = EVENT_CONTRACT[type].fields;
    const shape = Object.fromEntries(Object.entries(fields).map(([key, f]) => [key, zodOf(f).optional()]));
    return [type, z.object(shape).catchall(valueSchema)];
  }),
) as unknown as Record<EventType, z.ZodType>;

const FIELD_CHECKS = new Map<string, Map<string, (value: unknown) => boolean>>(
  EVENT_TYPE_NAMES.map((type) => {
    const fields: Record<string, Field> = EVENT_CONTRACT[type].fields;
    return [type, new Map(Object.entries(fields).map(([key, f]) => [key, checkOf(f)]))];
  }),
);

function checkOf(field: Field): (value: unknown) => boolean {
  const nullable = field.nullable === true;
  if (field.type === 'enum') {
    const allowed: ReadonlySet<unknown> = new Set(field.values);
    return (v) => allowed.has(v) || (nullable && v === null);
  }
  if (field.type === 'number')
    return (v) => (typeof v === 'number' && Number.isFinite(v)) || (nullable && v === null);
  const type = field.type;
  return (v) => typeof v === type || (nullable && v === null);
}

/**
 * The first known key of `values` whose value does not fit the type's payload, or undefined when every
 * known key fits (the fast twin of PAYLOAD_SCHEMAS; an unknown type has no known keys).
 */
export function payloadMismatch(type: string, values: Readonly<Record<string, unknown>>): string | undefined {
  const checks = FIELD_CHECKS.get(type);
  if (!checks) return undefined;
  for (const key in values) {
    const check = checks.get(key);
    if (check && Object.hasOwn(values, key) && !check(values[key])) return key;
  }
  return undefined;
}
