import { z } from 'zod';
import { EVENT_STATUSES, EVENT_TYPE_NAMES, type EventType, SEVERITIES } from '../model/catalog.js';
import { diagnosisSchema, healthSchema, resourceRefSchema } from '../model/event-input.js';
import { PAYLOAD_SCHEMAS } from '../model/payloads.js';
import { providerIdSchema } from '../model/snapshot.js';

// The parts of an event producers fill in are model vocabulary; the envelope and its schema are made here.
export {
  diagnosisSchema,
  type EventDiagnosis,
  type EvidenceItem,
  evidenceItemSchema,
  healthSchema,
  type ResourceRef,
  resourceRefSchema,
} from '../model/event-input.js';

const valueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const eventDataSchema = z
  .object({
    type: z.enum(EVENT_TYPE_NAMES as [string, ...string[]]),
    provider: providerIdSchema,
    targetId: z.string(),
    region: z.string(),
    resource: resourceRefSchema,
    severity: z.enum(SEVERITIES),
    status: z.enum(EVENT_STATUSES),
    title: z.string(),
    summary: z.string(),
    labels: z.record(z.string(), z.string()),
    links: z.array(z.object({ title: z.string(), url: z.string() })),
    /**
     * The facts behind the event, typed per catalog type (`payloads.ts`: job facts, checkpoint facts,
     * decision facts, ...); never secrets. Read them through `payloadOf`.
     */
    values: z.record(z.string(), valueSchema),
    fingerprint: z.string().regex(/^[0-9a-f]{16}$/),
    /** When the condition started firing (epoch ms), and when it ended for a resolved event. */
    startsAtMs: z.number().int(),
    endsAtMs: z.number().int().optional(),
    /**
     * When jobwatch observed what this event says (the poll or webhook that made it), whatever the vendor's
     * own timestamps. From detection it is never earlier than the previous event of the same condition.
     * How old an event is (a redelivery, a replay) and the order of one fingerprint's deliveries are
     * measured by it, not by `startsAtMs` / `time`, which may be the vendor's (earlier) time.
     */
    observedAtMs: z.number().int().optional(),
    /**
     * Which occurrence of the incident a firing event reports: 1 when it opened; n > 1 when the resource
     * failed again (a new instance, a new state) while the incident stayed open. The router treats n > 1 as an
     * update of the same alert (no new page); remediation treats it as a new trigger. Resolves carry the last n.
     */
    occurrence: z.number().int().min(1).optional(),
    /** On firing job findings: what the failure is, its root cause and the evidence (see `diagnosisSchema`). */
    diagnosis: diagnosisSchema.optional(),
    /** On firing job events: the job's health score over the last hour (lib/diagnose/health.ts). */
    health: healthSchema.optional(),
  })
  .superRefine((data, ctx) => {
    // The type's payload: a known fact of the wrong type is rejected, naming `values.<fact>`.
    const payload = Object.hasOwn(PAYLOAD_SCHEMAS, data.type)
      ? PAYLOAD_SCHEMAS[data.type as EventType]
      : undefined;
    const result = payload?.safeParse(data.values);
    if (result && !result.success)
      for (const issue of result.error.issues)
        ctx.addIssue({ ...issue, path: ['values', ...issue.path] } as Parameters<typeof ctx.addIssue>[0]);
  });

/** CloudEvents 1.0 JSON envelope (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md). */
export const jobwatchEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().startsWith('io.jobwatch.'),
  subject: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.literal('application/json'),
  data: eventDataSchema,
});

export type EventData = z.infer<typeof eventDataSchema>;
export type JobwatchEvent = z.infer<typeof jobwatchEventSchema>;
