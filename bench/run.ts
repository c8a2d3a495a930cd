/**
 * `npm run bench`: cost and speed of one poll cycle at fleet scale, against the sandbox fleet served from a
 * child process (so CPU and memory figures are jobwatch's alone), side by side with the official Alibaba
 * ROA client and a naive poller. Prints figures; asserts nothing. Sizes are flags:
 *   npm run bench -- --scale 10            # 10x the default fleet
 *   npm run bench -- --latency-ms 20 --blink-jobs 5000 --skip-naive
 */

import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { parseConfig } from '../lib/config/load.js';
import type { TargetConfig } from '../lib/config/schema.js';
import { createSecretResolver } from '../lib/config/secrets.js';
import type { TargetSnapshot } from '../lib/model/snapshot.js';
import { silentLogger } from '../lib/observability/logger.js';
import { PROVIDERS_BY_ID } from '../lib/providers/registry.js';
import { SANDBOX_ENV } from '../lib/sandbox/types.js';
import { coldStart } from './cold-start.js';
import { detectAndRoute } from './detect-route.js';
import { measure, startSandboxChild, table } from './measure.js';
import { naivePoll } from './naive.js';
import { roaComparison } from './roa-compare.js';
import { scrubBench } from './scrub.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    'latency-ms': { type: 'string', default: '50' },
    'blink-jobs': { type: 'string', default: '1000' },
    'flink-deployments': { type: 'string', default: '500' },
    'dli-flink': { type: 'string', default: '1000' },
    'dli-spark': { type: 'string', default: '500' },
    'dli-sql': { type: 'string', default: '2000' },
    'mrs-clusters': { type: 'string', default: '20' },
    'mrs-jobs': { type: 'string', default: '5000' },
    'unhealthy-percent': { type: 'string', default: '3' },
    'blink-running-percent': { type: 'string', default: '60' },
    'naive-sample': { type: 'string', default: '60' },
    'roa-calls': { type: 'string', default: '400' },
    'detect-jobs': { type: 'string', default: '20000' },
    'skip-naive': { type: 'boolean', default: false },
    'skip-roa': { type: 'boolean', default: false },
    'skip-cold-start': { type: 'boolean', default: false },
  },
});

const scale = Number(values.scale);
const size = (name: keyof typeof values) => Math.round(Number(values[name]) * scale);
const latencyMs = Number(values['latency-ms']);
const unhealthy = Number(values['unhealthy-percent']);
const fleet = {
  blinkJobs: size('blink-jobs'),
  blinkUnhealthyPercent: unhealthy,
  blinkRunningPercent: Number(values['blink-running-percent']),
  dliFlinkJobs: size('dli-flink'),
  dliSparkJobs: size('dli-spark'),
  dliSqlJobs: size('dli-sql'),
  unhealthyPercent: unhealthy,
  mrsClusters: Math.max(1, Math.round(Number(values['mrs-clusters']) * Math.sqrt(scale))),
  mrsJobs: size('mrs-jobs'),
  flinkDeployments: size('flink-deployments'),
  flinkUnhealthyPercent: unhealthy,
};
const totalJobs =
  fleet.blinkJobs +
  fleet.dliFlinkJobs +
  fleet.dliSparkJobs +
  fleet.dliSqlJobs +
  fleet.mrsJobs +
  fleet.flinkDeployments;

const out = (line = '') => process.stdout.write(`${line}\n`);
out(`# jobwatch benchmark (${new Date().toISOString()}, node ${process.version})`);
out(
  `fleet: blink ${fleet.blinkJobs} jobs (${fleet.blinkRunningPercent}% running); dli ${fleet.dliFlinkJobs} flink + ${fleet.dliSparkJobs} spark + ${fleet.dliSqlJobs} sql; mrs ${fleet.mrsClusters} clusters / ${fleet.mrsJobs} jobs; flink ${fleet.flinkDeployments} deployments; ${totalJobs} jobs in all; ${unhealthy}% unhealthy; sandbox latency ${latencyMs} ms per request`,
);

