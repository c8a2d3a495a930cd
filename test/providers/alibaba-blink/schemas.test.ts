/**
 * The vendor's own example responses (copied from the digest into fixtures/) parse, and, served over a real
 * local HTTP server, become a snapshot through the provider's collector.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/load.js';
import { silentLogger } from '../../../lib/observability/logger.js';
import {
  normalizeBlinkState,
  toCheckpointStats,
  toFailovers,
} from '../../../lib/providers/alibaba-blink/collector.js';
import type { BlinkTarget } from '../../../lib/providers/alibaba-blink/config.js';
import { alibabaBlinkProvider } from '../../../lib/providers/alibaba-blink/index.js';
import {
  batchRunSummaryResponseSchema,
  checkpointResponseSchema,
  checkpointsDocSchema,
  errorEnvelopeSchema,
  exceptionsDocSchema,
  exceptionsResponseSchema,
  finalStateResponseSchema,
  instanceSchema,
  listInstanceResponseSchema,
  listJobResponseSchema,
  metricResponseSchema,
  modifyStateResponseSchema,
  runSummaryResponseSchema,
  startJobResponseSchema,
} from '../../../lib/providers/alibaba-blink/schemas.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));

describe('digest example responses parse', () => {
  it('BatchGetInstanceRunSummary (wrapped RunSummarys.RunSummary[])', () => {
    const parsed = batchRunSummaryResponseSchema.parse(fixture('batch-get-instance-run-summary'));
    expect(parsed.RunSummarys).toEqual([
      {
        ActualState: 'RUNNING',
        EngineJobHandler: 'application_1561366511517_113805|a10928cec91de395ff3d7593f7ff46c5',
        ExpectState: 'RUNNING',
        JobName: 'ss2',
        Id: 214650,
        InputDelay: 0,
      },
    ]);
  });

  it('GetInstanceRunSummary, ModifyInstanceState (lower-case requestId), StartJob (camelCase instanceId)', () => {
    expect(runSummaryResponseSchema.parse(fixture('get-instance-run-summary')).RunSummary?.Id).toBe(214650);
    expect(modifyStateResponseSchema.parse(fixture('modify-instance-state')).RequestId).toBe(
      'EA0059FA-FD69-4A83-B216-6B36B03129A7',
    );
    expect(startJobResponseSchema.parse(fixture('start-job')).InstanceId).toBe(415854);
    // The printed example lacks Finalstate altogether.
    expect(finalStateResponseSchema.parse(fixture('get-instance-final-state')).Finalstate).toBeUndefined();
  });

  it('GetInstance instance fields, dropping Code, Properties and PlanJson', () => {
    const instance = instanceSchema.parse((fixture('get-instance') as { Instance: unknown }).Instance);
    expect(instance).toMatchObject({
      JobName: 'job1',
      Id: 412536,
      ActualState: 'RUNNING',
      InputDelay: -99999999,
    });
    expect(JSON.stringify(instance)).not.toMatch(/blink\.main\.class|timeZone|PlanJson/);
  });

  it('ListInstance with paging fields, and ListJob (Jobs.Job[]) without job code', () => {
    const instances = listInstanceResponseSchema.parse(fixture('list-instance'));
    expect(instances.Instances.map((i) => i.Id)).toEqual([589016, 214650]);
    expect(instances).toMatchObject({ TotalCount: 15, TotalPage: 2, PageIndex: 1, PageSize: 10 });
    expect(JSON.stringify(instances)).not.toMatch(/CREATE TABLE|token=|roleArn/);
    const jobs = listJobResponseSchema.parse(fixture('list-job'));
    expect(jobs.Jobs).toEqual([
      {
        JobName: 'job1',
        JobType: 'FLINK_STREAM',
        ApiType: 'DATASTREAM',
        IsCommitted: true,
        EngineVersion: 'blink-3.4.4',
        ClusterId: 'et2cloud****',
        QueueName: 'root.bayes_team',
        JobId: '9t9m6jfw8rb44iexhbpv3tnz',
      },
    ]);
    // Changed by issue 14 (defect 1): the manual's RequestId-only example is no listing at all, not an empty
    // one; an answer without `Jobs` must fail rather than read as a fleet of zero.
    expect(listJobResponseSchema.safeParse(fixture('list-job-requestid-only')).success).toBe(false);
    expect(listJobResponseSchema.parse({ Jobs: { Job: [] }, TotalCount: 0 }).Jobs).toEqual([]);
  });

  it('GetInstanceCheckpoint: the embedded Checkpoints string', () => {
    const envelope = checkpointResponseSchema.parse(fixture('get-instance-checkpoint'));
    const doc = checkpointsDocSchema.parse(JSON.parse(envelope.Checkpoints as string));
    expect(toCheckpointStats(doc)).toEqual({
      lastCompletedId: 61440,
      lastCompletedAtMs: 1610505450883,
      lastDurationMs: 14,
      failedCount: 0,
      inProgressCount: 0,
      intervalMs: 180000,
    });
  });

  it('GetInstanceExceptions: the embedded (empty) Exceptions string, and a Flink-shaped one', () => {
    const envelope = exceptionsResponseSchema.parse(fixture('get-instance-exceptions'));
    expect(toFailovers(exceptionsDocSchema.parse(JSON.parse(envelope.Exceptions as string)))).toEqual([]);
    const flink = exceptionsDocSchema.parse({
      'root-exception': 'java.lang.OutOfMemoryError: heap\n\tat x.y(Z.java:1)',
      timestamp: 1610505450869,
      'all-exceptions': [
        { exception: 'java.lang.OutOfMemoryError: heap', task: 'Sink (1/2)', timestamp: 1610505450869 },
        {
          exception: 'java.io.IOException: password=hunter2 broken',
          task: 'Src (1/1)',
          timestamp: 1610505400000,
        },
      ],
      truncated: false,
    });
    expect(toFailovers(flink)).toEqual([
      { atMs: 1610505400000, message: 'Src (1/1): java.io.IOException: password=<redacted> broken' },
      {
        atMs: 1610505450869,
        message: 'java.lang.OutOfMemoryError: heap',
        rootCause: 'java.lang.OutOfMemoryError: heap',
      },
    ]);
  });

  it('GetInstanceMetric: lower-case keys, bare array, string values', () => {
    const parsed = metricResponseSchema.parse(fixture('get-instance-metric'));
    expect(parsed.RequestId).toBe('4D7AB7CF-4EF2-4635-9137-51803CD71DAD');
    expect(parsed.Metrics[0]?.MetricName).toBe('blink.bayes_team.ss2.delay');
    expect(parsed.Metrics[0]?.Summary).toBe(494400448);
  });

  it('the POP error envelope', () => {
    expect(errorEnvelopeSchema.parse(fixture('error-envelope'))).toMatchObject({
      Code: 'InvalidinstanceId',
      RequestId: '6C799EEF-1DD8-4C55-961C-3B9D55A87AE6',
    });
  });
});

describe('state mapping', () => {
  it.each([
    ['WAITING', 'RUNNING', 'PENDING', undefined],
    ['RUNNING', 'RUNNING', 'RUNNING', undefined],
    ['RUNNING', 'PAUSED', 'STOPPING', 'user'],
    ['RUNNING', 'TERMINATED', 'STOPPING', 'user'],
    ['PAUSED', 'PAUSED', 'PAUSED', 'user'],
    ['PAUSED', 'RUNNING', 'PENDING', undefined],
    ['TERMINATED', 'TERMINATED', 'STOPPED', 'user'],
    ['TERMINATED', 'RUNNING', 'STOPPED', 'system'],
    ['SUCCESS', 'SUCCESS', 'SUCCEEDED', undefined],
    ['FAILED', 'RUNNING', 'FAILED', 'system'],
    ['FAILED', 'FAILED', 'FAILED', 'system'],
    ['UNKNOWN', undefined, 'UNKNOWN', undefined],
    ['SOMETHING_NEW', 'RUNNING', 'UNKNOWN', undefined],
  ])('%s / expect %s -> %s (%s)', (actual, expect_, state, cause) => {
    const out = normalizeBlinkState(actual, expect_);
    expect(out.state).toBe(state);
    expect(out.stateCause).toBe(cause);
  });
});

describe('digest examples served over HTTP become a snapshot', () => {
  let server: Server;
  let endpoint = '';
  const seen: string[] = [];

  beforeAll(async () => {
    const listJob = fixture('list-job') as { Jobs: { Job: Record<string, unknown>[] } };
    // The digest's examples name different jobs; align the listing with the run summary's `ss2`.
    (listJob.Jobs.Job[0] as Record<string, unknown>)['JobName'] = 'ss2';
    const routes: [RegExp, unknown][] = [
      [/\/jobs$/, listJob],
      [/\/runsummary$/, fixture('batch-get-instance-run-summary')],
      [/\/checkpoints$/, fixture('get-instance-checkpoint')],
      [/\/exceptions$/, fixture('get-instance-exceptions')],
      [/\/metric$/, fixture('get-instance-metric')],
    ];
    server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0] as string;
      seen.push(`${req.method} ${path}`);
      const hit = routes.find(([pattern]) => pattern.test(path));
      req.resume();
      res.writeHead(hit ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(hit ? hit[1] : { Code: 'InvalidApi.NotFound', Message: 'no route' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('collects job ss2 with checkpoints and the delay metric', async () => {
    const config = parseConfig({
      targets: [
        {
          id: 'digest',
          provider: 'alibaba-blink',
          region: 'cn-shanghai',
          endpoint,
          credentials: { accessKeyId: 'env:AK', secretAccessKey: 'env:SK' },
          options: { projects: ['bayes_team'], jobTypes: ['FLINK_STREAM'], metrics: ['delay'] },
        },
      ],
    });
    const target = config.targets[0] as BlinkTarget;
    const nowMs = 1574250000000 + 60_000;
    const snapshot = await alibabaBlinkProvider.collect(target, {
      now: () => nowMs,
      secrets: async (ref) => (ref === 'env:AK' ? 'LTAI5tExampleKeyId00' : 'example-secret'),
      logger: silentLogger,
    });
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.complete).toBe(true);
    expect(snapshot.jobs).toHaveLength(1);
    const job = snapshot.jobs[0]!;
    expect(job).toMatchObject({
      key: 'alibaba-blink/cn-shanghai/project:bayes_team/job:ss2',
      name: 'ss2',
      kind: 'flink-stream',
      state: 'RUNNING',
      vendorState: 'RUNNING',
      instanceId: '214650',
      checkpoints: { lastCompletedId: 61440, failedCount: 0, intervalMs: 180000 },
      failovers: [],
      metrics: [{ name: 'delay', value: 495900896, atMs: 1574250000000, unit: 'ms' }],
      labels: {
        project: 'bayes_team',
        kind: 'flink-stream',
        queue: 'root.bayes_team',
        apiType: 'DATASTREAM',
      },
    });
    expect(job.consoleUrl).toContain('bayes_team');
    expect(snapshot.apiCalls).toEqual({
      ListJob: 1,
      BatchGetInstanceRunSummary: 1,
      GetInstanceCheckpoint: 1,
      GetInstanceExceptions: 1,
      GetInstanceMetric: 1,
    });
    expect(seen).toContain('POST /api/v2/projects/bayes_team/jobs/ss2/metric');
    expect(seen).toContain('GET /api/v2/projects/bayes_team/jobs/ss2/instances/-1/checkpoints');
  });
});
