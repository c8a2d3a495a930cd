/**
 * One poll of one Realtime Compute target. Per project: ListJob (paged) -> BatchGetInstanceRunSummary (many
 * streaming jobs per call) -> for running streaming jobs only, GetInstanceCheckpoint, GetInstanceExceptions
 * and GetInstanceMetric (per-job calls the API offers no batch form of); batch jobs: ListInstance (paged) and
 * GetInstanceFinalState for instances the control plane still calls RUNNING. Never throws.
 */
import { mapConcurrent } from '../../async/concurrent.js';
import { HttpCallError } from '../../http/errors.js';
import {
  type Evidence,
  type JobKind,
  type JobSnapshot,
  resourceKey,
  type TargetSnapshot,
} from '../../model/snapshot.js';
import { cleanVendorText } from '../../text/scrub.js';
import { MAX_ERROR_CHARS } from '../../text/trim.js';
import { type AlibabaPoll, alibabaEndpoint, collectAlibaba } from '../alibaba/collect.js';
import { markMissing, parseVendor, plainJob, toCollectionError } from '../shared.js';
import { alibabaCredentials } from '../shared-client.js';
import type { ProviderContext } from '../types.js';
import { type BlinkCallContext, type BlinkClient, blinkClientFor } from './client.js';
import { type BlinkTarget, blinkEndpointFor } from './config.js';
import {
  blinkConsoleUrl,
  blinkJobKind,
  metricNameOf,
  normalizeBlinkState,
  toCheckpointStats,
  toFailovers,
  toMetricSamples,
} from './mapping.js';
import {
  CHECKPOINT_DURATION,
  DURATION_GRANULARITY_S,
  FAILOVER_RATE,
  forget,
  METRIC_GRANULARITY_S,
  planReads,
  rememberCheckpoints,
  rememberFailovers,
  seriesPoints,
  type TargetMemory,
  type TriggerSeries,
  targetMemory,
} from './reads.js';
import {
  batchRunSummaryResponseSchema,
  checkpointResponseSchema,
  checkpointsDocSchema,
  exceptionsDocSchema,
  exceptionsResponseSchema,
  finalStateResponseSchema,
  listInstanceResponseSchema,
  listJobResponseSchema,
  metricResponseSchema,
  runSummaryResponseSchema,
  type VendorInstance,
  type VendorJob,
  type VendorRunSummary,
} from './schemas.js';

export {
  blinkConsoleUrl,
  blinkJobKind,
  normalizeBlinkState,
  toCheckpointStats,
  toFailovers,
  toMetricSamples,
} from './mapping.js';
export type { BlinkTarget };

/** The streaming "current instance" alias accepted by every instance API (digest §7.4). */
export const CURRENT_INSTANCE = -1;
/** GetInstanceMetric serves only the last 2 hours (manual, DEMO L11172). */
export const METRIC_MAX_WINDOW_MS = 2 * 60 * 60 * 1000;
const MAX_PAGES = 2_000;

/** Listings count pages from 1 (a server that counts otherwise is still read whole) and report TotalCount. */
const LISTINGS = { totalName: 'TotalCount', maxPages: MAX_PAGES };

type BlinkPoll = AlibabaPoll<BlinkClient>;

// ---------------------------------------------------------------------------------------------------------

interface JobBase {
  project: string;
  job: VendorJob;
}

export async function resolveBlinkClient(target: BlinkTarget, ctx: ProviderContext): Promise<BlinkClient> {
  return blinkClientFor({
    endpoint: alibabaEndpoint(target, blinkEndpointFor),
    regionId: target.options.clusterRegion ?? target.region,
    credentials: await alibabaCredentials(target, ctx),
  });
}

export function collectBlink(target: BlinkTarget, ctx: ProviderContext): Promise<TargetSnapshot> {
  const memory = targetMemory(`${target.id}\u0000${target.endpoint ?? blinkEndpointFor(target.region)}`);
  const reads: PollReads = { memory, fullReadEvery: target.options.fullReadEvery };
  return collectAlibaba(
    target,
    ctx,
    { client: resolveBlinkClient, memory, listings: LISTINGS },
    async (poll) => {
      // Projects concurrently under the target's one limiter (issue 17): one after the other, each project's
      // listing rounds added to the poll's critical path. A project that fails does not stop the others.
      const settled = await Promise.allSettled(
        target.options.projects.map((project) => collectProject(target, project, poll, reads)),
      );
      for (const result of settled) {
        if (result.status === 'fulfilled') continue;
        poll.snapshot.errors.push(toCollectionError(result.reason, 'collect', ctx.now()));
        poll.snapshot.complete = false;
      }
    },
  );
}

