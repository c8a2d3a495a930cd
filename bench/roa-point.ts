/**
 * Section 3a (our Blink client vs @alicloud/pop-core) in a fresh process run with `--expose-gc`: the heap
 * holds the two clients and the call list only, with no garbage of the fleet cycles that ran before, and
 * roaComparison can force the collections that charge each trial its own garbage. Starts a sandbox child
 * with the Blink part of the fleet in BENCH_ROA, collects it once for the running jobs, and prints one
 * JSON line with the comparison. Alone, with the bench's defaults:
 * `node --expose-gc --import tsx bench/roa-point.ts` (BENCH_ROA='{"calls":500,"trials":3}' for a short run).
 */
import { createSecretResolver } from '../lib/config/secrets.js';
import { silentLogger } from '../lib/observability/logger.js';
import { PROVIDERS_BY_ID } from '../lib/providers/registry.js';
import type { Provider } from '../lib/providers/types.js';
import { SANDBOX_ENV } from '../lib/sandbox/types.js';
import { benchConfig, concurrencyOf, type FleetSizes, fleetSpec } from './fleet.js';
import { startSandboxChild } from './measure.js';
import { roaCallList, roaComparison } from './roa-compare.js';

const point = {
  blinkJobs: 1000,
  blinkProjects: 4,
  blinkRunningPercent: 60,
  unhealthyPercent: 3,
  latencyMs: 50,
  calls: 2000,
  trials: 5,
  ...(JSON.parse(process.env.BENCH_ROA ?? '{}') as Partial<Record<string, number>>),
};
const sizes: FleetSizes = {
  blinkJobs: point.blinkJobs,
  blinkProjects: point.blinkProjects,
  blinkRunningPercent: point.blinkRunningPercent,
  unhealthyPercent: point.unhealthyPercent,
  dliFlinkJobs: 0,
  dliSparkJobs: 0,
  dliSqlJobs: 0,
  mrsClusters: 1,
  mrsJobs: 0,
  flinkDeployments: 0,
};
const sandbox = await startSandboxChild(fleetSpec(sizes), point.latencyMs);
Object.assign(process.env, SANDBOX_ENV);
const target = benchConfig(sandbox.targets, { only: 'alibaba-blink' }).targets[0]!;
const snapshot = await (PROVIDERS_BY_ID['alibaba-blink'] as Provider).collect(target, {
  now: Date.now,
  secrets: createSecretResolver(),
  logger: silentLogger,
});
const roa = await roaComparison(
  target,
  roaCallList(snapshot, point.calls),
  concurrencyOf(target),
  point.trials,
);
await sandbox.stop();
process.stdout.write(`${JSON.stringify({ concurrency: concurrencyOf(target), ...roa })}\n`);
process.exit(0);
