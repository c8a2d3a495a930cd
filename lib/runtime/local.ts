import { setMaxListeners } from 'node:events';
import type { Config, TargetConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { PollReport } from './pipeline.js';
import type { LocalPipeline } from './services.js';

export interface LocalRuntimeOptions {
  config: Config;
  pipeline: LocalPipeline;
  logger: Logger;
  /** Poll period per target; defaults to the target's (or the config default) interval. */
  pollEveryMs?: (target: TargetConfig) => number;
  flushEveryMs?: number;
  onReport?: (report: PollReport) => void;
}

export interface LocalRuntime {
  stop(): Promise<void>;
}

/**
 * Runs the same pipeline the Lambda functions run, on each target's schedule, in one process: the
 * scheduler stands in for EventBridge Scheduler and the flush timer for the scheduled `flush` function.
 */
export function startLocalRuntime(options: LocalRuntimeOptions): LocalRuntime {
  const { config, pipeline, logger } = options;
  const timers: NodeJS.Timeout[] = [];
  const running = new Map<string, Promise<void>>();
  const abort = new AbortController();
  // Every in-flight vendor call listens on this one signal; hundreds at once are expected, not a leak.
  setMaxListeners(0, abort.signal);

  const pollOne = (target: TargetConfig) => {
    // A slow target skips a beat rather than overlapping itself, as a reserved-concurrency Lambda would.
    if (running.has(target.id)) return;
    const run = pipeline
      .poll([target.id], abort.signal)
      .then((reports) => {
        for (const report of reports) options.onReport?.(report);
      })
      .catch((error: unknown) =>
        logger.error('local poll failed', { target: target.id, error: String(error) }),
      )
      .finally(() => running.delete(target.id));
    running.set(target.id, run);
  };

  for (const target of config.targets) {
    const everyMs =
      options.pollEveryMs?.(target) ??
      (target.pollIntervalSeconds ?? config.defaults.pollIntervalSeconds) * 1000;
    pollOne(target);
    timers.push(setInterval(() => pollOne(target), everyMs));
  }
  let flushing = false;
  timers.push(
    setInterval(() => {
      if (flushing) return;
      flushing = true;
      pipeline.notifier
        .flush()
        .catch((error: unknown) => logger.error('flush failed', { error: String(error) }))
        .finally(() => {
          flushing = false;
        });
    }, options.flushEveryMs ?? 60_000),
  );

  return {
    async stop() {
      for (const timer of timers) clearInterval(timer);
      abort.abort(new Error('local runtime stopping'));
      await Promise.allSettled([...running.values()]);
      await pipeline.settle();
    },
  };
}