/**
 * One project as a pipeline bounded by the target's limiter: each ListJob page's streaming jobs join
 * BatchGetInstanceRunSummary chunks as the page arrives, each chunk's running jobs get their per-job reads
 * as soon as the chunk answers, and ListInstance starts with the first batch job seen. The call list is
 * the same as reading phase after phase; only the waiting between phases is gone.
 */
async function collectProject(
  target: BlinkTarget,
  project: string,
  poll: BlinkPoll,
  reads: PollReads,
): Promise<void> {
  const options = target.options;
  const types = new Set(options.jobTypes);
  const streaming = streamingPipeline(target, project, poll, reads);
  const batch: VendorJob[] = [];
  let instances: Promise<{ items: VendorInstance[]; complete: boolean }> | undefined;
  const listed = await poll.list<VendorJob>({
    operation: 'ListJob',
    what: 'jobs',
    keyOf: (job) => job.JobName,
    onNew: (items) => {
      for (const job of items) {
        if (!poll.wanted(job.JobName) || job.IsCommitted === false) continue;
        const kind = blinkJobKind(job.JobType);
        if (!types.has(kind === 'flink-batch' ? 'FLINK_BATCH' : 'FLINK_STREAM')) continue;
        if (kind === 'flink-stream') streaming.add(job);
        else {
          batch.push(job);
          instances ??= listBatchInstances(target, project, poll);
        }
      }
    },
    fetch: async (pageIndex) => {
      const page = await poll.client.call(
        {
          operation: 'ListJob',
          method: 'GET',
          segments: ['projects', project, 'jobs'],
          query: [
            ['pageIndex', String(pageIndex)],
            ['pageSize', String(options.pageSize)],
            // Leaves out code, SQL and plan JSON (DEMO L10938-10940); the schema drops them anyway.
            ['isShowFullField', 'false'],
          ],
        },
        listJobResponseSchema,
        poll.call,
      );
      return {
        items: page.Jobs,
        ...(page.TotalCount === undefined ? {} : { total: page.TotalCount }),
        ...(page.TotalPage === undefined ? {} : { totalPages: page.TotalPage }),
        ...(page.PageSize === undefined ? {} : { pageSize: page.PageSize }),
      };
    },
  });
  if (!listed.complete) poll.snapshot.complete = false;

  const [streamSnaps, batchSnaps] = await Promise.all([
    streaming.finish(),
    instances ? collectBatch(target, project, batch, instances, poll) : [],
  ]);
  poll.snapshot.jobs.push(...streamSnaps, ...batchSnaps);
}

function identity(target: BlinkTarget, base: JobBase, kind: JobKind) {
  const scope = { kind: 'project' as const, id: base.project };
  const name = base.job.JobName;
  const facts: Record<string, string> = { project: base.project, kind };
  if (base.job.ApiType) facts['apiType'] = base.job.ApiType.toUpperCase();
  if (base.job.QueueName) facts['queue'] = base.job.QueueName;
  if (base.job.ClusterId) facts['cluster'] = base.job.ClusterId;
  if (base.job.EngineVersion) facts['engineVersion'] = base.job.EngineVersion;
  return {
    key: resourceKey({
      provider: 'alibaba-blink',
      region: target.region,
      scope,
      type: 'job',
      vendorId: name,
    }),
    provider: 'alibaba-blink' as const,
    targetId: target.id,
    region: target.region,
    scope,
    name,
    vendorId: name,
    consoleUrl: blinkConsoleUrl(target.options.clusterRegion ?? target.region, base.project, name),
    labels: { ...target.labels, ...facts },
    type: 'job' as const,
    kind,
  };
}

