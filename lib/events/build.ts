import { HEALTH_GRADES, type HealthGrade } from '../diagnose/health.js';
import { DIAGNOSIS_CATEGORIES } from '../diagnose/types.js';
import { EVENT_STATUSES, EVENT_TYPE_NAMES, type EventType, SEVERITIES } from '../model/catalog.js';
import type { EventDiagnosis, EventInput, ResourceRef } from '../model/event-input.js';
import { type EventValues, payloadMismatch } from '../model/payloads.js';
import { JOB_KINDS, PROVIDER_ID_PATTERN } from '../model/snapshot.js';
import { assignOwn } from '../text/record.js';
import { isoTime } from '../text/time.js';
import { eventId, fingerprint } from './fingerprint.js';
import { type EventData, type JobwatchEvent, jobwatchEventSchema } from './schema.js';
import { CLOUDEVENT_TYPE_PREFIX } from './types.js';

export type { EventInput } from '../model/event-input.js';

/**
 * Builds and validates one CloudEvent. Throws on invalid input: detection bugs must be loud.
 *
 * Detection builds tens of thousands of events per poll, so validation is a direct check of the schema's
 * constraints (`checkedEvent`) rather than a zod parse; only input that fails it goes through
 * `jobwatchEventSchema.parse`, which throws the usual ZodError naming the field (ingest reports those).
 */
export function buildEvent<T extends EventType>(input: EventInput<T>): JobwatchEvent {
  const fp = fingerprint(input.type, input.resource.key, input.discriminator);
  const atMs =
    input.atMs ?? (input.status === 'resolved' ? (input.endsAtMs ?? input.startsAtMs) : input.startsAtMs);
  // Members assigned in the schema's order, the optional ones only when present (no spreads: a spread
  // followed by more members costs microseconds per object in V8, and this runs once per event).
  const data = {
    type: input.type,
    provider: input.provider,
    targetId: input.targetId,
    region: input.region,
    resource: input.resource,
    severity: input.severity,
    status: input.status,
    title: input.title,
    summary: input.summary,
    labels: input.labels ?? {},
    links: input.links ?? [],
    values: (input.extras ? mergedValues(input.values, input.extras) : (input.values ?? {})) as EventValues,
    fingerprint: fp,
    startsAtMs: input.startsAtMs,
  } as EventData;
  if (input.endsAtMs !== undefined) data.endsAtMs = input.endsAtMs;
  if (input.observedAtMs !== undefined) data.observedAtMs = input.observedAtMs;
  if (input.occurrence !== undefined) data.occurrence = input.occurrence;
  if (input.diagnosis !== undefined) data.diagnosis = input.diagnosis;
  if (input.health !== undefined) data.health = input.health;
  const candidate = {
    specversion: '1.0',
    id: eventId(fp, input.status, atMs),
    source: sourceOf(input.provider, input.targetId),
    type: cloudEventType(input.type),
    subject: input.resource.key,
    time: isoTime(atMs),
    datacontenttype: 'application/json',
    data,
  } as const;
  return checkedEvent(candidate, true) ?? jobwatchEventSchema.parse(candidate);
}

/** The CloudEvent `source` of a target, made once per target rather than per event. */
function sourceOf(provider: string, targetId: string): string {
  // A poll's events are one target's: the last answer serves without a lookup.
  if (last !== undefined && provider === last.provider && targetId === last.targetId) return last.source;
  let byTarget = sources.get(provider);
  if (!byTarget) {
    if (sources.size >= 100) sources.clear();
    byTarget = new Map();
    sources.set(provider, byTarget);
  }
  let source = byTarget.get(targetId);
  if (source === undefined) {
    source = `jobwatch/${provider}/${targetId}`;
    if (byTarget.size >= 10_000) byTarget.clear();
    byTarget.set(targetId, source);
  }
  last = { provider, targetId, source };
  return source;
}

let last: { provider: string; targetId: string; source: string } | undefined;

const sources = new Map<string, Map<string, string>>();

/** The CloudEvent `type` of a catalog type, made once per type. */
function cloudEventType(type: string): string {
  let cloudType = cloudTypes.get(type);
  if (cloudType === undefined) {
    cloudType = `${CLOUDEVENT_TYPE_PREFIX}${type}`;
    if (cloudTypes.size < 1000) cloudTypes.set(type, cloudType);
  }
  return cloudType;
}

const cloudTypes = new Map<string, string>();

