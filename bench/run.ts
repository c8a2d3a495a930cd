/**
 * `npm run bench`: cost and speed of jobwatch at fleet scale against the sandbox fleet served from a child
 * process (so CPU and memory figures are jobwatch's alone), side by side with the official Alibaba ROA
 * client and a naive poller, plus the packaged Lambda zips and a monthly bill. Prints figures; asserts
 * nothing. Figures from a shared machine are noisy: compare ratios measured in the same run.
 *   npm run bench                          # everything (about 10 minutes on 2 cores)
 *   npm run bench -- --quick               # a fifth of the fleet, no 10k/50k runs (a few minutes)
 *   npm run bench -- --json                # also one JSON object on the last line
 *   npm run bench -- --scale 2 --latency-ms 20 --skip-naive
 * Targets use jobwatch's defaults (Blink concurrency 8, pages of 50); the Blink fleet spans
 * --blink-projects projects.
 */

import { setMaxListeners } from 'node:events';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createSecretResolver } from '../lib/config/secrets.js';
import type { EventBus } from '../lib/events/bus.js';
import type { Logger } from '../lib/observability/logger.js';
import { createLineLogger } from '../lib/observability/logger.js';
import { PROVIDERS_BY_ID } from '../lib/providers/registry.js';
import type { Provider } from '../lib/providers/types.js';
import { type PollReport, pollAll } from '../lib/runtime/pipeline.js';
import { SANDBOX_ENV } from '../lib/sandbox/types.js';
import {
  createDocumentClient,
  createDynamoStore,
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
} from '../lib/state/index.js';
import type { PutInput, Store, WriteCondition } from '../lib/state/store.js';
import { criticalPathBound } from './bound.js';
import { type SeriesPoint, seriesSvg } from './chart.js';
import { coldStart } from './cold-start.js';
import { ASSUMPTIONS, monthlyCost, UNIT_PRICES } from './cost.js';
import { detectAndRoute } from './detect-route.js';
import {
  benchConfig,
  concurrencyOf,
  type FleetSizes,
  fleetSpec,
  POLL_PERIOD_MS,
  totalJobs,
} from './fleet.js';
import { bundleBenchScript, measure, runBenchProcess, startSandboxChild, table } from './measure.js';
import { naivePoll } from './naive.js';
import { ROA_COLUMNS, type roaComparison } from './roa-compare.js';
import { scrubBench } from './scrub.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    scale: { type: 'string' },
    'latency-ms': { type: 'string', default: '50' },
    'blink-jobs': { type: 'string', default: '1000' },
    'blink-projects': { type: 'string', default: '4' },
    'dli-flink': { type: 'string', default: '1000' },
    'dli-spark': { type: 'string', default: '500' },
    'dli-sql': { type: 'string', default: '2000' },
    'mrs-clusters': { type: 'string', default: '20' },
    'mrs-jobs': { type: 'string', default: '5000' },
    'flink-deployments': { type: 'string', default: '500' },
    'unhealthy-percent': { type: 'string', default: '3' },
    'blink-running-percent': { type: 'string', default: '60' },
    'naive-sample': { type: 'string' },
    'roa-calls': { type: 'string' },
    'roa-trials': { type: 'string', default: '5' },
    'detect-jobs': { type: 'string' },
    'import-runs': { type: 'string', default: '7' },
    chart: { type: 'string', default: 'docs/performance-series.svg' },
    'skip-naive': { type: 'boolean', default: false },
    'skip-roa': { type: 'boolean', default: false },
    'skip-cold-start': { type: 'boolean', default: false },
    'skip-series': { type: 'boolean', default: false },
    'no-package': { type: 'boolean', default: false },
  },
});