function streamSnapshot(
  target: BlinkTarget,
  base: JobBase,
  summary: VendorRunSummary | undefined,
): JobSnapshot {
  const vendorState = summary?.ActualState ?? 'UNKNOWN';
  const { state, stateCause } = normalizeBlinkState(vendorState, summary?.ExpectState);
  const snap = plainJob({ ...identity(target, base, 'flink-stream'), state, vendorState });
  if (stateCause) snap.stateCause = stateCause;
  if (summary?.Id !== undefined) snap.instanceId = String(summary.Id);
  const lastError = cleanVendorText(summary?.LastErrorMessage, MAX_ERROR_CHARS);
  if (lastError) snap.lastError = lastError;
  if (state === 'FAILED' && summary?.LastErrorTime !== undefined) snap.stateSinceMs = summary.LastErrorTime;
  return snap;
}

function streamingPipeline(
  target: BlinkTarget,
  project: string,
  { client, call, snapshot }: BlinkPoll,
  reads: PollReads,
): { add: (job: VendorJob) => void; finish: () => Promise<JobSnapshot[]> } {
  const options = target.options;
  const snaps: JobSnapshot[] = [];
  const work: Promise<void>[] = [];
  let buffer: VendorJob[] = [];
  let unread = 0;
  // Running jobs wait here for one of the readers, so pending work (and memory) stays bounded however
  // large the fleet. A reader's job makes its metric call, then the reads it needs: twice `concurrency`
  // readers keep the limiter full while some wait on their metric answer.
  const running: { snap: JobSnapshot; summary: VendorRunSummary | undefined }[] = [];
  let next = 0;
  let readers = 0;
  const reader = async () => {
    readers++;
    try {
      while (next < running.length) {
        const item = running[next] as (typeof running)[number];
        running[next++] = undefined as unknown as (typeof running)[number];
        await readRunningDetails(target, project, item.snap, item.summary, client, call, snapshot, reads);
      }
    } finally {
      readers--;
    }
  };
  const settled = (job: VendorJob, summary: VendorRunSummary | undefined) => {
    // Jobs the batch call silently ignored exist and are committed but have no instance: UNKNOWN.
    const snap = streamSnapshot(target, { project, job }, summary);
    snaps.push(snap);
    // Without a known state the running job's reads are not made: what they would tell is missing too.
    if (snap.state === 'UNKNOWN') markMissing(snap, 'state', ...runningReads(target));
    if (snap.vendorState.toUpperCase() !== 'RUNNING') return;
    running.push({ snap, summary });
    if (readers < 2 * options.concurrency) work.push(reader());
  };
  const sendChunk = (chunk: VendorJob[]) => {
    work.push(
      client
        .call(
          {
            operation: 'BatchGetInstanceRunSummary',
            method: 'GET',
            segments: ['projects', project, 'runsummary'],
            query: [
              ['jobNames', chunk.map((job) => job.JobName).join(',')],
              ['jobType', 'FLINK_STREAM'],
            ],
          },
          batchRunSummaryResponseSchema,
          call,
        )
        .then(
          (answer) => {
            const summaries = new Map<string, VendorRunSummary>();
            for (const summary of answer.RunSummarys)
              if (summary.JobName) summaries.set(summary.JobName, summary);
            for (const job of chunk) settled(job, summaries.get(job.JobName));
          },
          (error: unknown) => {
            snapshot.errors.push(toCollectionError(error, 'BatchGetInstanceRunSummary', call.now()));
            unread += chunk.length;
          },
        ),
    );
  };
  // Names with a comma cannot travel in the comma-separated list; they get a per-job read.
  const sendSingle = (job: VendorJob) => {
    work.push(
      client
        .call(
          {
            operation: 'GetInstanceRunSummary',
            method: 'GET',
            segments: ['projects', project, 'jobs', job.JobName, 'instances', CURRENT_INSTANCE, 'runsummary'],
          },
          runSummaryResponseSchema,
          call,
        )
        .then(
          (answer) => settled(job, answer.RunSummary ?? undefined),
          (error: unknown) => {
            snapshot.errors.push(toCollectionError(error, 'GetInstanceRunSummary', call.now()));
            unread += 1;
          },
        ),
    );
  };
  return {
    add(job) {
      if (job.JobName.includes(',')) return sendSingle(job);
      buffer.push(job);
      if (buffer.length >= options.runSummaryBatchSize) {
        sendChunk(buffer);
        buffer = [];
      }
    },
    async finish() {
      if (buffer.length > 0) sendChunk(buffer);
      buffer = [];
      // Work grows while it is awaited (a chunk's answer adds its running jobs' reads).
      for (let i = 0; i < work.length; i++) await work[i];
      // A job we could not read is left out, and the snapshot is incomplete so it is not taken for gone.
      if (unread > 0) snapshot.complete = false;
      return snaps;
    },
  };
}

