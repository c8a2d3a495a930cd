/**
 * What a producer says about one event, before lib/events makes it a CloudEvent (fingerprint, id, envelope):
 * detection returns these, and remediation, the webhook ingest and the stale check build from them. Model
 * vocabulary, so detection speaks it without importing the layer that publishes.
 */
import { z } from 'zod';
import { HEALTH_GRADES } from '../diagnose/health.js';
import { DIAGNOSIS_CATEGORIES } from '../diagnose/types.js';
import type { EventStatus, EventType, Severity } from './catalog.js';
import type { EventPayload, EventValues } from './payloads.js';
import { JOB_KINDS, type ProviderId } from './snapshot.js';

export const resourceRefSchema = z.object({
  key: z.string().min(1),
  kind: z.enum(['job', 'cluster', 'queue', 'target']),
  name: z.string(),
  vendorId: z.string(),
  instanceId: z.string().optional(),
  jobKind: z.enum(JOB_KINDS).optional(),
  scope: z.object({
    kind: z.enum(['project', 'cluster', 'queue', 'target']),
    id: z.string(),
    name: z.string().optional(),
  }),
});

/** One fact behind a diagnosis: a state transition, the time in the current state, a count, a checkpoint. */
export const evidenceItemSchema = z.object({
  label: z.string(),
  value: z.string(),
  /** When the fact happened (a transition, a checkpoint), epoch ms. */
  atMs: z.number().int().optional(),
});

/**
 * What a job finding means and why jobwatch thinks so: the category of the failure, a one-line summary, what
 * to check first, the root cause (the innermost exception, or the first exception of a failover loop) and
 * the evidence. Built from scrubbed text only.
 */
export const diagnosisSchema = z.object({
  category: z.enum(DIAGNOSIS_CATEGORIES),
  summary: z.string(),
  hint: z.string(),
  rootCause: z.string().optional(),
  evidence: z.array(evidenceItemSchema),
});

/** A job's 0-100 health score, its grade and the line that explains it ("health 42/100 (unhealthy): ..."). */
export const healthSchema = z.object({
  score: z.number().int().min(0).max(100),
  grade: z.enum(HEALTH_GRADES),
  summary: z.string(),
});

export type ResourceRef = z.infer<typeof resourceRefSchema>;
export type EventDiagnosis = z.infer<typeof diagnosisSchema>;
export type EvidenceItem = z.infer<typeof evidenceItemSchema>;
export type EventHealth = z.infer<typeof healthSchema>;

/**
 * What a producer says. `values` is the type's payload: with a literal `type` the compiler checks each
 * fact against it (`EventPayload<'job.failed'>`), and `buildEvent` checks it again at run time.
 */
export interface EventInput<T extends EventType = EventType> {
  type: T;
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
  values?: EventPayload<T>;
  /**
   * Figures outside the type's payload: a webhook sender's own, a test message's. They land in `values`
   * after the payload; jobwatch's own producers never need them.
   */
  extras?: EventValues;
  /** Separates several findings of one type on one resource (metric name, rule name). */
  discriminator?: string;
  startsAtMs: number;
  endsAtMs?: number;
  /** The event's time (and id); defaults to endsAtMs for resolved events, else startsAtMs. */
  atMs?: number;
  /** When jobwatch observed it (detection's poll clock); see `EventData.observedAtMs`. */
  observedAtMs?: number;
  /** Occurrence of the incident; see `EventData.occurrence`. */
  occurrence?: number;
  /** What the finding means; see `EventData.diagnosis`. */
  diagnosis?: EventDiagnosis;
  /** The job's health score; see `EventData.health`. */
  health?: EventHealth;
}
