import { HEALTH_GRADES, type HealthGrade } from '../diagnose/health.js';
import { DIAGNOSIS_CATEGORIES } from '../diagnose/types.js';
import { EVENT_STATUSES, EVENT_TYPE_NAMES, type EventType, SEVERITIES } from '../model/catalog.js';
import type { EventDiagnosis, EventInput, ResourceRef } from '../model/event-input.js';
import { type EventValues, payloadMismatch } from '../model/payloads.js';
import { JOB_KINDS, PROVIDER_ID_PATTERN } from '../model/snapshot.js';
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
  const data: EventData = {
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
    values: (input.extras ? { ...input.values, ...input.extras } : (input.values ?? {})) as EventValues,
    fingerprint: fp,
    startsAtMs: input.startsAtMs,
    ...(input.endsAtMs === undefined ? {} : { endsAtMs: input.endsAtMs }),
    ...(input.observedAtMs === undefined ? {} : { observedAtMs: input.observedAtMs }),
    ...(input.occurrence === undefined ? {} : { occurrence: input.occurrence }),
    ...(input.diagnosis === undefined ? {} : { diagnosis: input.diagnosis }),
    ...(input.health === undefined ? {} : { health: input.health }),
  };
  const candidate = {
    specversion: '1.0',
    id: eventId(fp, input.status, atMs),
    source: `jobwatch/${input.provider}/${input.targetId}`,
    type: `${CLOUDEVENT_TYPE_PREFIX}${input.type}`,
    subject: input.resource.key,
    time: new Date(atMs).toISOString(),
    datacontenttype: 'application/json',
    data,
  } as const;
  return checkedEvent(candidate) ?? jobwatchEventSchema.parse(candidate);
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

const isString = (value: unknown): value is string => typeof value === 'string';
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isEventValue = (value: unknown) =>
  value === null ||
  typeof value === 'string' ||
  typeof value === 'boolean' ||
  (typeof value === 'number' && Number.isFinite(value));

function copyRecord<T>(
  value: unknown,
  valid: (member: unknown) => member is T,
): Record<string, T> | undefined {
  if (!isObject(value)) return undefined;
  for (const key in value) {
    if (Object.hasOwn(value, key) && !valid(value[key])) return undefined;
  }
  // A spread copies own enumerable members in one go (a fresh object, as zod returns).
  return { ...(value as Record<string, T>) };
}

/**
 * The event as `jobwatchEventSchema.parse` would return it (same members, same order, unknown members
 * dropped), or undefined when any constraint of the schema does not hold. Never looser than the schema:
 * the test suite compares both on valid and invalid events.
 */