/** What the per-job reads of a running streaming job bring, metrics only when some are configured. */
function runningReads(target: BlinkTarget): Evidence[] {
  return target.options.metrics.length > 0
    ? ['checkpoints', 'failovers', 'metrics']
    : ['checkpoints', 'failovers'];
}

/** The process's memory of the target, and how often each job is read whatever it says (reads.ts). */
interface PollReads {
  memory: TargetMemory;
  fullReadEvery: number;
}

/**
 * One running job: GetInstanceMetric first (the configured metrics, plus the failover rate and the last
 * checkpoint duration that decide the other reads), then GetInstanceCheckpoint and GetInstanceExceptions
 * when reads.ts says they may show something new; a skipped read carries the last one forward. A read that
 * fails or answers garbage is a collection error and leaves its evidence missing, so detection holds what it
 * decides (a failed read is not a healthy one). So is an answer without its document: the API always sends
 * one (the exceptions document is an empty one when nothing failed over).
 */
async function readRunningDetails(
  target: BlinkTarget,
  project: string,
  snap: JobSnapshot,
  summary: VendorRunSummary | undefined,
  client: BlinkClient,
  call: BlinkCallContext,
  snapshot: TargetSnapshot,
  reads: PollReads,
): Promise<void> {
  const instancePath = ['projects', project, 'jobs', snap.name, 'instances', CURRENT_INSTANCE];
  const memoryKey = `${project}/${snap.name}`;
  const fail = (operation: string, evidence: Evidence) => (error: unknown) => {
    snapshot.errors.push(toCollectionError(error, operation, call.now()));
    markMissing(snap, evidence);
  };

  const series = await readMetrics(target, project, snap, client, call).catch((error: unknown) => {
    snapshot.errors.push(toCollectionError(error, 'GetInstanceMetric', call.now()));
    if (target.options.metrics.length > 0) markMissing(snap, 'metrics');
    return undefined;
  });
  const plan = planReads({
    memory: reads.memory,
    key: memoryKey,
    summary,
    series,
    fullReadEvery: reads.fullReadEvery,
    nowMs: call.now(),
  });

  const checkpoint = plan.checkpoints
    ? client
        .call(
          { operation: 'GetInstanceCheckpoint', method: 'GET', segments: [...instancePath, 'checkpoints'] },
          checkpointResponseSchema,
          call,
        )
        .then((answer) => {
          const doc = embedded(
            checkpointsDocSchema,
            answer.Checkpoints,
            'GetInstanceCheckpoint',
            'Checkpoints',
          );
          if (!doc) {
            forget(reads.memory, memoryKey, 'checkpoints');
            return markMissing(snap, 'checkpoints');
          }
          snap.checkpoints = toCheckpointStats(doc);
          rememberCheckpoints(reads.memory, memoryKey, doc, snap.checkpoints, call.now());
        })
        .catch((error: unknown) => {
          forget(reads.memory, memoryKey, 'checkpoints');
          fail('GetInstanceCheckpoint', 'checkpoints')(error);
        })
    : undefined;
  if (plan.carriedCheckpoints) snap.checkpoints = plan.carriedCheckpoints;

  const exceptions = plan.exceptions
    ? client
        .call(
          { operation: 'GetInstanceExceptions', method: 'GET', segments: [...instancePath, 'exceptions'] },
          exceptionsResponseSchema,
          call,
        )
        .then((answer) => {
          const doc = embedded(exceptionsDocSchema, answer.Exceptions, 'GetInstanceExceptions', 'Exceptions');
          if (!doc) {
            forget(reads.memory, memoryKey, 'failovers');
            return markMissing(snap, 'failovers');
          }
          // All listed failovers, every poll: detection's stored per-job cursor decides which are new.
          snap.failovers = toFailovers(doc);
          rememberFailovers(reads.memory, memoryKey, snap.failovers, call.now());
        })
        .catch((error: unknown) => {
          forget(reads.memory, memoryKey, 'failovers');
          fail('GetInstanceExceptions', 'failovers')(error);
        })
    : undefined;
  if (plan.carriedFailovers) snap.failovers = plan.carriedFailovers;
  await Promise.all([checkpoint, exceptions]);
}

