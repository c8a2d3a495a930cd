/**
 * One point of the scaling series (or the Blink-only 10k run) in a fresh process, so its peak RSS is its
 * own: starts a sandbox child with the fleet in BENCH_POINT, runs a cold and a warm collection cycle and
 * prints one JSON line with the warm cycle's figures.
 */
import { SANDBOX_ENV } from '../lib/sandbox/types.js';
import { criticalPathBound } from './bound.js';
import { benchConfig, collector, concurrencyOf, type FleetSizes, fleetSpec } from './fleet.js';
import { measure, startSandboxChild } from './measure.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const point = JSON.parse(process.env.BENCH_POINT ?? '{}') as {
  sizes: FleetSizes;
  latencyMs: number;
  only?: string;
  blinkOptions?: Record<string, unknown>;
};
const sandbox = await startSandboxChild(fleetSpec(point.sizes), point.latencyMs);
Object.assign(process.env, SANDBOX_ENV);
const config = benchConfig(sandbox.targets, {
  ...(point.only ? { only: point.only } : {}),
  ...(point.blinkOptions ? { blinkOptions: point.blinkOptions } : {}),
});
const cycle = collector(config);
await sandbox.reset();
await measure(cycle).then(({ result: _, ...figures }) => figures);
await sandbox.reset();
const warm = await measure(cycle);
const counts = await sandbox.counts();
let boundMs = 0;
let calls = 0;
for (const target of config.targets) {
  const bound = criticalPathBound(
    target.provider,
    counts[target.provider] ?? {},
    point.latencyMs,
    concurrencyOf(target),
  );
  boundMs = Math.max(boundMs, bound.boundMs);
  calls += bound.calls;
}
const jobs = warm.result.reduce((n, s) => n + s.jobs.length, 0);
const errors = warm.result.reduce((n, s) => n + s.errors.length, 0);
await sandbox.stop();
process.stdout.write(
  `${JSON.stringify({ jobs, errors, calls, wallMs: warm.wallMs, cpuMs: warm.cpuMs, peakRssMb: warm.peakRssMb, boundMs })}\n`,
);
process.exit(0);
