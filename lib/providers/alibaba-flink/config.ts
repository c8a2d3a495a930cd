import { z } from 'zod';

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

export const flinkOptionsSchema = z
  .object({
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
  })
  .strict();

export type FlinkOptions = z.infer<typeof flinkOptionsSchema>;