function mergedValues(values: object | undefined, extras: EventValues): Record<string, unknown> {
  return assignOwn(assignOwn({}, values), extras);
}

const TYPE_NAMES: ReadonlySet<string> = new Set(EVENT_TYPE_NAMES);
const JOB_KIND_NAMES: ReadonlySet<string> = new Set(JOB_KINDS);
const SEVERITY_NAMES: ReadonlySet<string> = new Set(SEVERITIES);
const STATUS_NAMES: ReadonlySet<string> = new Set(EVENT_STATUSES);
const REF_KINDS: ReadonlySet<string> = new Set(['job', 'cluster', 'queue', 'target']);
const SCOPE_KINDS: ReadonlySet<string> = new Set(['project', 'cluster', 'queue', 'target']);
const FINGERPRINT = /^[0-9a-f]{16}$/;
/** What `Date#toISOString` gives for years 0000-9999, the only ones `z.iso.datetime` accepts. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * `pattern.test`, remembering the last string that passed: an event's provider is its target's and its time
 * is mostly its poll's, so most events ask about the same string as the one before (no regex run for them).
 */
function lastPassing(pattern: RegExp): (value: string) => boolean {
  let passed: string | undefined;
  return (value) => {
    if (value === passed) return true;
    if (!pattern.test(value)) return false;
    passed = value;
    return true;
  };
}

const isProviderId = lastPassing(PROVIDER_ID_PATTERN);
const isIsoTime = lastPassing(ISO_TIME);

const isString = (value: unknown): value is string => typeof value === 'string';
const isFilled = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
/** A string the schema's enum (`names`) holds. */
const isOneOf = (value: unknown, names: ReadonlySet<string>): value is string =>
  typeof value === 'string' && names.has(value);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isEventValue = (value: unknown) =>
  value === null ||
  typeof value === 'string' ||
  typeof value === 'boolean' ||
  (typeof value === 'number' && Number.isFinite(value));

/**
 * The record as zod returns it when every member is valid, else undefined. A plain object is returned as
 * it is (zod would return an equal copy with the same members in the same order).
 */
function checkedRecord<T>(
  value: unknown,
  valid: (member: unknown) => member is T,
): Record<string, T> | undefined {
  if (!isObject(value)) return undefined;
  for (const key in value) {
    if (Object.hasOwn(value, key) && !valid(value[key])) return undefined;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) return value as Record<string, T>;
  const copy: Record<string, T> = {};
  assignOwn(copy, value);
  return copy;
}

/**
 * Whether `value` is already what zod would return for it: a plain object whose own members are the
 * schema's `keys` (a subsequence, in the schema's order), none undefined. Such a member is kept by reference
 * instead of copied; anything else is rebuilt in the schema's order, unknown members dropped.
 */
function hasSchemaShape(value: Record<string, unknown>, keys: readonly string[]): boolean {
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  let i = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return false;
    while (i < keys.length && keys[i] !== key) i++;
    if (i === keys.length || value[key] === undefined) return false;
    i++;
  }
  return true;
}

const EVENT_KEYS = ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data'];
const DATA_KEYS = [
  'type',
  'provider',
  'targetId',
  'region',
  'resource',
  'severity',
  'status',
  'title',
  'summary',
  'labels',
  'links',
  'values',
  'fingerprint',
  'startsAtMs',
  'endsAtMs',
  'observedAtMs',
  'occurrence',
  'diagnosis',
  'health',
];
const RESOURCE_KEYS = ['key', 'kind', 'name', 'vendorId', 'instanceId', 'jobKind', 'scope'];
const SCOPE_KEYS = ['kind', 'id', 'name'];
const LINK_KEYS = ['title', 'url'];
const DIAGNOSIS_KEYS = ['category', 'summary', 'hint', 'rootCause', 'evidence'];
const EVIDENCE_KEYS = ['label', 'value', 'atMs'];
const HEALTH_KEYS = ['score', 'grade', 'summary'];

/**
 * The event as `jobwatchEventSchema.parse` would return it (same members, same order, unknown members
 * dropped), or undefined when any constraint of the schema does not hold. Never looser than the schema:
 * the test suite compares both on valid and invalid events.
 */
