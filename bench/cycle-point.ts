/**
 * One point of the scaling series (or the Blink-only 10k run) in a fresh process, so its peak RSS is its
 * own: starts a sandbox child with the fleet in BENCH_POINT, runs a cold and a warm collection cycle, the
 * warm one a poll period of sandbox time after the cold one ended (the same at every point), and prints one
 * JSON line with the warm cycle's figures, its calls by operation and the cold cycle's wall time.
 * run.ts runs it bundled as a Lambda handler is (measure.ts bundleBenchScript), not under tsx.
 */
import { SANDBOX_ENV } from '../lib/sandbox/types.js';
import { criticalPathBound } from './bound.js';
import {
  benchConfig,
  collector,
  concurrencyOf,
  type FleetSizes,
  fleetSpec,
  POLL_PERIOD_MS,
} from './fleet.js';
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
const cycle = collector(config, sandbox.now);
await sandbox.reset();
const cold = await measure(cycle).then(({ result: _, ...figures }) => figures);
// Not "as soon as the cold cycle ends": that gap grew with the point (the cold cycle of 50,000 jobs took
// longer than a checkpoint interval, so every Flink deployment's next checkpoint fell due) and was set by
// the slowest target, not by the schedule. Every job is read again at least a poll period later.
await sandbox.advanceClock(POLL_PERIOD_MS);
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
  `${JSON.stringify({ jobs, errors, calls, wallMs: warm.wallMs, cpuMs: warm.cpuMs, peakRssMb: warm.peakRssMb, boundMs, coldWallMs: cold.wallMs, counts })}\n`,
);
process.exit(0);
