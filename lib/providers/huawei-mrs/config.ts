import { z } from 'zod';
import { huaweiEndpointFor } from '../huawei/endpoints.js';

export function mrsEndpointFor(region: string): string | undefined {
  return huaweiEndpointFor('mrs', region);
}

export const mrsOptionsSchema = z
  .object({
    projectId: z.string().regex(/^[0-9a-f]{32}$/, 'must be the 32-character project id of the region'),
    /** Cluster ids to watch; every cluster of the project when omitted. */
    clusters: z.array(z.string().min(1)).optional(),
    /** How far back finished job executions are read each poll. */
    recentWindowSeconds: z.number().int().positive().default(3600),
    /** A job RUNNING longer than this is stuck; unset means no limit. */
    runningMaxSeconds: z.number().int().positive().optional(),
    concurrency: z.number().int().min(1).max(64).default(8),
  })
  .strict();

export type MrsOptions = z.infer<typeof mrsOptionsSchema>;
