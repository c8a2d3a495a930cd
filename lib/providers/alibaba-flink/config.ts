import { z } from 'zod';
import type { ProviderTarget } from '../../config/target.js';
import type { ActionParamSchemas, ProviderDescriptor } from '../types.js';

/** Regions with a `ververica` endpoint (digest §1.2: the endpoint page plus the API metadata's list). */
const REGIONS = new Set([
  'cn-beijing',
  'cn-zhangjiakou',
  'cn-wulanchabu',
  'cn-hangzhou',
  'cn-shanghai',
  'cn-shenzhen',
  'cn-chengdu',
  'cn-hongkong',
  'ap-southeast-3',
  'ap-northeast-1',
  'ap-southeast-1',
  'ap-southeast-5',
  'eu-central-1',
  'eu-west-1',
  'us-east-1',
  'us-west-1',
  'cn-shanghai-finance-1',
]);

/** The SDK's regional rule: `ververica.{regionId}.aliyuncs.com`; no global endpoint. */
export function flinkEndpointFor(region: string): string | undefined {
  return REGIONS.has(region) ? `https://ververica.${region}.aliyuncs.com` : undefined;
}

export const flinkOptionsSchema = z.strictObject({
  /** Workspace (instance) ID, sent as the `workspace` header on every call. */
  workspace: z.string().min(1),
  /** Namespaces (projects) of the workspace to watch. */
  namespaces: z.array(z.string().min(1)).min(1),
  /** Execution modes to watch; both by default. */
  executionModes: z.array(z.enum(['STREAMING', 'BATCH'])).default(['STREAMING', 'BATCH']),
  /** Concurrent API calls per target. */
  concurrency: z.number().int().min(1).max(64).default(4),
  /** Page size of ListDeployments / ListJobs / ListSavepoints (the API allows 1-100). */
  pageSize: z.number().int().min(1).max(100).default(100),
  /** Recent events read per running deployment (GetEvents, first page only). */
  eventsPageSize: z.number().int().min(1).max(100).default(20),
  /** Read savepoints and retained checkpoints of running streaming jobs (ListSavepoints). */
  readSavepoints: z.boolean().default(true),
  /** Ask GetJobDiagnosis about failed jobs and running jobs with a raised risk level. */
  readDiagnosis: z.boolean().default(true),
  /**
   * Every how many polls a job's events, savepoints and diagnosis are read whatever the listing says
   * (the polls between read them only when the job's status, id, restart count, risk level or failure
   * moved, a checkpoint is due, or the last read showed trouble; docs/detection.md). Staggered by
   * deployment. 1 reads them every poll.
   */
  fullReadEvery: z.number().int().min(1).max(100).default(10),
});

export type FlinkOptions = z.infer<typeof flinkOptionsSchema>;
export type FlinkTarget = ProviderTarget<FlinkOptions>;

const STOP_STRATEGIES = ['NONE', 'STOP_WITH_SAVEPOINT', 'STOP_WITH_DRAIN'] as const;
export const RESTORE_KINDS = ['NONE', 'LATEST_SAVEPOINT', 'FROM_SAVEPOINT', 'LATEST_STATE'] as const;

/** Policy parameters this provider understands; anything else is a rejected request. */
export const flinkActionParamsSchema = z
  .object({
    /** Stop (and the stop of a restart) takes a savepoint first: STOP_WITH_SAVEPOINT. */
    withSavepoint: z.boolean().optional(),
    /** The StopJob strategy itself; wins over `withSavepoint`. */
    stopStrategy: z.enum(STOP_STRATEGIES).optional(),
    /** Where a start restores from; by default the latest savepoint after a savepoint stop, else the latest state. */
    restoreStrategy: z.enum(RESTORE_KINDS).optional(),
    /** The savepoint to start from (FROM_SAVEPOINT, implied when given). */
    savepointId: z.string().min(1).optional(),
    allowNonRestoredState: z.boolean().optional(),
    /** Stateless start offset, epoch ms (only with restoreStrategy NONE). */
    jobStartTimeMs: z.number().int().positive().optional(),
    resourceQueueName: z.string().min(1).optional(),
  })
  .strict()
  .refine((p) => p.restoreStrategy !== 'FROM_SAVEPOINT' || p.savepointId !== undefined, {
    message: 'restoreStrategy FROM_SAVEPOINT needs savepointId',
    path: ['savepointId'],
  });

const FLINK_ACTION_PARAMS: ActionParamSchemas = {
  stop: flinkActionParamsSchema,
  restart: flinkActionParamsSchema,
  'restart-from-checkpoint': flinkActionParamsSchema,
};

export const flinkDescriptor: ProviderDescriptor<FlinkOptions> = {
  id: 'alibaba-flink',
  displayName: 'Alibaba Cloud Realtime Compute for Apache Flink',
  optionsSchema: flinkOptionsSchema,
  endpointFor: flinkEndpointFor,
  actionParams: FLINK_ACTION_PARAMS,
};