const quick = values.quick;
const scale = Number(values.scale ?? (quick ? 0.2 : 1));
const latencyMs = Number(values['latency-ms']);
const size = (name: keyof typeof values, s = scale) => Math.round(Number(values[name]) * s);
const sizesAt = (s: number): FleetSizes => ({
  blinkJobs: size('blink-jobs', s),
  blinkProjects: Math.max(1, Number(values['blink-projects'])),
  dliFlinkJobs: size('dli-flink', s),
  dliSparkJobs: size('dli-spark', s),
  dliSqlJobs: size('dli-sql', s),
  mrsClusters: Math.max(1, Math.round(Number(values['mrs-clusters']) * Math.sqrt(s))),
  mrsJobs: size('mrs-jobs', s),
  flinkDeployments: size('flink-deployments', s),
  unhealthyPercent: Number(values['unhealthy-percent']),
  blinkRunningPercent: Number(values['blink-running-percent']),
});
const sizes = sizesAt(scale);
const jobsInFleet = totalJobs(sizes);
const roaCalls = Number(values['roa-calls'] ?? (quick ? 500 : 2000));
const roaTrials = Math.max(1, Number(values['roa-trials']));

const out = (line = '') => process.stdout.write(`${line}\n`);
const summary: Record<string, unknown> = { quick, scale, latencyMs, jobs: jobsInFleet };
out(`# jobwatch benchmark (${new Date().toISOString()}, node ${process.version}${quick ? ', --quick' : ''})`);
out(
  `fleet: blink ${sizes.blinkJobs} jobs in ${sizes.blinkProjects} projects (${sizes.blinkRunningPercent}% running); dli ${sizes.dliFlinkJobs} flink + ${sizes.dliSparkJobs} spark + ${sizes.dliSqlJobs} sql; mrs ${sizes.mrsClusters} clusters / ${sizes.mrsJobs} jobs; flink (ververica) ${sizes.flinkDeployments} deployments; ${jobsInFleet} jobs in all; ${sizes.unhealthyPercent}% unhealthy; sandbox latency ${latencyMs} ms per request; jobwatch's default options (Blink concurrency 8, pages of 50)`,
);
out('Shared machine: absolute times are noisy; ratios are measured side by side in this run.\n');

const startSetup = performance.now();
const sandbox = await startSandboxChild(fleetSpec(sizes), latencyMs, { store: true });
Object.assign(process.env, SANDBOX_ENV);
const config = benchConfig(sandbox.targets);
out(
  `sandbox fleet and state table ready in ${((performance.now() - startSetup) / 1000).toFixed(1)} s (child process)\n`,
);

// The whole cycle: collect, state query, detect, publish, persist, heartbeat, as a poll Lambda runs it.
const documentClient = createDocumentClient({
  endpoint: sandbox.storeEndpoint as string,
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
});
await ensureTable(documentClient, 'jobwatch-bench');
const io = { writes: 0, writeUnits: 0, readUnits: 0, events: 0, logBytes: 0 };
/** Writes per partition (`detect#<target>`, `status#poll`, ...), to tell heartbeats from state churn. */
const writesByPk = new Map<string, number>();
const countWrite = (pk: string, bytes: number) => {
  io.writes++;
  io.writeUnits += units(bytes, 1024);
  writesByPk.set(pk, (writesByPk.get(pk) ?? 0) + 1);
};
const units = (bytes: number, per: number) => Math.max(1, Math.ceil(bytes / per));
const sizeOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
const baseStore = createDynamoStore({
  tableName: 'jobwatch-bench',
  client: documentClient,
  now: sandbox.now,
});
/** Counts writes and DynamoDB capacity units (1 KB per write unit, 4 KB per strongly consistent read unit). */
const store: Store = Object.create(baseStore);
store.put = <T>(item: PutInput<T>, condition?: WriteCondition) => {
  countWrite(item.pk, sizeOf(item));
  return baseStore.put(item, condition);
};
store.putMany = <T>(items: PutInput<T>[]) => {
  for (const item of items) countWrite(item.pk, sizeOf(item));
  return baseStore.putMany(items);
};
store.delete = (pk: string, sk: string, condition?: { ifVersion: number }) => {
  countWrite(pk, 0);
  return baseStore.delete(pk, sk, condition);
};
store.query = async (pk, options) => {
  const items = await baseStore.query(pk, options);
  io.readUnits += units(
    items.reduce((n, item) => n + sizeOf(item), 0),
    4096,
  );
  return items as never;
};
const bus: EventBus = {
  publish: async (events) => {
    io.events += events.length;
    return { published: events.length, failed: [] };
  },
};
// The log lines a poll writes at info level, serialized as the Lambda logger would, counted not printed.
const logger: Logger = createLineLogger({
  level: 'info',
  write: (line) => {
    io.logBytes += Buffer.byteLength(line);
  },
});
const signal = new AbortController().signal;
setMaxListeners(0, signal);
const deps = {
  config,
  providers: PROVIDERS_BY_ID,
  store,
  bus,
  secrets: createSecretResolver(),
  logger,
  now: sandbox.now,
  signal,
};
const wholeCycle = () => pollAll(config.targets, deps);

