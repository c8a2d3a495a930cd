import { z } from 'zod';
import type { ProviderTarget } from '../../config/target.js';
import { huaweiEndpointFor } from '../huawei/endpoints.js';
import type { ActionParamSchemas, ProviderDescriptor } from '../types.js';

export function dliEndpointFor(region: string): string | undefined {
  return huaweiEndpointFor('dli', region);
}

export const dliOptionsSchema = z.strictObject({
  /** Huawei Cloud project id of the region (32 hex characters). */
  projectId: z.string().regex(/^[0-9a-f]{32}$/, 'must be the 32-character project id of the region'),
  /** What to watch; all by default. */
  watch: z.array(z.enum(['flink', 'spark', 'sql', 'queues'])).default(['flink', 'spark', 'sql', 'queues']),
  /** Queues to watch; every queue of the project when omitted. DLI names: letters, digits and `_`. */
  queues: z
    .array(z.string().regex(/^[A-Za-z0-9_]{1,128}$/, 'must be a DLI queue name (letters, digits, _)'))
    .min(1)
    .optional(),
  /** How far back finished SQL and Spark jobs are read each poll (the SQL list filters on start time). */
  recentWindowSeconds: z.number().int().positive().default(3600),
  /** Requests in flight per target (pages after the first two, Flink details); also the pool size. */
  concurrency: z.number().int().min(1).max(64).default(8),
});

export type DliOptions = z.infer<typeof dliOptionsSchema>;
export type DliTarget = ProviderTarget<DliOptions>;

/** stop and restart of a Flink job. */
export const dliFlinkParamsSchema = z.strictObject({
  /** stop: take a savepoint first (`trigger_savepoint`). */
  withSavepoint: z.boolean().default(false),
  /** restart: resume from the latest savepoint (`resume_savepoint`); stopping first takes one. */
  fromSavepoint: z.boolean().default(false),
});
export const dliQueueParamsSchema = z.strictObject({ force: z.boolean().default(false) });
/** cancel of a Spark batch or SQL job. */
export const dliNoParamsSchema = z.strictObject({});

const DLI_ACTION_PARAMS: ActionParamSchemas = {
  stop: dliFlinkParamsSchema,
  restart: dliFlinkParamsSchema,
  cancel: dliNoParamsSchema,
  'restart-queue': dliQueueParamsSchema,
};

export const dliDescriptor: ProviderDescriptor<DliOptions> = {
  id: 'huawei-dli',
  displayName: 'Huawei Cloud DLI',
  optionsSchema: dliOptionsSchema,
  endpointFor: dliEndpointFor,
  actionParams: DLI_ACTION_PARAMS,
};
