import type { Config } from '../../lib/config/schema.js';
import { createSecretResolver } from '../../lib/config/secrets.js';
import type { JobwatchEvent } from '../../lib/events/schema.js';
import { type LocalRuntimeOptions, startLocalRuntime } from '../../lib/local/runtime.js';
import { silentLogger } from '../../lib/observability/logger.js';
import { PROVIDERS_BY_ID } from '../../lib/providers/registry.js';
import { createLocalPipeline, type LocalPipeline } from '../../lib/runtime/services.js';
import { SANDBOX_ENV } from '../../lib/sandbox/types.js';
import type { Store } from '../../lib/state/store.js';

/** The local pipeline over every registered provider, with the sandbox's credentials and a silent logger. */
export function sandboxPipeline(options: { config: Config; store: Store; now: () => number }): LocalPipeline {
  return createLocalPipeline({
    ...options,
    providers: PROVIDERS_BY_ID,
    secrets: createSecretResolver({ env: { ...SANDBOX_ENV } }),
    logger: silentLogger,
  });
}

/** Hands every batch the pipeline publishes to `seen` first, then publishes it as before. */
export function watchPublished(pipeline: LocalPipeline, seen: (events: JobwatchEvent[]) => void): void {
  const publish = pipeline.bus.publish.bind(pipeline.bus);
  pipeline.bus.publish = async (events) => {
    seen(events);
    return publish(events);
  };
}

/** The local runtime over `pipeline` with a silent logger, polling every target every `pollEveryMs`. */
export function startQuietRuntime(
  config: Config,
  pipeline: LocalPipeline,
  schedule: { pollEveryMs: number } & Pick<LocalRuntimeOptions, 'flushEveryMs' | 'onReport'>,
) {
  const { pollEveryMs, ...rest } = schedule;
  return startLocalRuntime({
    config,
    pipeline,
    logger: silentLogger,
    pollEveryMs: () => pollEveryMs,
    ...rest,
  });
}