export function checkedEvent(candidate: {
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  data: EventData;
}): JobwatchEvent | undefined {
  const { data } = candidate;
  const resource: unknown = data.resource;
  if (!isObject(resource)) return undefined;
  const scope = resource.scope;
  if (!isObject(scope)) return undefined;
  if (
    !isString(resource.key) ||
    resource.key.length === 0 ||
    !isString(resource.kind) ||
    !REF_KINDS.has(resource.kind) ||
    !isString(resource.name) ||
    !isString(resource.vendorId) ||
    (resource.instanceId !== undefined && !isString(resource.instanceId)) ||
    (resource.jobKind !== undefined &&
      !(isString(resource.jobKind) && JOB_KIND_NAMES.has(resource.jobKind))) ||
    !isString(scope.kind) ||
    !SCOPE_KINDS.has(scope.kind) ||
    !isString(scope.id) ||
    (scope.name !== undefined && !isString(scope.name))
  )
    return undefined;
  if (
    !isString(data.type) ||
    !TYPE_NAMES.has(data.type) ||
    !isString(data.provider) ||
    !PROVIDER_ID_PATTERN.test(data.provider) ||
    !isString(data.targetId) ||
    !isString(data.region) ||
    !isString(data.severity) ||
    !SEVERITY_NAMES.has(data.severity) ||
    !isString(data.status) ||
    !STATUS_NAMES.has(data.status) ||
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
    !isString(candidate.id) ||
    candidate.id.length === 0 ||
    !isString(candidate.source) ||
    candidate.source.length === 0 ||
    !isString(candidate.subject) ||
    candidate.subject.length === 0 ||
    !isString(candidate.type) ||
    !candidate.type.startsWith(CLOUDEVENT_TYPE_PREFIX) ||
    !isString(candidate.time) ||
    !ISO_TIME.test(candidate.time)
  )
    return undefined;
  const labels = copyRecord(data.labels, isString);
  const values = copyRecord(
    data.values,
    isEventValue as (v: unknown) => v is string | number | boolean | null,
  );
  if (!labels || !values || payloadMismatch(data.type, values) !== undefined) return undefined;
  const diagnosis = data.diagnosis === undefined ? undefined : checkedDiagnosis(data.diagnosis);
  if (data.diagnosis !== undefined && diagnosis === undefined) return undefined;
  const health = data.health === undefined ? undefined : checkedHealth(data.health);
  if (data.health !== undefined && health === undefined) return undefined;
  const links: { title: string; url: string }[] = [];
  for (const link of data.links as unknown[]) {
    if (!isObject(link) || !isString(link.title) || !isString(link.url)) return undefined;
    links.push({ title: link.title, url: link.url });
  }
  const ref: ResourceRef = {
    key: resource.key,
    kind: resource.kind as ResourceRef['kind'],
    name: resource.name,
    vendorId: resource.vendorId,
    ...(resource.instanceId === undefined ? {} : { instanceId: resource.instanceId }),
    ...(resource.jobKind === undefined ? {} : { jobKind: resource.jobKind as ResourceRef['jobKind'] }),
    scope: {
      kind: scope.kind as ResourceRef['scope']['kind'],
      id: scope.id,
      ...(scope.name === undefined ? {} : { name: scope.name }),
    },
  };
  return {
    specversion: '1.0',
    id: candidate.id,
    source: candidate.source,
    type: candidate.type,
    subject: candidate.subject,
    time: candidate.time,
    datacontenttype: 'application/json',
    data: {
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
      ...(data.endsAtMs === undefined ? {} : { endsAtMs: data.endsAtMs }),
      ...(data.observedAtMs === undefined ? {} : { observedAtMs: data.observedAtMs }),
      ...(data.occurrence === undefined ? {} : { occurrence: data.occurrence }),
      ...(diagnosis === undefined ? {} : { diagnosis }),
      ...(health === undefined ? {} : { health }),
    },
  };
}

const GRADE_NAMES: ReadonlySet<string> = new Set(HEALTH_GRADES);

/** The health score as `healthSchema.parse` would return it, or undefined when it is invalid. */
function checkedHealth(value: unknown): EventData['health'] | undefined {
  if (!isObject(value)) return undefined;
  const { score, grade, summary } = value;
  if (!Number.isSafeInteger(score) || (score as number) < 0 || (score as number) > 100) return undefined;
  if (!isString(grade) || !GRADE_NAMES.has(grade) || !isString(summary)) return undefined;
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
  const evidence: EventDiagnosis['evidence'] = [];
  for (const item of value.evidence as unknown[]) {
    if (!isObject(item) || !isString(item.label) || !isString(item.value)) return undefined;
    if (item.atMs !== undefined && !Number.isSafeInteger(item.atMs)) return undefined;
    evidence.push({
      label: item.label,
      value: item.value,
      ...(item.atMs === undefined ? {} : { atMs: item.atMs as number }),
    });
  }
  return {
    category: value.category as EventDiagnosis['category'],
    summary: value.summary,
    hint: value.hint,
    ...(value.rootCause === undefined ? {} : { rootCause: value.rootCause }),
    evidence,
  };
}

export function parseEvent(input: unknown): JobwatchEvent {
  return jobwatchEventSchema.parse(input);
}

export function safeParseEvent(input: unknown) {
  return jobwatchEventSchema.safeParse(input);
}
