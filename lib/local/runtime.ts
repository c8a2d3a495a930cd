import { setMaxListeners } from 'node:events';
import type { Config, TargetConfig } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import { createWebhookHandler } from '../ingest/handler.js';
import { startWebhookServer, type WebhookServer } from '../ingest/http-server.js';
import type { Logger } from '../observability/logger.js';
import { type PollReport, StopRequested } from '../runtime/pipeline.js';
import type { LocalPipeline } from '../runtime/services.js';
import type { Store } from '../state/store.js';

export interface LocalRuntimeOptions {
  config: Config;
  pipeline: LocalPipeline;
  logger: Logger;
  /** Poll period per target; defaults to the target's (or the config default) interval. */
  pollEveryMs?: (target: TargetConfig) => number;
  flushEveryMs?: number;
  onReport?: (report: PollReport) => void;
  /** Serves the webhook function (ingest and operator API) on loopback; off when omitted. */
  webhook?: { port: number; store: Store; secrets: SecretResolver; now: () => number };
  /**
   * Whether the state store is still usable (e.g. the local state directory was not deleted); checked on
   * start and every `checkStateEveryMs`. A problem stops the schedule and settles `failed`.
   */
  checkState?: () => Promise<Error | undefined>;
  /** Default 5 s: a deleted state directory is noticed long before LevelDB's next compaction needs it. */
  checkStateEveryMs?: number;
}

export interface LocalRuntime {
  /** The webhook server's base URL, when one was asked for. */
  webhookUrl?: string;
  /**
   * Settles with the reason when the runtime stopped its schedule on its own (the state store was lost);
   * never settles otherwise. The caller reports it, calls stop() and exits non-zero.
   */
  failed: Promise<Error>;
  stop(): Promise<void>;
}

/**
 * Runs the same pipeline the Lambda functions run, on each target's schedule, in one process: the
 * scheduler stands in for the EventBridge schedule rules and the flush timer for the scheduled `flush` function.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
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
        for (const report of reports) if (!report.abandoned) options.onReport?.(report);
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
      // The scheduled flush function's jobs: groups now due, events parked in dead letters, and the dead
      // man's switch on each target's poll heartbeat.
      Promise.all([pipeline.notifier.flush(), pipeline.replayDeadLetters(), pipeline.checkStale()])
        .catch((error: unknown) => logger.error('flush failed', { error: String(error) }))
        .finally(() => {
          flushing = false;
        });
    }, options.flushEveryMs ?? 60_000),
  );

  let reportFailure: (error: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => {
    reportFailure = resolve;
  });
  const { checkState } = options;
  if (checkState) {
    let checking = false;
    let lost = false;
    const check = () => {
      if (checking || lost) return;
      checking = true;
      checkState()
        .then((problem) => {
          if (!problem) return;
          // Continuing would write state that the next start cannot see: stop the schedule, say why.
          lost = true;
          for (const timer of timers) clearInterval(timer);
          logger.error('state store lost: polling stopped', { error: problem.message.split('\n')[0] });
          reportFailure(problem);
        })
        .catch((error: unknown) => logger.warn('state check failed', { error: String(error) }))
        .finally(() => {
          checking = false;
        });
    };
    timers.push(setInterval(check, options.checkStateEveryMs ?? 5_000));
  }

  let webhook: WebhookServer | undefined;
  if (options.webhook) {
    const handler = createWebhookHandler({
      config,
      store: options.webhook.store,
      bus: pipeline.bus,
      secrets: options.webhook.secrets,
      logger,
      now: options.webhook.now,
      triggerPoll: async (targetId) => {
        const target = config.targets.find((t) => t.id === targetId);
        if (target) pollOne(target);
      },
      remediator: pipeline.remediator,
    });
    webhook = await startWebhookServer({
      handler,
      port: options.webhook.port,
      ...(config.webhook?.maxBodyBytes ? { maxBodyBytes: config.webhook.maxBodyBytes } : {}),
    });
  }

  return {
    ...(webhook ? { webhookUrl: webhook.url } : {}),
    failed,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await webhook?.stop();
      abort.abort(new StopRequested('local runtime stopping'));
      await Promise.allSettled([...running.values()]);
      await pipeline.settle();
    },
  };
}