/**
 * GetInstanceMetric for the configured metrics (into the snapshot) and the two series that decide the other
 * reads. Throws on a failed call; an answer without a trigger series leaves that series undefined.
 */
async function readMetrics(
  target: BlinkTarget,
  project: string,
  snap: JobSnapshot,
  client: BlinkClient,
  call: BlinkCallContext,
): Promise<TriggerSeries> {
  const wanted = target.options.metrics;
  const endMs = call.now();
  const windowMs = Math.min(target.options.metricWindowMinutes * 60_000, METRIC_MAX_WINDOW_MS - 5 * 60_000);
  const prefix = `blink.${project}.${snap.name}.`;
  const queryOf = (metric: string, granularityS: number) => ({
    downsample: `${granularityS}s-avg`,
    metric: `${prefix}${metric}`,
    granularity: `${granularityS}s`,
    aggregator: 'max',
  });
  // A trigger already configured is read once, at the configured granularity.
  const queries = wanted.map((metric) => queryOf(metric, METRIC_GRANULARITY_S));
  if (!wanted.includes(FAILOVER_RATE)) queries.push(queryOf(FAILOVER_RATE, METRIC_GRANULARITY_S));
  // At most about 60 points: the manual warns that too many points make the call time out.
  const durationGranularityS = Math.max(DURATION_GRANULARITY_S, Math.ceil(windowMs / 60_000 / 10) * 10);
  if (!wanted.includes(CHECKPOINT_DURATION)) queries.push(queryOf(CHECKPOINT_DURATION, durationGranularityS));
  const query = { start: endMs - windowMs, end: endMs, limit: 'avg:sample:50', queries };
  const answer = await client.call(
    {
      operation: 'GetInstanceMetric',
      method: 'POST',
      segments: ['projects', project, 'jobs', snap.name, 'metric'],
      query: [['instanceId', String(CURRENT_INSTANCE)]],
      body: { metricJson: JSON.stringify(query) },
    },
    metricResponseSchema,
    call,
  );
  const configured = answer.Metrics.filter((metric) =>
    wanted.includes(metricNameOf(metric.MetricName, wanted, prefix)),
  );
  if (wanted.length > 0) {
    const samples = toMetricSamples(configured, wanted, prefix, endMs);
    if (samples.length > 0) snap.metrics = samples;
  }
  const series: TriggerSeries = {};
  for (const metric of answer.Metrics) {
    const name = metricNameOf(metric.MetricName, [FAILOVER_RATE, CHECKPOINT_DURATION], prefix);
    if (name === FAILOVER_RATE) series.failoverRate = seriesPoints(metric.Dps);
    else if (name === CHECKPOINT_DURATION) series.checkpointDuration = seriesPoints(metric.Dps);
  }
  return series;
}

/** Parses a JSON document embedded as a string; drift or garbage is an 'invalid-response' naming the field. */
function embedded<S extends typeof checkpointsDocSchema | typeof exceptionsDocSchema>(
  schema: S,
  value: unknown,
  operation: string,
  field: string,
): ReturnType<S['parse']> | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  let json: unknown = value;
  if (typeof value === 'string') {
    try {
      json = JSON.parse(value);
    } catch {
      throw new HttpCallError(`${operation}: ${field} is not valid JSON`, {
        kind: 'invalid-response',
        operation,
        attempts: 1,
      });
    }
  }
  return parseVendor(schema, json, `${operation} ${field}`) as ReturnType<S['parse']>;
}

