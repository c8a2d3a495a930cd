/**
 * The digest's documented examples (shared/reference/alibaba-flink-ververica.md, from the help pages'
 * examples and field tables) parse, keep what jobwatch reads and drop what carries secrets; the two error
 * shapes (business envelope with `success: false`, POP gateway body) are classified.
 */
import { describe, expect, it } from 'vitest';
import { classifyVervericaResponse } from '../../../lib/providers/alibaba-flink/client.js';
import {
  diagnosisLines,
  normalizeFlinkState,
  toCheckpointStats,
  toFailovers,
} from '../../../lib/providers/alibaba-flink/collector.js';
import {
  getEventsResponseSchema,
  jobDiagnosisResponseSchema,
  jobResponseSchema,
  listDeploymentsResponseSchema,
  listJobsResponseSchema,
  listSavepointsResponseSchema,
} from '../../../lib/providers/alibaba-flink/schemas.js';

/** The envelope as on every page's sample; the pages print empty codes as the literal text `""`. */
const envelope = {
  requestId: 'CBC799F0-AS7S-1D30-8A4F-882ED4DD****',
  success: true,
  httpCode: 200,
  errorCode: '""',
  errorMessage: '""',
};

/** The first page (of 10) of a listing of `totalSize` items, as on the samples. */
const firstPage = (data: unknown[], totalSize: number) => ({
  ...envelope,
  pageIndex: 1,
  pageSize: 10,
  totalSize,
  data,
});

/** §3.1's ListJobs example verbatim (the job object abbreviated by the digest, placeholder keys included). */
const LIST_JOBS_DIGEST = {
  ...envelope,
  errorCode: '',
  errorMessage: '',
  pageIndex: 1,
  pageSize: 10,
  totalSize: 1,
  data: [{ jobId: '…', deploymentId: '58718c99-…', status: { currentJobStatus: 'RUNNING' }, '…': '…' }],
};

/** A Job with every field of §3.3/§3.4, values from the field tables' examples. */
const JOB = {
  jobId: '5af678c0-7db0-4650-94c2-d2604f0a****',
  deploymentId: '58718c99-3b29-4c5e-93bb-c9fc4ec6****',
  deploymentName: 'flinktest',
  namespace: 'default-namespace',
  workspace: 'a14bd5d90a****',
  executionMode: 'STREAMING',
  creator: '27846363877456****',
  creatorName: '****@streamcompute.onaliyun.com',
  modifier: '27846363877456****',
  modifierName: '****@streamcompute.onaliyun.com',
  createdAt: '1660190835',
  modifiedAt: '1660190835',
  startTime: 1660190835000,
  endTime: 1660190836000,
  engineVersion: 'vvr-6.0.0-flink-1.15',
  status: {
    currentJobStatus: 'FAILED',
    failure: {
      message: 'Deployment not found: password=hunter2',
      reason: 'ResourceNotFound',
      failedAt: 1660190836000,
    },
    running: { observedFlinkJobStatus: 'RUNNING', observedFlinkJobRestarts: 4 },
    riskLevel: 'RISK_LEVEL_LOW',
    healthScore: 90,
  },
  metric: { totalCpu: 2, totalMemoryByte: 4096 },
  restoreStrategy: { kind: 'LATEST_STATE', allowNonRestoredState: true, jobStartTimeInMs: 1660190835000 },
  artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: "CREATE TABLE s WITH ('password'='x')" } },
  flinkConf: { 'taskmanager.numberOfTaskSlots': '1' },
  userFlinkConf: {},
  logging: { loggingProfile: 'default' },
  sessionClusterName: 'preview',
  localVariables: [{ name: 'pwd', value: 'secret' }],
};

