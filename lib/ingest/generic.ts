import { z } from 'zod';
import type { EventInput } from '../events/build.js';
import { FINDING_TYPES } from '../events/payloads.js';
import { resourceRefSchema } from '../events/schema.js';
import { EVENT_STATUSES, SEVERITIES } from '../events/types.js';
import { providerIdSchema } from '../model/snapshot.js';

/** Remediation events are jobwatch's own record of what it did; outside systems may not forge them. */
export const INGEST_EVENT_TYPES = FINDING_TYPES as [string, ...string[]];

const epochMs = z
  .number()
  .int()
  .min(1e12, 'must be epoch milliseconds')
  .max(1e13, 'must be epoch milliseconds');

/**
 * One event as a user's system sends it to `/ingest/events`: the same fields jobwatch's detection gives
 * buildEvent(), so the fingerprint, id and CloudEvents envelope are made by jobwatch, not the sender.
 *
 * @example
 * { "type": "job.failed", "provider": "huawei-dli", "targetId": "dli-prod", "region": "cn-north-4",
 *   "resource": { "key": "huawei-dli/cn-north-4/project:p/job:42", "kind": "job", "name": "orders",
 *                 "vendorId": "42", "scope": { "kind": "project", "id": "p" } },
 *   "severity": "critical", "status": "firing", "title": "orders failed", "summary": "exit code 1",
 *   "startsAtMs": 1763874000000 }
 */
export const ingestEventInputSchema = z
  .object({
    type: z.enum(INGEST_EVENT_TYPES),
    provider: providerIdSchema,
    targetId: z.string().min(1).max(128),
    region: z.string().min(1).max(64),
    resource: resourceRefSchema.extend({
      key: z.string().min(1).max(512),
      name: z.string().max(256),
      vendorId: z.string().max(256),
    }),
    severity: z.enum(SEVERITIES),
    status: z.enum(EVENT_STATUSES),
    title: z.string().min(1).max(300),
    summary: z.string().max(4000),
    labels: z
      .record(
        z.string().regex(/^(?!__proto__$)[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'must be a label name'),
        z.string().max(256),
      )
      .refine((l) => Object.keys(l).length <= 32, 'at most 32 labels')
      .optional(),
    links: z
      .array(
        z.object({ title: z.string().max(200), url: z.url({ protocol: /^https?$/ }).max(2048) }).strict(),
      )
      .max(10)
      .optional(),
    values: z
      .record(z.string().max(64), z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]))
      .refine((v) => Object.keys(v).length <= 32, 'at most 32 values')
      .optional(),
    discriminator: z.string().max(256).optional(),
    startsAtMs: epochMs,
    endsAtMs: epochMs.optional(),
    atMs: epochMs.optional(),
  })
  .strict();

/** A body is one event or an array of events; each shape gets its own schema so errors name exact paths. */
export function ingestBodySchema(input: unknown, maxEvents: number) {
  return Array.isArray(input)
    ? z
        .array(ingestEventInputSchema)
        .min(1, 'needs at least one event')
        .max(maxEvents, `at most ${maxEvents} events`)
    : ingestEventInputSchema.transform((e) => [e]);
}

export type IngestEventInput = z.infer<typeof ingestEventInputSchema>;

export function toEventInput(input: IngestEventInput): EventInput {
  return input as EventInput;
}
