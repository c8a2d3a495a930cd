import type { ProviderId } from '../model/snapshot.js';
import { eventId, fingerprint } from './fingerprint.js';
import { type EventData, type JobwatchEvent, jobwatchEventSchema, type ResourceRef } from './schema.js';
import { CLOUDEVENT_TYPE_PREFIX, type EventStatus, type EventType, type Severity } from './types.js';

export interface EventInput {
  type: EventType;
  provider: ProviderId;
  targetId: string;
  region: string;
  resource: ResourceRef;
  severity: Severity;
  status: EventStatus;
  title: string;
  summary: string;
  labels?: Record<string, string>;
  links?: { title: string; url: string }[];
  values?: EventData['values'];
  /** Separates several findings of one type on one resource (metric name, rule name). */
  discriminator?: string;
  startsAtMs: number;
  endsAtMs?: number;
  /** Observation time; defaults to endsAtMs for resolved events, else startsAtMs. */
  atMs?: number;
}

/** Builds and validates one CloudEvent. Throws on invalid input: detection bugs must be loud. */
export function buildEvent(input: EventInput): JobwatchEvent {
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
    values: input.values ?? {},
    fingerprint: fp,
    startsAtMs: input.startsAtMs,
    ...(input.endsAtMs === undefined ? {} : { endsAtMs: input.endsAtMs }),
  };
  return jobwatchEventSchema.parse({
    specversion: '1.0',
    id: eventId(fp, input.status, atMs),
    source: `jobwatch/${input.provider}/${input.targetId}`,
    type: `${CLOUDEVENT_TYPE_PREFIX}${input.type}`,
    subject: input.resource.key,
    time: new Date(atMs).toISOString(),
    datacontenttype: 'application/json',
    data,
  });
}

export function parseEvent(input: unknown): JobwatchEvent {
  return jobwatchEventSchema.parse(input);
}

export function safeParseEvent(input: unknown) {
  return jobwatchEventSchema.safeParse(input);
}