const DEPLOYMENT = {
  deploymentId: '58718c99-3b29-4c5e-93bb-c9fc4ec6****',
  name: 'flinktest',
  namespace: 'default-namespace',
  workspace: 'a14bd5d90a****',
  description: 'this is a deployment description',
  engineVersion: 'vvr-6.0.0-flink-1.15',
  executionMode: 'STREAMING',
  createdAt: '1660190835',
  modifiedAt: '1660190835',
  deploymentHasChanged: true,
  jobSummary: { starting: 1, running: 1, cancelling: 0, cancelled: 2, finished: 0, failed: 0 },
  deploymentTarget: { mode: 'PER_JOB', name: 'default-queue' },
  labels: { key: 'value' },
  referencedDeploymentDraftId: '00000000-0000-0000-0000-0000012312****',
  artifact: { kind: 'JAR', jarArtifact: { jarUri: 'oss://bucket/a.jar' } },
};

const EVENT = {
  eventId: '00000000-0000-0000-0000-000000000001',
  eventName: 'STATE_TRANSITION_IS_COMPLETED',
  message: 'test',
  jobId: '5af678c0-7db0-4650-94c2-d2604f0a****',
  deploymentId: '58718c99-3b29-4c5e-93bb-c9fc4ec6****',
  namespace: 'default-namespace',
  workspace: 'a14bd5d90a****',
  createdAt: '1660190835',
};

const SAVEPOINT = {
  savepointId: '354dde66-a3ae-463e-967a-0b4107fd****',
  deploymentId: '58718c99-3b29-4c5e-93bb-c9fc4ec6****',
  jobId: '5af678c0-7db0-4650-94c2-d2604f0a****',
  namespace: 'default-namespace',
  savepointOrigin: 'USER_REQUEST',
  nativeFormat: true,
  description: 'test',
  stopWithDrainEnabled: true,
  savepointLocation: 'oss://bucket/savepoints/sp-1',
  status: { state: 'COMPLETED', failure: { message: '', reason: '', failedAt: 0 } },
  createdAt: 1659066711000,
  modifiedAt: 1659069473000,
};

const DIAGNOSIS = {
  diagnoseId: 'ba30cd99-37a5-4a20-8cd9-ed4b*****',
  diagnoseTime: 1740389560871,
  riskLevel: 'RISK_LEVEL_LOW',
  namespace: 'default-namespace',
  workspace: 'a14bd5d90a****',
  symptoms: {
    startup: [],
    runtime: [
      {
        name: 'TaskManagerOOM',
        description: 'task manager ran out of memory',
        recommendation: 'raise memory',
      },
    ],
    state: [],
    troubleshooting: [],
    others: [],
    autopilot: { name: 'autopilot', description: 'scale up', recommendation: 'enable autopilot' },
  },
};

/** The API metadata's own StopJob example (ververica 2022-07-18 api-docs `responseDemo`), verbatim. */
const STOP_JOB_VENDOR_EXAMPLE = {
  requestId: 'CBC799F0-AS7S-1D30-8A4F-882ED4DD****',
  success: true,
  httpCode: 200,
  errorCode: '""',
  errorMessage: '""',
  data: {
    jobId: '354dde66-a3ae-463e-967a-0b4107fd****',
    deploymentId: '354dde66-a3ae-463e-967a-0b4107fd****',
    deploymentName: 'flinktest',
    namespace: 'namespacetest',
    executionMode: 'BATCH',
    creator: '27846363877456****',
    creatorName: '****@streamcompute.onaliyun.com',
    modifier: '27846363877456****',
    modifierName: '****@streamcompute.onaliyun.com',
    startTime: 1660190835,
    endTime: 1660277235,
    engineVersion: 'vvr-4.0.14-flink-1.13',
    flinkConf: { test: 'test', test2: 1 },
    status: {
      currentJobStatus: 'RUNNING',
      failure: { message: '', reason: '', failedAt: 1660120062 },
      running: { observedFlinkJobRestarts: 4, observedFlinkJobStatus: 'RUNNING' },
    },
    metric: { totalMemoryByte: 4096, totalCpu: 2 },
    sessionClusterName: 'preview',
    artifact: {
      sqlArtifact: { sqlScript: '', additionalDependencies: [''] },
      jarArtifact: {
        jarUri: 'https://oss//bucket//test.jar',
        entryClass: 'org.apapche.flink.test',
        mainArgs: '',
        additionalDependencies: [''],
      },
      kind: 'SQLSCRIPT',
    },
    logging: {
      loggingProfile: 'oss',
      log4j2ConfigurationTemplate: 'xml格式文本',
      log4jLoggers: [{ loggerName: 'StdOutErrConsoleAppender', loggerLevel: 'ERROR' }],
      logReservePolicy: { openHistory: true, expirationDays: 7 },
    },
    restoreStrategy: {
      kind: 'LATEST_STATE',
      allowNonRestoredState: true,
      jobStartTimeInMs: 1660293803155,
      savepointId: '354dde66-a3ae-463e-967a-0b4107fd****',
    },
    userFlinkConf: { test: 'test', test2: 1 },
    localVariables: [{ name: 'test', value: 'datagen' }],
    workspace: 'edcef******b4f',
    createdAt: '',
    modifiedAt: '',
  },
};