const startSetup = performance.now();
const sandbox = await startSandboxChild(fleet, latencyMs);
Object.assign(process.env, SANDBOX_ENV);
const config = parseConfig({ targets: sandbox.targets }, 'bench fleet');
out(`sandbox fleet ready in ${((performance.now() - startSetup) / 1000).toFixed(1)} s (child process)\n`);

const secrets = createSecretResolver();
const signal = new AbortController().signal;
setMaxListeners(0, signal);

async function cycle(): Promise<TargetSnapshot[]> {
  return Promise.all(
    config.targets.map((target) =>
      PROVIDERS_BY_ID[target.provider].collect(target, {
        now: Date.now,
        secrets,
        logger: silentLogger,
        signal,
      }),
    ),
  );
}

// 1. One full collection cycle, cold (first) and warm (second: pools and JIT warm, as in a warm Lambda).
await sandbox.reset();
// Only the cold cycle's figures are kept: holding its snapshots would inflate the warm cycle's peak RSS.
const cold = await measure(cycle).then(({ result: _, ...figures }) => figures);
const coldCounts = await sandbox.counts();
await sandbox.reset();
const warm = await measure(cycle);
const counts = await sandbox.counts();
const sandboxCpuMs = await sandbox.cpuMs();

const concurrencyOf = (target: TargetConfig) => (target.options as { concurrency?: number }).concurrency ?? 8;
const rows: (string | number)[][] = [];
let boundMs = 0;
let calls = 0;
for (const [i, target] of config.targets.entries()) {
  const snapshot = warm.result[i] as TargetSnapshot;
  const perOp = counts[target.provider] ?? {};
  const targetCalls = Object.values(perOp).reduce((a, b) => a + b, 0);
  const targetBound = (targetCalls * latencyMs) / concurrencyOf(target);
  boundMs += targetBound;
  calls += targetCalls;
  for (const [op, n] of Object.entries(perOp).sort()) rows.push([target.provider, op, n, '', '', '']);
  rows.push([
    `**${target.id}**`,
    `${snapshot.jobs.length} jobs, ${snapshot.errors.length} errors, complete=${snapshot.complete}`,
    targetCalls,
    concurrencyOf(target),
    Math.round(targetBound),
    `${Math.round(snapshot.durationMs)} (${(snapshot.durationMs / targetBound).toFixed(2)}x)`,
  ]);
}
out('## 1. One poll cycle: vendor API calls');
out(table(['provider', 'operation', 'calls', 'concurrency', 'bound ms', 'wall ms (x bound)'], rows));
out();
const jobsSeen = warm.result.reduce((n, s) => n + s.jobs.length, 0);
out(
  table(
    [
      'cycle',
      'jobs',
      'calls',
      'wall ms',
      'sum-of-targets bound ms',
      'wall / bound',
      'max target wall / its bound',
      'CPU ms',
      'peak RSS MB',
      'sandbox CPU ms',
    ],
    [
      [
        'cold',
        jobsSeen,
        Object.values(coldCounts)
          .flatMap(Object.values)
          .reduce((a, b) => a + b, 0),
        cold.wallMs,
        '',
        '',
        '',
        cold.cpuMs,
        cold.peakRssMb,
        '',
      ],
      [
        'warm',
        jobsSeen,
        calls,
        warm.wallMs,
        boundMs,
        (warm.wallMs / boundMs).toFixed(2),
        Math.max(
          ...config.targets.map((t, i) => {
            const n = Object.values(counts[t.provider] ?? {}).reduce((a, b) => a + b, 0);
            return (warm.result[i] as TargetSnapshot).durationMs / ((n * latencyMs) / concurrencyOf(t));
          }),
        ).toFixed(2),
        warm.cpuMs,
        warm.peakRssMb,
        sandboxCpuMs,
      ],
    ],
  ),
);
out(
  `\nLower bound = sum over targets of calls x latency / concurrency (${Math.round(boundMs)} ms). Targets are polled concurrently (in AWS: one Lambda per target), so the cycle's wall time can be below the sum; the per-target ratio is the one that shows overhead on top of network waiting.\n`,
);