// 1. Cold (first: every state is new) and warm (second: pools and JIT warm, the state as the first left it).
await sandbox.reset();
const cold = await measure(wholeCycle).then(({ result, ...figures }) => ({
  ...figures,
  writes: io.writes,
  events: result.reduce((n, r) => n + r.events.length, 0),
}));
const coldCounts = await sandbox.counts();
// The warm poll comes a poll period of sandbox time after the cold one (as in the scaling series).
await sandbox.advanceClock(POLL_PERIOD_MS);
await sandbox.reset();
Object.assign(io, { writes: 0, writeUnits: 0, readUnits: 0, events: 0, logBytes: 0 });
writesByPk.clear();
const warm = await measure(wholeCycle);
const warmIo = { ...io };
const counts = await sandbox.counts();
const sandboxCpuMs = await sandbox.cpuMs();

const sumCalls = (c: Record<string, Record<string, number>>) =>
  Object.values(c)
    .flatMap(Object.values)
    .reduce((a, b) => a + b, 0);
const rows: (string | number)[][] = [];
let cycleBoundMs = 0;
for (const [i, target] of config.targets.entries()) {
  const report = warm.result[i] as PollReport;
  const perOp = counts[target.provider] ?? {};
  const bound = criticalPathBound(target.provider, perOp, latencyMs, concurrencyOf(target));
  cycleBoundMs = Math.max(cycleBoundMs, bound.boundMs);
  for (const [op, n] of Object.entries(perOp).sort()) rows.push([target.provider, op, n, '', '', '', '', '']);
  rows.push([
    `**${target.id}**`,
    `${report.jobs} jobs, ${report.errors} errors, ${report.events.length} events`,
    bound.calls,
    concurrencyOf(target),
    bound.rounds,
    bound.boundMs,
    `${Math.round(report.collectMs)} (${(report.collectMs / bound.boundMs).toFixed(2)}x)`,
    `${Math.round(report.totalMs)} (${(report.totalMs / bound.boundMs).toFixed(2)}x)`,
  ]);
}
const callsPerCycle = sumCalls(counts);
out('## 1. One poll cycle (whole: collect, state query, detect, publish, persist): vendor API calls');
out(
  table(
    [
      'target',
      'operation',
      'calls',
      'concurrency',
      'rounds',
      'bound ms',
      'collect ms (x bound)',
      'poll ms (x bound)',
    ],
    rows,
  ),
);
out();
const jobsSeen = warm.result.reduce((n, r) => n + r.jobs, 0);
out(
  table(
    [
      'cycle',
      'jobs',
      'calls',
      'wall ms',
      'critical-path bound ms',
      'wall / bound',
      'CPU ms',
      'peak RSS MB',
      'store writes',
      'events',
      'sandbox CPU ms',
    ],
    [
      [
        'cold',
        jobsSeen,
        sumCalls(coldCounts),
        cold.wallMs,
        '',
        '',
        cold.cpuMs,
        cold.peakRssMb,
        cold.writes,
        cold.events,
        '',
      ],
      [
        'warm',
        jobsSeen,
        callsPerCycle,
        warm.wallMs,
        cycleBoundMs,
        (warm.wallMs / cycleBoundMs).toFixed(2),
        warm.cpuMs,
        warm.peakRssMb,
        warmIo.writes,
        warmIo.events,
        sandboxCpuMs,
      ],
    ],
  ),
);
out(
  `\nBound = the critical path: per target, the sum over its sequential rounds (listing, then summaries/details, then per-instance reads) of ceil(calls in the round / concurrency) x ${latencyMs} ms; the cycle's bound is the largest target's (targets run concurrently, each with its own limit; in AWS one Lambda per target). The warm cycle is the second poll: its ${warmIo.writes} store writes on ${jobsSeen} jobs (${((warmIo.writes / jobsSeen) * 100).toFixed(2)} %) are the steady-state writes (the ${config.targets.length} heartbeats included): ${[
    ...writesByPk,
  ]
    .map(([pk, n]) => `${pk} ${n}`)
    .join(
      ', ',
    )}. The warm poll comes ${POLL_PERIOD_MS / 1000} s of sandbox time after the cold one (a poll every minute), so what changed at the vendor in between (new failed checkpoints, jobs finishing) is written too.\n`,
);
Object.assign(summary, {
  callsPerCycle,
  cycleWallMs: Math.round(warm.wallMs),
  cycleBoundMs,
  cycleWallOverBound: round2(warm.wallMs / cycleBoundMs),
  cycleCpuMs: Math.round(warm.cpuMs),
  steadyWritesPerPoll: warmIo.writes,
  steadyWritesPercentOfJobs: round2((warmIo.writes / jobsSeen) * 100),
});