/** The metadata's ListSavepoints example, verbatim (10-digit times). */
const LIST_SAVEPOINTS_VENDOR_EXAMPLE = {
  requestId: 'CBC799F0-AS7S-1D30-8A4F-882ED4DD****',
  success: true,
  httpCode: 200,
  errorCode: '""',
  errorMessage: '""',
  pageSize: 10,
  pageIndex: 1,
  totalSize: 1,
  data: [
    {
      savepointId: '354dde66-a3ae-463e-967a-0b4107fd****',
      deploymentId: '1d716b22-6aad-4be2-85c2-50cfc757****',
      jobId: '5af678c0-7db0-4650-94c2-d2604f0a****',
      namespace: 'namespacetest',
      savepointOrigin: 'USER_REQUEST',
      nativeFormat: true,
      description: '',
      stopWithDrainEnabled: true,
      savepointLocation:
        'https://oss/bucket/flink/flink-jobs/namespaces/vvp-team/deployments/5a19a71b-1c42-4f34-94fd-86cf60782c81/checkpoints/sp-3285',
      status: { state: 'COMPLETED', failure: { message: '', reason: '', failedAt: 1655006835 } },
      createdAt: 1659066711,
      modifiedAt: 1659069473,
    },
  ],
};

describe('the vendor metadata examples parse', () => {
  it('StopJob: a Job whose 10-digit times read as seconds; an empty failure is no error', () => {
    const parsed = jobResponseSchema.parse(STOP_JOB_VENDOR_EXAMPLE);
    expect(parsed.data).toMatchObject({
      startTime: 1660190835000,
      endTime: 1660277235000,
      status: { currentJobStatus: 'RUNNING', failure: { failedAt: 1660120062000 } },
      restoreStrategy: { jobStartTimeInMs: 1660293803155 },
    });
    expect(JSON.stringify(parsed)).not.toMatch(/jarUri|localVariables|datagen/);
  });

  it('ListSavepoints: the completed savepoint is the last completed checkpoint, in milliseconds', () => {
    const parsed = listSavepointsResponseSchema.parse(LIST_SAVEPOINTS_VENDOR_EXAMPLE);
    expect(toCheckpointStats(parsed.data)).toMatchObject({ lastCompletedAtMs: 1659066711000 });
  });
});