// 2. Detection + routing alone.
out('## 2. Detection + routing alone (no I/O)');
const dr = detectAndRoute(Number(values['detect-jobs']));
out(
  table(
    ['stage', 'jobs per poll', 'polls', 'events', 'CPU ms', 'events / s'],
    [
      [
        'detect',
        dr.jobs,
        dr.polls,
        dr.events,
        dr.detectCpuMs,
        Math.round(dr.events / (dr.detectCpuMs / 1000)),
      ],
      [
        'route (labels, mute, match, group key)',
        dr.jobs,
        dr.polls,
        dr.events,
        dr.routeCpuMs,
        Math.round(dr.events / (dr.routeCpuMs / 1000)),
      ],
      [
        'detect + route',
        dr.jobs,
        dr.polls,
        dr.events,
        dr.detectCpuMs + dr.routeCpuMs,
        Math.round(dr.events / ((dr.detectCpuMs + dr.routeCpuMs) / 1000)),
      ],
    ],
  ),
);
out();

// 2b. The secret scrubber every vendor text goes through once.
out('## 2b. Secret scrubber (lib/text/scrub.ts): adversarial input up to the cap, and a typical message');
const sb = scrubBench();
out(
  table(
    ['input', ...sb.sizes.map((size) => `ms @ ${size / 1024} KB`), 'max/min ms per KB'],
    sb.rows.map((r) => [r.name, ...r.ms.map((m) => m.toFixed(2)), r.flatness.toFixed(1)]),
  ),
);
out(`\ntypical vendor message (${'~'}250 chars): ${sb.typicalPerSecond} scrubbed per second\n`);

// 3a. jobwatch's Blink client vs the official @alicloud/pop-core ROA client, identical call list.
if (!values['skip-roa']) {
  out('## 3a. Blink ROA client: jobwatch vs @alicloud/pop-core (identical call list, same concurrency)');
  const blinkTarget = config.targets.find((t) => t.provider === 'alibaba-blink');
  const blinkSnapshot = warm.result[config.targets.findIndex((t) => t.provider === 'alibaba-blink')];
  if (blinkTarget && blinkSnapshot) {
    const roa = await roaComparison(
      blinkTarget,
      blinkSnapshot,
      Number(values['roa-calls']),
      concurrencyOf(blinkTarget),
    );
    out(table(['client', 'calls', 'ok', 'wall ms', 'CPU ms', 'calls / s'], roa.rows));
    out(
      `\nthroughput ratio jobwatch / pop-core: ${roa.ratio.toFixed(2)}x; CPU per call ratio pop-core / jobwatch: ${roa.cpuRatio.toFixed(2)}x\n`,
    );
  }
}

// 3b. The whole cycle vs a naive poller (one call per job per signal, sequential).
if (!values['skip-naive']) {
  const sample = Number(values['naive-sample']);
  out(
    `## 3b. jobwatch vs a naive poller (one call per job per signal, sequential; timed on ${sample} jobs per target, extrapolated)`,
  );
  const naive = await naivePoll(config.targets, warm.result, counts, sample);
  const naiveCalls = naive.reduce((n, r) => n + r.projectedCalls, 0);
  const naiveMs = naive.reduce((n, r) => n + r.projectedMs, 0);
  out(
    table(
      ['target', 'jobs', 'naive calls', 'naive ms (projected)', 'jobwatch calls', 'jobwatch wall ms'],
      naive.map((r, i) => [
        r.targetId,
        r.jobs,
        r.projectedCalls,
        r.projectedMs,
        Object.values(counts[config.targets[i]!.provider] ?? {}).reduce((a, b) => a + b, 0),
        (warm.result[i] as TargetSnapshot).durationMs,
      ]),
    ),
  );
  out(
    `\nnaive / jobwatch: ${(naiveCalls / calls).toFixed(1)}x the calls, ${(naiveMs / warm.wallMs).toFixed(0)}x the time\n`,
  );
}

await sandbox.stop();

// 4. Cold start of each bundled function.
if (!values['skip-cold-start']) {
  out('## 4. Cold start: bundle size and handler import time in a fresh Node process (median of 5)');
  const rowsCold = await coldStart();
  out(
    table(
      ['function', 'bundle KB', 'zipped KB', 'import ms (median)', 'import ms (max)'],
      rowsCold.map((r) => [r.fn, r.bundleKb, r.zippedKb, r.importMsMedian, r.importMsMax]),
    ),
  );
}
process.exit(0);