// 2. Detection + routing alone.
out('## 2. Detection + routing alone (no I/O)');
const dr = detectAndRoute(Number(values['detect-jobs'] ?? (quick ? 5000 : 20000)));
const perSecond = (cpuMs: number) => Math.round(dr.events / (cpuMs / 1000));
out(
  table(
    ['stage', 'jobs per poll', 'polls', 'events', 'CPU ms', 'events / s'],
    [
      ['detect', dr.jobs, dr.polls, dr.events, dr.detectCpuMs, perSecond(dr.detectCpuMs)],
      [
        'route (labels, mute, match, group key)',
        dr.jobs,
        dr.polls,
        dr.events,
        dr.routeCpuMs,
        perSecond(dr.routeCpuMs),
      ],
      [
        'detect + route',
        dr.jobs,
        dr.polls,
        dr.events,
        dr.detectCpuMs + dr.routeCpuMs,
        perSecond(dr.detectCpuMs + dr.routeCpuMs),
      ],
    ],
  ),
);
out();
summary.detectRouteEventsPerSec = perSecond(dr.detectCpuMs + dr.routeCpuMs);

// 2b. The secret scrubber every vendor text goes through once.
out('## 2b. Secret scrubber (lib/text/scrub.ts): adversarial input up to the cap, and a typical message');
const sb = scrubBench();
out(
  table(
    ['input', ...sb.sizes.map((s) => `ms @ ${s / 1024} KB`), 'max/min ms per KB'],
    sb.rows.map((r) => [r.name, ...r.ms.map((m) => m.toFixed(2)), r.flatness.toFixed(1)]),
  ),
);
out(`\ntypical vendor message (~250 chars): ${sb.typicalPerSecond} scrubbed per second\n`);

