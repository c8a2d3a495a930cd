import { z } from 'zod';
import type { ProviderTarget } from '../../config/target.js';
import type { ActionParamSchemas, ProviderDescriptor } from '../types.js';

/** Known foas regions (digest §1.2); any other region needs an explicit `endpoint`. */
const REGIONS = new Set([
  'cn-hangzhou',
  'cn-shanghai',
  'cn-shenzhen',
  'cn-beijing',
  'cn-zhangjiakou',
  'cn-hangzhou-finance',
  'cn-shanghai-finance-1',
  'cn-shenzhen-finance-1',
  'cn-hongkong',
  'ap-northeast-1',
  'ap-southeast-1',
  'ap-southeast-3',
  'us-east-1',
  'eu-central-1',
]);

/** Regions the official SDK's Endpoint.java maps to another host (digest §1.2, "not in doc"). */
const ENDPOINT_OVERRIDES: Record<string, string> = {
  'cn-hangzhou': 'foas.aliyuncs.com',
  'cn-hongkong': 'foas.aliyuncs.com',
  'cn-shenzhen-finance-1': 'foas.aliyuncs.com',
  'us-east-1': 'foas.ap-northeast-1.aliyuncs.com',
  'eu-central-1': 'foas.ap-northeast-1.aliyuncs.com',
};

export function blinkEndpointFor(region: string): string | undefined {
  if (!REGIONS.has(region)) return undefined;
  return `https://${ENDPOINT_OVERRIDES[region] ?? `foas.${region}.aliyuncs.com`}`;
}

export const blinkOptionsSchema = z.strictObject({
  /** Realtime Compute project names to watch. */
  projects: z.array(z.string().min(1)).min(1),
  /** Job types to watch; both by default. */
  jobTypes: z.array(z.enum(['FLINK_STREAM', 'FLINK_BATCH'])).default(['FLINK_STREAM', 'FLINK_BATCH']),
  /** Metrics to read for running streaming jobs (GetInstanceMetric), e.g. delay, fetched_delay, tps. */
  metrics: z.array(z.string().min(1)).default([]),
  /** Concurrent API calls per target. */
  concurrency: z.number().int().min(1).max(64).default(8),
  /** Region of the Realtime Compute cluster when it differs from the API region. */
  clusterRegion: z.string().optional(),
  /** Page size for ListJob / ListInstance (the manual gives no maximum; 50 keeps responses small). */
  pageSize: z.number().int().min(1).max(100).default(50),
  /** Look-back of the GetInstanceMetric query; the API only serves the last 2 hours. */
  metricWindowMinutes: z.number().int().min(1).max(115).default(10),
  /** Job names per BatchGetInstanceRunSummary call (keeps the URL short). */
  runSummaryBatchSize: z.number().int().min(1).max(100).default(50),
  /**
   * Every how many polls a running job's checkpoints and exceptions are read whatever its metrics say
   * (the polls between read them only when the state, the failover rate or the checkpoint duration say
   * something changed; docs/detection.md). Staggered by job name. 1 reads them every poll.
   */
  fullReadEvery: z.number().int().min(1).max(100).default(10),
});

export type BlinkOptions = z.infer<typeof blinkOptionsSchema>;
export type BlinkTarget = ProviderTarget<BlinkOptions>;

/** Policy parameters this provider understands; anything else is a rejected request. */
export const blinkActionParamsSchema = z.strictObject({
  /** Pause/stop: take a checkpoint first (Blink >= 3.5.0 only, so off unless asked). */
  triggerCheckpoint: z.boolean().optional(),
  /** Resume: apply the latest job configuration (vendor default true). */
  isFlush: z.boolean().optional(),
});

const BLINK_ACTION_PARAMS: ActionParamSchemas = {
  pause: blinkActionParamsSchema,
  resume: blinkActionParamsSchema,
  stop: blinkActionParamsSchema,
  restart: blinkActionParamsSchema,
  'restart-from-checkpoint': blinkActionParamsSchema,
};

export const blinkDescriptor: ProviderDescriptor<BlinkOptions> = {
  id: 'alibaba-blink',
  displayName: 'Alibaba Cloud Realtime Compute (Blink)',
  optionsSchema: blinkOptionsSchema,
  endpointFor: blinkEndpointFor,
  actionParams: BLINK_ACTION_PARAMS,
};
