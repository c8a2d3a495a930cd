import type { Config } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import { createSecretResolver } from '../config/secrets.js';
import type { EventBus } from '../events/bus.js';
import { PROVIDERS_BY_ID } from '../providers/registry.js';
import type { Provider } from '../providers/types.js';
import { createDynamoStore } from '../state/index.js';
import type { Store } from '../state/store.js';
import { createEventBridgeBus } from './bus.js';
import { loadDeployedConfig } from './config.js';
import { createLambdaLogger, createLambdaMetrics } from './observability.js';

export interface LambdaServices {
  config: Config;
  store: Store;
  bus: EventBus;
  secrets: SecretResolver;
  logger: ReturnType<typeof createLambdaLogger>;
  metrics: ReturnType<typeof createLambdaMetrics>;
  providers: Partial<Record<Config['targets'][number]['provider'], Provider>>;
  now: () => number;
}

let services: Promise<LambdaServices> | undefined;

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set (serverless.yml sets it)`);
  return value;
}

/**
 * Cold-start setup, done once per container and reused by warm invocations: config, clients and the
 * secret cache survive between calls.
 */
export function lambdaServices(): Promise<LambdaServices> {
  services ??= (async () => {
    const config = await loadDeployedConfig();
    // One clock for the pipeline and the store's TTL checks.
    const now = Date.now;
    return {
      config,
      store: createDynamoStore({ tableName: requiredEnv('JOBWATCH_TABLE'), now }),
      bus: createEventBridgeBus({ busName: requiredEnv('JOBWATCH_BUS') }),
      secrets: createSecretResolver(),
      logger: createLambdaLogger(),
      metrics: createLambdaMetrics(),
      providers: PROVIDERS_BY_ID,
      now,
    };
  })();
  services.catch(() => {
    services = undefined;
  });
  return services;
}