// 3a. jobwatch's Blink client vs the official @alicloud/pop-core ROA client, identical call list. In a
// fresh process with --expose-gc (bench/roa-point.ts), not here: this process's heap holds the garbage of
// the cycles above, which V8 collected during whichever client's trial was running, and each trial now
// pays for its own garbage with a forced collection at its end (see roa-compare.ts).
const blinkIndex = config.targets.findIndex((t) => t.provider === 'alibaba-blink');
if (!values['skip-roa'] && blinkIndex >= 0) {
  const blinkTarget = config.targets[blinkIndex]!;
  out(
    `## 3a. Blink ROA client: jobwatch vs @alicloud/pop-core (identical call list, concurrency ${concurrencyOf(blinkTarget)}, ${roaTrials} trials of ${roaCalls} calls, order alternating, fresh process, each trial ends with a forced full GC)`,
  );
  const roa = runBenchProcess<Awaited<ReturnType<typeof roaComparison>>>(
    'roa-point',
    {
      BENCH_ROA: JSON.stringify({
        blinkJobs: sizes.blinkJobs,
        blinkProjects: sizes.blinkProjects,
        blinkRunningPercent: sizes.blinkRunningPercent,
        unhealthyPercent: sizes.unhealthyPercent,
        latencyMs,
        calls: roaCalls,
        trials: roaTrials,
      }),
    },
    ['--expose-gc'],
  );
  out(table(ROA_COLUMNS, roa.rows));
  out(
    `\nCPU per call, pop-core / jobwatch: min ${roa.cpuRatio.min.toFixed(2)}x, median ${roa.cpuRatio.median.toFixed(2)}x, max ${roa.cpuRatio.max.toFixed(2)}x; wall time ratio median ${roa.wallRatio.median.toFixed(2)}x (both wait on the same ${latencyMs} ms sandbox)\n`,
  );
  Object.assign(summary, {
    popCoreCpuRatioMin: round2(roa.cpuRatio.min),
    popCoreCpuRatioMedian: round2(roa.cpuRatio.median),
    popCoreCpuRatioMax: round2(roa.cpuRatio.max),
  });
}

// 3b. The whole cycle vs a naive poller, one call at a time and at jobwatch's concurrency.
if (!values['skip-naive']) {
  const sample = Number(values['naive-sample'] ?? (quick ? 10 : 30));
  // The naive poller only needs each target's job list: collect once more (the pipeline keeps no snapshot).
  const snapshots = await Promise.all(
    config.targets.map((t) =>
      (PROVIDERS_BY_ID[t.provider] as Provider).collect(t, {
        now: deps.now,
        secrets: deps.secrets,
        logger: deps.logger,
      }),
    ),
  );
  const sequential = await naivePoll(config.targets, snapshots, counts, sample);
  const parallel = await naivePoll(config.targets, snapshots, counts, sample, concurrencyOf);
  out(
    `## 3b. jobwatch vs a naive poller (one call per job per signal; timed on ${sample} jobs per target x its concurrency, projected to the fleet)`,
  );
  out(
    table(
      [
        'target',
        'jobs',
        'naive calls',
        'naive ms, 1 at a time',
        'naive ms, same concurrency',
        'jobwatch calls',
        'jobwatch poll ms',
      ],
      sequential.map((r, i) => [
        r.targetId,
        r.jobs,
        r.projectedCalls,
        r.projectedMs,
        parallel[i]?.projectedMs ?? 0,
        Object.values(counts[config.targets[i]!.provider] ?? {}).reduce((a, b) => a + b, 0),
        (warm.result[i] as PollReport).totalMs,
      ]),
    ),
  );
  const naiveCalls = sequential.reduce((n, r) => n + r.projectedCalls, 0);
  // Targets run concurrently in both cases: the cycle takes as long as its slowest target.
  const naiveSeqMs = Math.max(...sequential.map((r) => r.projectedMs));
  const naiveParMs = Math.max(...parallel.map((r) => r.projectedMs));
  out(
    `\nnaive / jobwatch: ${(naiveCalls / callsPerCycle).toFixed(1)}x the calls; ${(naiveSeqMs / warm.wallMs).toFixed(1)}x the time one call at a time, ${(naiveParMs / warm.wallMs).toFixed(1)}x at the same concurrency\n`,
  );
  Object.assign(summary, {
    naiveCallsRatio: round2(naiveCalls / callsPerCycle),
    naiveSameConcurrencyTimeRatio: round2(naiveParMs / warm.wallMs),
  });
}