export function checkedEvent(
  candidate: {
    id: string;
    source: string;
    type: string;
    subject: string;
    time: string;
    data: EventData;
  },
  /**
   * The candidate and its data were made by `buildEvent`: every member in the schema's order and the
   * optional ones only when defined, so their shape needs no check (their values are still checked).
   */
  shapedByBuild = false,
): JobwatchEvent | undefined {
  const { data } = candidate;
  const resource: unknown = data.resource;
  if (!isObject(resource)) return undefined;
  const scope = resource.scope;
  if (!isObject(scope)) return undefined;
  if (
    !isFilled(resource.key) ||
    !isOneOf(resource.kind, REF_KINDS) ||
    !isString(resource.name) ||
    !isString(resource.vendorId) ||
    (resource.instanceId !== undefined && !isString(resource.instanceId)) ||
    (resource.jobKind !== undefined && !isOneOf(resource.jobKind, JOB_KIND_NAMES)) ||
    !isOneOf(scope.kind, SCOPE_KINDS) ||
    !isString(scope.id) ||
    (scope.name !== undefined && !isString(scope.name))
  )
    return undefined;
  if (
    !isOneOf(data.type, TYPE_NAMES) ||
    !isString(data.provider) ||
    !isProviderId(data.provider) ||
    !isString(data.targetId) ||
    !isString(data.region) ||
    !isOneOf(data.severity, SEVERITY_NAMES) ||
    !isOneOf(data.status, STATUS_NAMES) ||
    !isString(data.title) ||
    !isString(data.summary) ||
    !Number.isSafeInteger(data.startsAtMs) ||
    (data.endsAtMs !== undefined && !Number.isSafeInteger(data.endsAtMs)) ||
    (data.observedAtMs !== undefined && !Number.isSafeInteger(data.observedAtMs)) ||
    (data.occurrence !== undefined && !(Number.isSafeInteger(data.occurrence) && data.occurrence >= 1)) ||
    !isString(data.fingerprint) ||
    !FINGERPRINT.test(data.fingerprint) ||
    !Array.isArray(data.links)
  )
    return undefined;
  if (
    !isFilled(candidate.id) ||
    !isFilled(candidate.source) ||
    !isFilled(candidate.subject) ||
    !isString(candidate.type) ||
    !candidate.type.startsWith(CLOUDEVENT_TYPE_PREFIX) ||
    !isString(candidate.time) ||
    !isIsoTime(candidate.time)
  )
    return undefined;
  const labels = checkedRecord(data.labels, isString);
  const values = checkedRecord(
    data.values,
    isEventValue as (v: unknown) => v is string | number | boolean | null,
  );
  if (!labels || !values || payloadMismatch(data.type, values) !== undefined) return undefined;
  const diagnosis = data.diagnosis === undefined ? undefined : checkedDiagnosis(data.diagnosis);
  if (data.diagnosis !== undefined && diagnosis === undefined) return undefined;
  const health = data.health === undefined ? undefined : checkedHealth(data.health);
  if (data.health !== undefined && health === undefined) return undefined;
  const links = checkedLinks(data.links as unknown[]);
  if (!links) return undefined;
  const ref =
    hasSchemaShape(resource, RESOURCE_KEYS) && hasSchemaShape(scope, SCOPE_KEYS)
      ? (resource as ResourceRef)
      : refOf(resource, scope);
  // Built by buildEvent in the schema's order with valid members: the candidate itself is the result.
  if (
    ref === resource &&
    labels === data.labels &&
    values === data.values &&
    links === data.links &&
    diagnosis === data.diagnosis &&
    health === data.health &&
    (candidate as Record<string, unknown>).specversion === '1.0' &&
    (candidate as Record<string, unknown>).datacontenttype === 'application/json' &&
    (shapedByBuild ||
      (hasSchemaShape(data as unknown as Record<string, unknown>, DATA_KEYS) &&
        hasSchemaShape(candidate, EVENT_KEYS)))
  )
    return candidate as JobwatchEvent;
  const checked: EventData = {
    type: data.type,
    provider: data.provider,
    targetId: data.targetId,
    region: data.region,
    resource: ref,
    severity: data.severity,
    status: data.status,
    title: data.title,
    summary: data.summary,
    labels,
    links,
    values,
    fingerprint: data.fingerprint,
    startsAtMs: data.startsAtMs,
  };
  if (data.endsAtMs !== undefined) checked.endsAtMs = data.endsAtMs;
  if (data.observedAtMs !== undefined) checked.observedAtMs = data.observedAtMs;
  if (data.occurrence !== undefined) checked.occurrence = data.occurrence;
  if (diagnosis !== undefined) checked.diagnosis = diagnosis;
  if (health !== undefined) checked.health = health;
  return {
    specversion: '1.0',
    id: candidate.id,
    source: candidate.source,
    type: candidate.type,
    subject: candidate.subject,
    time: candidate.time,
    datacontenttype: 'application/json',
    data: checked,
  };
}