describe('documented examples parse', () => {
  it("ListJobs, the digest's example as printed", () => {
    const parsed = listJobsResponseSchema.parse(LIST_JOBS_DIGEST);
    expect(parsed.totalSize).toBe(1);
    expect(parsed.data[0]?.status?.currentJobStatus).toBe('RUNNING');
  });

  it('GetJob / StartJobWithParams / StopJob: a full Job, secrets dropped, both timestamp types read', () => {
    const parsed = jobResponseSchema.parse({ ...envelope, data: JOB });
    expect(parsed.data).toMatchObject({
      startTime: 1660190835000,
      createdAt: '1660190835',
      status: { currentJobStatus: 'FAILED', running: { observedFlinkJobRestarts: 4 } },
      restoreStrategy: { kind: 'LATEST_STATE' },
    });
    const text = JSON.stringify(parsed);
    expect(text).not.toContain('sqlScript');
    expect(text).not.toContain('localVariables');
    expect(text).not.toContain('flinkConf');
    // StopJob: "empty if it fails".
    expect(jobResponseSchema.parse({ ...envelope, success: false, data: null }).data).toBeUndefined();
  });

  it('ListDeployments with jobSummary counters', () => {
    const parsed = listDeploymentsResponseSchema.parse(firstPage([DEPLOYMENT], 1));
    expect(parsed.data[0]?.jobSummary).toEqual({
      starting: 1,
      running: 1,
      cancelling: 0,
      cancelled: 2,
      finished: 0,
      failed: 0,
    });
    expect(JSON.stringify(parsed)).not.toContain('jarUri');
  });

  it('GetEvents (totalSize 4 in the example) and ListSavepoints', () => {
    const events = getEventsResponseSchema.parse(firstPage([EVENT], 4));
    expect(events.data[0]?.eventName).toBe('STATE_TRANSITION_IS_COMPLETED');
    // A state transition is not a failover.
    expect(toFailovers(events.data, EVENT.jobId)).toEqual([]);
    const savepoints = listSavepointsResponseSchema.parse({ ...envelope, totalSize: 1, data: [SAVEPOINT] });
    expect(toCheckpointStats(savepoints.data)).toMatchObject({
      lastCompletedAtMs: 1659066711000,
      inProgressCount: 0,
    });
  });

  it('GetJobDiagnosis: symptom groups are arrays, autopilot a single object', () => {
    const parsed = jobDiagnosisResponseSchema.parse({ ...envelope, data: DIAGNOSIS });
    expect(diagnosisLines(parsed.data as NonNullable<typeof parsed.data>)).toEqual([
      'TaskManagerOOM: task manager ran out of memory',
      'autopilot: scale up',
    ]);
  });

  it('a list answer without data is drift, not an empty fleet', () => {
    expect(listDeploymentsResponseSchema.safeParse({ ...envelope, totalSize: 0 }).success).toBe(false);
    expect(listJobsResponseSchema.safeParse({ unexpected: true }).success).toBe(false);
  });

  it('currentJobStatus: the six documented values, anything else UNKNOWN', () => {
    expect(
      ['STARTING', 'RUNNING', 'CANCELLING', 'CANCELLED', 'FAILED', 'FINISHED', 'RESTARTING'].map(
        (s) => normalizeFlinkState(s).state,
      ),
    ).toEqual(['PENDING', 'RUNNING', 'STOPPING', 'STOPPED', 'FAILED', 'SUCCEEDED', 'UNKNOWN']);
  });
});

describe('error envelopes', () => {
  const answer = (status: number, body: unknown) => ({
    status,
    headers: {},
    body: Buffer.from(JSON.stringify(body)),
    attempts: 1,
  });

  it('HTTP 200 with success:false is a business failure carrying errorCode and requestId', () => {
    expect(
      classifyVervericaResponse(
        answer(200, {
          ...envelope,
          success: false,
          errorCode: 'JobNotFound',
          errorMessage: 'no job, token=abc123',
        }),
      ),
    ).toMatchObject({
      ok: false,
      kind: 'client-error',
      retry: false,
      vendorCode: 'JobNotFound',
      requestId: envelope.requestId,
    });
  });

  it('a success answer (even with the pages\' literal "" codes) is fine', () => {
    expect(classifyVervericaResponse(answer(200, { ...envelope, data: [] }))).toEqual({ ok: true });
  });

  it('gateway bodies: throttling retried, signature errors are auth, 5xx retried', () => {
    const gw = (Code: string) => ({
      RequestId: 'r-1',
      HostId: 'ververica.cn-hangzhou.aliyuncs.com',
      Code,
      Message: 'm',
    });
    expect(classifyVervericaResponse(answer(400, gw('Throttling.User')))).toMatchObject({
      kind: 'throttled',
      retry: true,
    });
    expect(classifyVervericaResponse(answer(400, gw('SignatureDoesNotMatch')))).toMatchObject({
      kind: 'auth',
      retry: false,
    });
    expect(classifyVervericaResponse(answer(503, gw('ServiceUnavailable')))).toMatchObject({
      kind: 'server-error',
      retry: true,
      requestId: 'r-1',
    });
  });
});