// The bill, from the warm (steady) cycle.
const cost = monthlyCost({
  pollMs: warm.result.map((r) => r.totalMs),
  readUnitsPerPoll: warmIo.readUnits,
  writeUnitsPerPoll: warmIo.writeUnits,
  eventsPerPoll: warmIo.events,
  logBytesPerPoll: warmIo.logBytes,
});
await sandbox.stop();
documentClient.destroy();

// 4. Blink alone at 10,000 jobs (concurrency 16), and the scaling series, each in a fresh process.
// The points run the collection code bundled as a Lambda runs it (serverless.yml's esbuild options, plain
// node): under tsx its loader hooks run in a second V8 isolate of the measured process (about 30 MB of its
// RSS) that no Lambda has. See docs/performance.md, "Memory of a collection".
const pointBundle = await bundleBenchScript('cycle-point');
const runPoint = (point: Record<string, unknown>) =>
  runBenchProcess<SeriesPoint & { errors: number; counts: Record<string, Record<string, number>> }>(
    'cycle-point',
    { BENCH_POINT: JSON.stringify(point) },
    [],
    pointBundle,
  );

/** A point's warm calls by target and operation, one line (what a per-point total hides). */
const callsByOperation = (counts: Record<string, Record<string, number>>) =>
  Object.entries(counts)
    .map(
      ([provider, ops]) =>
        `${provider} ${Object.entries(ops)
          .map(([op, n]) => `${op} ${n}`)
          .join(', ')}`,
    )
    .join('; ');

if (!quick) {
  out('## 4a. Blink alone: 10,000 jobs in one project, concurrency 16 (warm collection cycle)');
  const blink = runPoint({
    sizes: { ...sizesAt(0), blinkJobs: 10_000, blinkProjects: 1 },
    latencyMs,
    only: 'alibaba-blink',
    blinkOptions: { concurrency: 16 },
  });
  out(
    table(
      ['jobs', 'calls', 'wall ms', 'bound ms', 'wall / bound', 'CPU ms', 'peak RSS MB'],
      [
        [
          blink.jobs,
          blink.calls,
          blink.wallMs,
          blink.boundMs,
          (blink.wallMs / blink.boundMs).toFixed(2),
          blink.cpuMs,
          blink.peakRssMb,
        ],
      ],
    ),
  );
  out();
  summary.blink10kWallMs = Math.round(blink.wallMs);
  summary.blink10kCalls = blink.calls;
} else summary.blink10kWallMs = null;

if (!values['skip-series']) {
  const scales = quick ? [0.05, 0.1, 0.2] : [0.1, 0.5, 1, 2.5, 5];
  out(
    `## 4b. Scaling series: the default fleet mix scaled, warm collection cycle (no store), each point in a fresh process`,
  );
  const series: ReturnType<typeof runPoint>[] = [];
  for (const s of scales) series.push(runPoint({ sizes: sizesAt(s), latencyMs }));
  out(
    table(
      [
        'jobs',
        'calls',
        'calls / job',
        'wall ms',
        'bound ms',
        'wall / bound',
        'CPU ms',
        'CPU µs / call',
        'peak RSS MB',
      ],
      series.map((p) => [
        p.jobs,
        p.calls,
        (p.calls / p.jobs).toFixed(3),
        p.wallMs,
        p.boundMs,
        (p.wallMs / p.boundMs).toFixed(2),
        p.cpuMs,
        Math.round((p.cpuMs * 1000) / p.calls),
        p.peakRssMb,
      ]),
    ),
  );
  out(
    `\nWarm calls by operation (the warm cycle runs ${POLL_PERIOD_MS / 1000} s of sandbox time after the cold one):`,
  );
  for (const p of series) out(`- ${p.jobs} jobs: ${callsByOperation(p.counts)}`);
  if (values.chart) {
    writeFileSync(
      values.chart,
      seriesSvg(
        series,
        `jobwatch warm collection cycle vs fleet size (sandbox latency ${latencyMs} ms, ${new Date().toISOString().slice(0, 10)})`,
      ),
    );
    out(`\nchart written to ${values.chart}`);
  }
  out();
  summary.series = series.map((p) => ({
    jobs: p.jobs,
    calls: p.calls,
    wallMs: Math.round(p.wallMs),
    boundMs: p.boundMs,
    cpuMs: Math.round(p.cpuMs),
    peakRssMb: Math.round(p.peakRssMb),
  }));
  const largest = series.find((p) => p.jobs >= 45_000);
  summary.peakRssMb47k = largest ? Math.round(largest.peakRssMb) : null;
  // The point above collects every target in one process; a Lambda poll collects one target (one schedule
  // per target), so the largest point's targets are also measured one per process, beside the headline.
  if (largest) {
    const perTarget = [...new Set(config.targets.map((t) => t.provider))].map((only) => ({
      only,
      ...runPoint({ sizes: sizesAt(scales.at(-1) as number), latencyMs, only }),
    }));
    out(`Largest point, one target per process (as a Lambda poll runs it):`);
    out(
      table(
        ['target', 'jobs', 'calls', 'wall ms', 'peak RSS MB'],
        perTarget.map((p) => [p.only, p.jobs, p.calls, p.wallMs, p.peakRssMb]),
      ),
    );
    out();
    summary.peakRssMb47kPerTarget = Object.fromEntries(
      perTarget.map((p) => [p.only, Math.round(p.peakRssMb)]),
    );
  }
} else summary.peakRssMb47k = null;

