import { setMaxListeners } from 'node:events';
import { parseConfig } from '../lib/config/load.js';
import type { Config, TargetConfig } from '../lib/config/schema.js';
import { createSecretResolver } from '../lib/config/secrets.js';
import type { TargetSnapshot } from '../lib/model/snapshot.js';
import { silentLogger } from '../lib/observability/logger.js';
import { PROVIDERS_BY_ID } from '../lib/providers/registry.js';
import type { Provider } from '../lib/providers/types.js';
import type { FleetSpec } from '../lib/sandbox/types.js';

export interface FleetSizes {
  blinkJobs: number;
  blinkProjects: number;
  dliFlinkJobs: number;
  dliSparkJobs: number;
  dliSqlJobs: number;
  mrsClusters: number;
  mrsJobs: number;
  flinkDeployments: number;
  unhealthyPercent: number;
  blinkRunningPercent: number;
}

export function fleetSpec(sizes: FleetSizes): FleetSpec {
  return {
    blinkJobs: sizes.blinkJobs,
    blinkProjects: sizes.blinkProjects,
    blinkUnhealthyPercent: sizes.unhealthyPercent,
    blinkRunningPercent: sizes.blinkRunningPercent,
    dliFlinkJobs: sizes.dliFlinkJobs,
    dliSparkJobs: sizes.dliSparkJobs,
    dliSqlJobs: sizes.dliSqlJobs,
    unhealthyPercent: sizes.unhealthyPercent,
    mrsClusters: sizes.mrsClusters,
    mrsJobs: sizes.mrsJobs,
    flinkDeployments: sizes.flinkDeployments,
    flinkUnhealthyPercent: sizes.unhealthyPercent,
  };
}

export const totalJobs = (s: FleetSizes) =>
  s.blinkJobs + s.dliFlinkJobs + s.dliSparkJobs + s.dliSqlJobs + s.mrsJobs + s.flinkDeployments;

/**
 * The sandbox's targets as a user would configure them: the fleet emulator tunes Blink (concurrency 16,
 * pages of 100) for speed; the bench keeps only its metric list and otherwise uses jobwatch's defaults
 * (concurrency 8, pages of 50), unless `blinkOptions` says otherwise. `only` keeps one provider.
 */
export function benchConfig(
  targets: Record<string, unknown>[],
  options: { blinkOptions?: Record<string, unknown>; only?: string } = {},
): Config {
  const adjusted = targets
    .filter((t) => !options.only || t.provider === options.only)
    .map((t) => {
      if (t.provider !== 'alibaba-blink') return t;
      const {
        concurrency: _c,
        pageSize: _p,
        runSummaryBatchSize: _b,
        ...rest
      } = (t.options ?? {}) as Record<string, unknown>;
      return { ...t, options: { ...rest, ...options.blinkOptions } };
    });
  return parseConfig({ targets: adjusted }, 'bench fleet');
}

export const concurrencyOf = (target: TargetConfig) =>
  (target.options as { concurrency?: number }).concurrency ?? 8;

/**
 * Sandbox time between the cold and the warm poll of every measurement: a poll every minute, as
 * serverless.yml schedules each target (`rate(1 minute)`). See docs/performance.md ("The warm poll").
 */
export const POLL_PERIOD_MS = 60_000;

/** One collection of every target, concurrently (no state, detection or publishing), at `now`. */
export function collector(config: Config, now: () => number = Date.now) {
  const secrets = createSecretResolver();
  const signal = new AbortController().signal;
  setMaxListeners(0, signal);
  return (): Promise<TargetSnapshot[]> =>
    Promise.all(
      config.targets.map((target) =>
        (PROVIDERS_BY_ID[target.provider] as Provider).collect(target, {
          now,
          secrets,
          logger: silentLogger,
          signal,
        }),
      ),
    );
}
