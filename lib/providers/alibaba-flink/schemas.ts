/**
 * zod schemas of the `ververica` 2022-07-18 responses jobwatch reads (digest: shared/reference/
 * alibaba-flink-ververica.md §2-§6). Keys are camelCase; timestamps are int64 on some structures and
 * strings on others (§9.5), so every time and count is read loosely. Objects are stripped to the declared
 * keys: artifacts (SQL text, JAR URIs), Flink configuration and variables (which carry credentials) never
 * get past parsing.
 */
import { z } from 'zod';
import { absent, looseBooleanField, looseNumberField, looseStringField } from '../fields.js';
import { looseBoolean, looseNumber } from '../shared.js';

const num = looseNumberField;
const bool = looseBooleanField;
const str = looseStringField;
/**
 * An int64 time. The field tables say epoch milliseconds (digest §9.5) but the metadata's own examples
 * print 10-digit values (`startTime: 1660190835`, savepoint `createdAt: 1659066711`): seconds are read too.
 */
const epochMs = z.preprocess(
  (v) => (absent(v) ? undefined : (looseNumber(v) ?? v)),
  z
    .number()
    .transform((n) => (n > 0 && n < 1e12 ? n * 1000 : n))
    .optional(),
);
const obj = <T extends z.ZodRawShape>(shape: T) =>
  z.preprocess((v) => (v === null ? undefined : v), z.object(shape).optional());

/** The business envelope of every answer (§2); `success` is what tells, `httpCode` is always 200. */
export const vvpEnvelopeSchema = z.object({
  requestId: str,
  success: z.preprocess((v) => looseBoolean(v) ?? v, z.boolean()),
  httpCode: num,
  errorCode: str,
  errorMessage: str,
});

/** The POP gateway's error body (PascalCase), for signature, throttling and auth failures (§7.1). */
export const gatewayErrorSchema = z.object({
  RequestId: z.string().optional(),
  HostId: z.string().optional(),
  Code: z.string(),
  Message: z.string().optional(),
});

/** A list answer's page: `data` must be there (an answer without it is drift, not an empty fleet). */
const listEnvelope = <T extends z.ZodType>(item: T) =>
  vvpEnvelopeSchema.extend({
    pageIndex: num,
    pageSize: num,
    totalSize: num,
    data: z.preprocess((v) => (v === null ? [] : v), z.array(item)),
  });

/** The deployment listing's job counters, one per job state (digest §4.3). */
export const JOB_COUNTERS = ['starting', 'running', 'cancelling', 'cancelled', 'finished', 'failed'] as const;

export const jobSummarySchema = z.object(
  Object.fromEntries(JOB_COUNTERS.map((counter) => [counter, num])) as Record<
    (typeof JOB_COUNTERS)[number],
    typeof num
  >,
);

export const deploymentSchema = z.object({
  deploymentId: z.string().min(1),
  name: z.string().min(1),
  namespace: str,
  workspace: str,
  engineVersion: str,
  executionMode: str,
  createdAt: str,
  modifiedAt: str,
  deploymentHasChanged: bool,
  jobSummary: obj(jobSummarySchema.shape),
  deploymentTarget: obj({ mode: str, name: str }),
  labels: z.record(z.string(), z.unknown()).nullish(),
});
export type VendorDeployment = z.infer<typeof deploymentSchema>;

export const jobFailureSchema = z.object({ message: str, reason: str, failedAt: epochMs });

export const jobStatusSchema = z.object({
  currentJobStatus: str,
  failure: obj(jobFailureSchema.shape),
  running: obj({ observedFlinkJobStatus: str, observedFlinkJobRestarts: num }),
  riskLevel: str,
  healthScore: num,
});

export const restoreStrategySchema = z.object({
  kind: str,
  savepointId: str,
  allowNonRestoredState: bool,
  jobStartTimeInMs: num,
});

export const jobSchema = z.object({
  jobId: z.string().min(1),
  deploymentId: str,
  deploymentName: str,
  namespace: str,
  workspace: str,
  executionMode: str,
  createdAt: str,
  modifiedAt: str,
  startTime: epochMs,
  endTime: epochMs,
  engineVersion: str,
  sessionClusterName: str,
  status: obj(jobStatusSchema.shape),
  metric: obj({ totalCpu: num, totalMemoryByte: num }),
  restoreStrategy: obj(restoreStrategySchema.shape),
});
export type VendorJob = z.infer<typeof jobSchema>;

/** Where a savepoint or an event belongs: its deployment, job and namespace. */
const placement = { deploymentId: str, jobId: str, namespace: str };

export const eventSchema = z.object({
  eventId: str,
  eventName: str,
  message: str,
  ...placement,
  createdAt: str,
});
export type VendorEvent = z.infer<typeof eventSchema>;

export const savepointSchema = z.object({
  savepointId: z.string().min(1),
  ...placement,
  savepointOrigin: str,
  nativeFormat: bool,
  description: str,
  stopWithDrainEnabled: bool,
  savepointLocation: str,
  status: obj({ state: str, failure: obj(jobFailureSchema.shape) }),
  createdAt: epochMs,
  modifiedAt: epochMs,
});
export type VendorSavepoint = z.infer<typeof savepointSchema>;

const symptomSchema = z.object({ name: str, description: str, recommendation: str });
const symptomList = z.preprocess((v) => (absent(v) ? [] : v), z.array(symptomSchema));
export const jobDiagnosisSchema = z.object({
  diagnoseId: str,
  diagnoseTime: epochMs,
  riskLevel: str,
  healthScore: num,
  symptoms: obj({
    startup: symptomList,
    runtime: symptomList,
    state: symptomList,
    troubleshooting: symptomList,
    others: symptomList,
    autopilot: z.preprocess((v) => (v === null ? undefined : v), symptomSchema.optional()),
  }),
});
export type VendorDiagnosis = z.infer<typeof jobDiagnosisSchema>;

export const listDeploymentsResponseSchema = listEnvelope(deploymentSchema);
export const listJobsResponseSchema = listEnvelope(jobSchema);
export const getEventsResponseSchema = listEnvelope(eventSchema);
export const listSavepointsResponseSchema = listEnvelope(savepointSchema);

/** GetJob, StartJobWithParams, StopJob: `data` is one Job (StopJob's may be empty on failure). */
export const jobResponseSchema = vvpEnvelopeSchema.extend({
  data: z.preprocess((v) => (absent(v) ? undefined : v), jobSchema.optional()),
});
export const jobDiagnosisResponseSchema = vvpEnvelopeSchema.extend({
  data: z.preprocess((v) => (absent(v) ? undefined : v), jobDiagnosisSchema.optional()),
});