// 5. Cold start of what ships.
if (!values['skip-cold-start']) {
  out(
    `## 5. Cold start: the zips \`serverless package --stage ci\` produces, each handler imported in a fresh \`node --enable-source-maps\` (${values['import-runs']} runs)`,
  );
  const cs = coldStart({ runs: Number(values['import-runs']), packageFirst: !values['no-package'] });
  out(
    table(
      [
        'function',
        'zip KiB',
        'bundle KiB',
        'other files in zip',
        'import ms (median)',
        'min',
        'max',
        'import CPU ms (median)',
      ],
      cs.map((r) => [
        r.fn,
        r.zipBytes / 1024,
        r.bundleBytes / 1024,
        r.otherFiles.join(', ') || '-',
        r.importMsMedian,
        r.importMsMin,
        r.importMsMax,
        r.importCpuMsMedian,
      ]),
    ),
  );
  out();
  summary.zipBytesMax = Math.max(...cs.map((r) => r.zipBytes));
  summary.pollImportMsMedian = round2(cs.find((r) => r.fn === 'poll')?.importMsMedian ?? Number.NaN);
  summary.pollImportCpuMsMedian = round2(cs.find((r) => r.fn === 'poll')?.importCpuMsMedian ?? Number.NaN);
}

// 6. The bill.
out(
  `## 6. Monthly cost: this fleet (${jobsInFleet} jobs, ${config.targets.length} targets) polled every minute, one region`,
);
out(
  table(
    ['Lambda', 'DynamoDB', 'EventBridge', 'CloudWatch Logs', 'total USD / month'],
    [[cost.lambda, cost.dynamo, cost.eventBridge, cost.logs, cost.total]],
  ),
);
out(
  `\nfrom the warm cycle: poll ms per target ${warm.result.map((r) => Math.round(r.totalMs)).join(' / ')} at 1 GB (${cost.pollGbSeconds} GB-s a month), ${warmIo.readUnits} read and ${warmIo.writeUnits} write units, ${warmIo.events} events and ${warmIo.logBytes} log bytes per poll; ${cost.invocations} invocations a month.`,
);
out(`unit prices (USD, us-east-1 list): ${JSON.stringify(UNIT_PRICES)}`);
out(`assumed: ${JSON.stringify(ASSUMPTIONS)}\n`);
Object.assign(summary, {
  costUsdPerMonth: cost.total,
  costBreakdownUsd: {
    lambda: cost.lambda,
    dynamo: cost.dynamo,
    eventBridge: cost.eventBridge,
    logs: cost.logs,
  },
  unitPricesUsd: UNIT_PRICES,
});

if (values.json) out(JSON.stringify(summary));
process.exit(0);

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