/** The resource reference rebuilt in the schema's order, unknown members dropped (already checked). */
function refOf(resource: Record<string, unknown>, scope: Record<string, unknown>): ResourceRef {
  const ref = {
    key: resource.key,
    kind: resource.kind,
    name: resource.name,
    vendorId: resource.vendorId,
  } as ResourceRef;
  if (resource.instanceId !== undefined) ref.instanceId = resource.instanceId as string;
  if (resource.jobKind !== undefined) ref.jobKind = resource.jobKind as ResourceRef['jobKind'];
  const checkedScope = { kind: scope.kind, id: scope.id } as ResourceRef['scope'];
  if (scope.name !== undefined) checkedScope.name = scope.name as string;
  ref.scope = checkedScope;
  return ref;
}

/** The links as zod returns them, the array itself when every link has exactly title and url. */
function checkedLinks(links: unknown[]): { title: string; url: string }[] | undefined {
  let exact = Object.getPrototypeOf(links) === Array.prototype;
  for (const link of links) {
    if (!isObject(link) || !isString(link.title) || !isString(link.url)) return undefined;
    if (exact && !hasSchemaShape(link, LINK_KEYS)) exact = false;
  }
  if (exact) return links as { title: string; url: string }[];
  return links.map((link) => {
    const { title, url } = link as { title: string; url: string };
    return { title, url };
  });
}

const GRADE_NAMES: ReadonlySet<string> = new Set(HEALTH_GRADES);

/** The health score as `healthSchema.parse` would return it, or undefined when it is invalid. */
function checkedHealth(value: unknown): EventData['health'] | undefined {
  if (!isObject(value)) return undefined;
  const { score, grade, summary } = value;
  if (!Number.isSafeInteger(score) || (score as number) < 0 || (score as number) > 100) return undefined;
  if (!isString(grade) || !GRADE_NAMES.has(grade) || !isString(summary)) return undefined;
  if (hasSchemaShape(value, HEALTH_KEYS)) return value as EventData['health'];
  return { score: score as number, grade: grade as HealthGrade, summary };
}

const CATEGORY_NAMES: ReadonlySet<string> = new Set(DIAGNOSIS_CATEGORIES);

/** The diagnosis as `diagnosisSchema.parse` would return it, or undefined when it is invalid. */
function checkedDiagnosis(value: unknown): EventDiagnosis | undefined {
  if (!isObject(value)) return undefined;
  if (
    !isString(value.category) ||
    !CATEGORY_NAMES.has(value.category) ||
    !isString(value.summary) ||
    !isString(value.hint) ||
    (value.rootCause !== undefined && !isString(value.rootCause)) ||
    !Array.isArray(value.evidence)
  )
    return undefined;
  let exact =
    hasSchemaShape(value, DIAGNOSIS_KEYS) && Object.getPrototypeOf(value.evidence) === Array.prototype;
  for (const item of value.evidence as unknown[]) {
    if (!isObject(item) || !isString(item.label) || !isString(item.value)) return undefined;
    if (item.atMs !== undefined && !Number.isSafeInteger(item.atMs)) return undefined;
    if (exact && !hasSchemaShape(item, EVIDENCE_KEYS)) exact = false;
  }
  if (exact) return value as EventDiagnosis;
  const evidence: EventDiagnosis['evidence'] = [];
  for (const item of value.evidence as Record<string, unknown>[]) {
    const copy: EventDiagnosis['evidence'][number] = {
      label: item.label as string,
      value: item.value as string,
    };
    if (item.atMs !== undefined) copy.atMs = item.atMs as number;
    evidence.push(copy);
  }
  // Members in the schema's order: rootCause before evidence.
  const diagnosis = {
    category: value.category,
    summary: value.summary,
    hint: value.hint,
  } as EventDiagnosis;
  if (value.rootCause !== undefined) diagnosis.rootCause = value.rootCause;
  diagnosis.evidence = evidence;
  return diagnosis;
}

export function parseEvent(input: unknown): JobwatchEvent {
  return jobwatchEventSchema.parse(input);
}

export function safeParseEvent(input: unknown) {
  return jobwatchEventSchema.safeParse(input);
}
