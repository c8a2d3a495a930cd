import { z } from 'zod';
import type { ProviderTarget } from '../../config/target.js';
import { huaweiEndpointFor } from '../huawei/endpoints.js';
import type { ActionParamSchemas, ProviderDescriptor } from '../types.js';

export function mrsEndpointFor(region: string): string | undefined {
  return huaweiEndpointFor('mrs', region);
}

export const mrsOptionsSchema = z.strictObject({
  projectId: z.string().regex(/^[0-9a-f]{32}$/, 'must be the 32-character project id of the region'),
  /** Cluster ids to watch; every existing cluster of the project when omitted. */
  clusters: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an MRS cluster id')).optional(),
  /** How far back (by submitted time) finished job executions are read each poll; unfinished ones always are. */
  recentWindowSeconds: z.number().int().positive().default(3600),
  /**
   * Records per page when listing clusters and hosts (`pageSize`, 1-2147483646 per the SDK) and job
   * executions (`limit`, no documented maximum). A server that answers fewer is read on to its total.
   */
  pageSize: z.number().int().min(1).max(1000).default(1000),
  /** Read each cluster's host list (one extra call per cluster per poll). */
  hosts: z.boolean().default(true),
  concurrency: z.number().int().min(1).max(64).default(8),
});

export type MrsOptions = z.infer<typeof mrsOptionsSchema>;
export type MrsTarget = ProviderTarget<MrsOptions>;

/** kill and resubmit take no parameters: a resubmit repeats the failed execution's own submission. */
const mrsNoParamsSchema = z.strictObject({});

const MRS_ACTION_PARAMS: ActionParamSchemas = { kill: mrsNoParamsSchema, resubmit: mrsNoParamsSchema };

export const mrsDescriptor: ProviderDescriptor<MrsOptions> = {
  id: 'huawei-mrs',
  displayName: 'Huawei Cloud MRS',
  optionsSchema: mrsOptionsSchema,
  endpointFor: mrsEndpointFor,
  actionParams: MRS_ACTION_PARAMS,
};
