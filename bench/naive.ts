import { z } from 'zod';
import { mapConcurrent } from '../lib/async/concurrent.js';
import type { TargetConfig } from '../lib/config/schema.js';
import { createSecretResolver } from '../lib/config/secrets.js';
import type { JobSnapshot, TargetSnapshot } from '../lib/model/snapshot.js';
import { silentLogger } from '../lib/observability/logger.js';
import { resolveBlinkClient } from '../lib/providers/alibaba-blink/collector.js';
import type { BlinkTarget } from '../lib/providers/alibaba-blink/config.js';
import { parseFlinkScopeId, resolveFlinkClient } from '../lib/providers/alibaba-flink/collector.js';
import type { FlinkTarget } from '../lib/providers/alibaba-flink/config.js';
import { getHuaweiClient } from '../lib/providers/huawei/index.js';

export interface NaiveRow {
  targetId: string;
  concurrency: number;
  jobs: number;
  sampled: number;
  sampleMs: number;
  projectedCalls: number;
  projectedMs: number;
}

type Call = () => Promise<unknown>;

/**
 * What a poller without batch endpoints or state awareness would do: for every job, one call per signal
 * (state; and for running streams checkpoints, failovers, metrics), `concurrency` at a time (1: one after
 * the other). Timed on a sample of jobs per target (`sample` x concurrency jobs) and projected linearly to
 * the whole fleet; listing calls are counted as jobwatch's.
 */
export async function naivePoll(
  targets: TargetConfig[],
  snapshots: TargetSnapshot[],
  counts: Record<string, Record<string, number>>,
  sample: number,
  concurrencyOf: (target: TargetConfig) => number = () => 1,
): Promise<NaiveRow[]> {
  const secrets = createSecretResolver();
  const rows: NaiveRow[] = [];
  for (const [i, target] of targets.entries()) {
    const snapshot = snapshots[i] as TargetSnapshot;
    const concurrency = concurrencyOf(target);
    const callsFor = await naiveCalls(target, secrets, concurrency);
    const listing = Object.entries(counts[target.provider] ?? {})
      .filter(([op]) => /^List|list|cluster_infos|GET \/v1\.0\/.*queues/i.test(op))
      .reduce((n, [, c]) => n + c, 0);
    const picked = snapshot.jobs.slice(0, sample * concurrency);
    const calls = picked.flatMap((job) => callsFor(job));
    const started = performance.now();
    await mapConcurrent(calls, concurrency, (call) => call().catch(() => undefined));
    const sampleMs = performance.now() - started;
    const sampledCalls = calls.length;
    const perJobCalls = snapshot.jobs.reduce((n, job) => n + callsFor(job).length, 0);
    const perCallMs = sampledCalls > 0 ? sampleMs / sampledCalls : 0;
    rows.push({
      targetId: target.id,
      concurrency,
      jobs: snapshot.jobs.length,
      sampled: picked.length,
      sampleMs,
      projectedCalls: listing + perJobCalls,
      projectedMs: (listing + perJobCalls) * perCallMs,
    });
  }
  return rows;
}

async function naiveCalls(
  target: TargetConfig,
  secrets: ReturnType<typeof createSecretResolver>,
  concurrency: number,
): Promise<(job: JobSnapshot) => Call[]> {
  if (target.provider === 'alibaba-blink') {
    const blink = target as BlinkTarget;
    const client = await resolveBlinkClient(blink, { now: Date.now, secrets, logger: silentLogger });
    const get =
      (job: JobSnapshot, operation: string, leaf: string): Call =>
      () =>
        client.call(
          {
            operation,
            method: 'GET',
            segments: ['projects', job.scope.id, 'jobs', job.name, 'instances', -1, leaf],
          },
          z.unknown(),
          { now: Date.now },
        );
    return (job) => {
      const calls = [get(job, 'GetInstanceRunSummary', 'runsummary')];
      if (job.state === 'RUNNING' && job.kind === 'flink-stream') {
        calls.push(
          get(job, 'GetInstanceCheckpoint', 'checkpoints'),
          get(job, 'GetInstanceExceptions', 'exceptions'),
        );
        for (const metric of blink.options.metrics) {
          calls.push(() =>
            client.call(
              {
                operation: 'GetInstanceMetric',
                method: 'POST',
                segments: ['projects', job.scope.id, 'jobs', job.name, 'metric'],
                query: [['instanceId', '-1']],
                body: {
                  metricJson: JSON.stringify({
                    start: Date.now() - 600_000,
                    end: Date.now(),
                    limit: 'avg:sample:50',
                    queries: [
                      {
                        downsample: '60s-avg',
                        metric: `blink.${job.scope.id}.${job.name}.${metric}`,
                        granularity: '60s',
                        aggregator: 'max',
                      },
                    ],
                  }),
                },
              },
              z.unknown(),
              { now: Date.now },
            ),
          );
        }
      }
      return calls;
    };
  }
  if (target.provider === 'alibaba-flink') {
    const client = await resolveFlinkClient(target as FlinkTarget, {
      now: Date.now,
      secrets,
      logger: silentLogger,
    });
    const namespace = (job: JobSnapshot) => parseFlinkScopeId(job.scope.id)?.namespace ?? '';
    const get =
      (job: JobSnapshot, operation: string, segments: string[], query: [string, string][] = []): Call =>
      () =>
        client.call({ operation, method: 'GET', namespace: namespace(job), segments, query }, z.unknown(), {
          now: Date.now,
        });
    // Naively: every job by id, and the running ones' events and savepoints.
    return (job) => {
      const calls = [get(job, 'GetJob', ['jobs', job.instanceId ?? ''])];
      if (job.state === 'RUNNING' && job.kind === 'flink-stream')
        calls.push(
          get(job, 'GetEvents', ['events'], [['deploymentId', job.vendorId]]),
          get(job, 'ListSavepoints', ['savepoints'], [['jobId', job.instanceId ?? '']]),
        );
      return calls;
    };
  }
  const client = getHuaweiClient({
    endpoint: target.endpoint as string,
    credentials: {
      accessKeyId: await secrets(target.credentials.accessKeyId),
      secretAccessKey: await secrets(target.credentials.secretAccessKey),
    },
    projectId: (target.options as { projectId: string }).projectId,
    concurrency,
  });
  if (target.provider === 'huawei-dli') {
    return (job) => {
      const id = encodeURIComponent(job.vendorId);
      if (job.kind === 'spark-batch')
        return [() => client.call('GetBatchState', 'GET', `/v2.0/{project_id}/batches/${id}/state`)];
      if (job.kind === 'sql')
        return [() => client.call('GetSqlJobStatus', 'GET', `/v1.0/{project_id}/jobs/${id}/status`)];
      return [() => client.call('GetFlinkJob', 'GET', `/v1.0/{project_id}/streaming/jobs/${id}`)];
    };
  }
  return (job) => [
    () =>
      client.call(
        'GetJobExecution',
        'GET',
        `/v2/{project_id}/clusters/${encodeURIComponent(job.scope.id)}/job-executions/${encodeURIComponent(job.vendorId)}`,
      ),
  ];
}
