import type { Config } from '../config/schema.js';
import { createSecretResolver, type SecretResolver } from '../config/secrets.js';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../local/runtime.js';
import type { Logger } from '../observability/logger.js';
import { PROVIDERS_BY_ID } from '../providers/registry.js';
import { type CoreDeps, createLocalPipeline, type LocalPipeline } from '../runtime/services.js';
import { waitForStop } from './signals.js';
import type { OpenedStore } from './store.js';

/** What a command's pipeline or notifier runs on: the registered providers, secrets from the environment. */
export function cliServices(
  config: Config,
  store: OpenedStore['store'],
  options: { logger: Logger; now: () => number; secrets?: SecretResolver },
): CoreDeps {
  return {
    config,
    store,
    providers: PROVIDERS_BY_ID,
    secrets: options.secrets ?? createSecretResolver(),
    logger: options.logger,
    now: options.now,
  };
}

/** Lets a one-shot command's pipeline finish: every event delivered, held alert groups sent, channels closed. */
export async function drainPipeline(pipeline: LocalPipeline): Promise<void> {
  await pipeline.settle();
  await pipeline.notifier.flush();
  await pipeline.notifier.close();
}

/**
 * The long-running pipeline of `start` and the demo: polls on a schedule, flushes on a timer and serves the
 * webhook function on loopback, on the opened store (checked on a timer too).
 */
export async function serveLocalPipeline(options: {
  config: Config;
  opened: OpenedStore;
  logger: Logger;
  now: () => number;
  webhookPort: number;
  flushEveryMs: number;
  pollEveryMs?: LocalRuntimeOptions['pollEveryMs'];
  onReport: NonNullable<LocalRuntimeOptions['onReport']>;
}): Promise<LocalRuntime> {
  const { config, opened, logger, now } = options;
  const secrets = createSecretResolver();
  return startLocalRuntime({
    config,
    pipeline: createLocalPipeline(cliServices(config, opened.store, { logger, now, secrets })),
    logger,
    flushEveryMs: options.flushEveryMs,
    webhook: { port: options.webhookPort, store: opened.store, secrets, now },
    checkState: () => opened.check(),
    ...(options.pollEveryMs ? { pollEveryMs: options.pollEveryMs } : {}),
    onReport: options.onReport,
  });
}

/**
 * Waits for Ctrl-C, the end of the duration or the runtime failing on its own, then stops the runtime.
 * Resolves with the runtime's failure, if that is what ended it.
 */
export async function runUntilStopped(
  runtime: LocalRuntime,
  durationMs: number | undefined,
  stopping?: () => void,
): Promise<Error | undefined> {
  const lost = await Promise.race([waitForStop(durationMs).then(() => undefined), runtime.failed]);
  stopping?.();
  await runtime.stop();
  return lost;
}