function listBatchInstances(
  target: BlinkTarget,
  project: string,
  { client, call, list }: BlinkPoll,
): Promise<{ items: VendorInstance[]; complete: boolean }> {
  const options = target.options;
  return list<VendorInstance>({
    operation: 'ListInstance',
    what: 'instances',
    keyOf: (instance) => `${instance.JobName}#${instance.Id ?? ''}`,
    fetch: async (pageIndex) => {
      const page = await client.call(
        {
          operation: 'ListInstance',
          method: 'GET',
          segments: ['projects', project, 'instances'],
          query: [
            ['jobType', 'FLINK_BATCH'],
            ['pageIndex', String(pageIndex)],
            ['pageSize', String(options.pageSize)],
          ],
        },
        listInstanceResponseSchema,
        call,
      );
      return {
        items: page.Instances,
        ...(page.TotalCount === undefined ? {} : { total: page.TotalCount }),
        ...(page.TotalPage === undefined ? {} : { totalPages: page.TotalPage }),
        ...(page.PageSize === undefined ? {} : { pageSize: page.PageSize }),
      };
    },
  });
}

async function collectBatch(
  target: BlinkTarget,
  project: string,
  jobs: VendorJob[],
  instances: Promise<{ items: VendorInstance[]; complete: boolean }>,
  { client, call, snapshot }: BlinkPoll,
): Promise<JobSnapshot[]> {
  if (jobs.length === 0) return [];
  const options = target.options;
  const listed = await instances;
  if (!listed.complete) {
    snapshot.complete = false;
    // Without the full instance list a batch job's latest run is unknown: leave batch jobs out this poll.
    if (listed.items.length === 0) return [];
  }
  const latest = new Map<string, VendorInstance>();
  for (const instance of listed.items) {
    const current = latest.get(instance.JobName);
    const newer =
      !current ||
      (instance.StartTime ?? 0) > (current.StartTime ?? 0) ||
      ((instance.StartTime ?? 0) === (current.StartTime ?? 0) && (instance.Id ?? 0) > (current.Id ?? 0));
    if (newer) latest.set(instance.JobName, instance);
  }
  // With a partial listing, a job whose run was not read is left out rather than reported UNKNOWN (which
  // would resolve its findings); the snapshot is already marked incomplete.
  const readable = listed.complete ? jobs : jobs.filter((job) => latest.has(job.JobName));
  const snaps = readable.map((job) => {
    const instance = latest.get(job.JobName);
    const vendorState = instance?.ActualState ?? 'UNKNOWN';
    const { state, stateCause } = normalizeBlinkState(vendorState, instance?.ExpectState);
    const snap = plainJob({ ...identity(target, { project, job }, 'flink-batch'), state, vendorState });
    if (stateCause) snap.stateCause = stateCause;
    if (instance?.Id !== undefined) snap.instanceId = String(instance.Id);
    if (instance?.StartTime !== undefined) snap.startedAtMs = instance.StartTime;
    if (instance?.EndTime !== undefined && instance.EndTime > 0) {
      snap.finishedAtMs = instance.EndTime;
      snap.stateSinceMs = instance.EndTime;
    } else if (instance?.StartTime !== undefined) snap.stateSinceMs = instance.StartTime;
    const lastError = cleanVendorText(instance?.LastErrorMessage, MAX_ERROR_CHARS);
    if (lastError) snap.lastError = lastError;
    return snap;
  });
  // The control plane may still say RUNNING after YARN finished the application: ask YARN.
  const running = snaps.filter((s) => s.state === 'RUNNING' && s.instanceId !== undefined);
  await mapConcurrent(running, options.concurrency, async (snap) => {
    try {
      const answer = await client.call(
        {
          operation: 'GetInstanceFinalState',
          method: 'GET',
          segments: [
            'projects',
            project,
            'jobs',
            snap.name,
            'instances',
            snap.instanceId as string,
            'finalstate',
          ],
        },
        finalStateResponseSchema,
        call,
      );
      const final = (answer.Finalstate ?? '').toUpperCase();
      if (final) snap.labels['yarnFinalState'] = final;
      if (final === 'FAILED' || final === 'KILLED') {
        snap.state = 'FAILED';
        snap.stateCause = 'system';
        snap.lastError ??= `YARN final state ${final}`;
      }
    } catch (error) {
      snapshot.errors.push(toCollectionError(error, 'GetInstanceFinalState', call.now()));
      // The control plane's RUNNING is what YARN was asked to confirm: unconfirmed, it is no evidence.
      markMissing(snap, 'state');
    }
  });
  return snaps;
}
