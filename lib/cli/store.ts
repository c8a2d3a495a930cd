import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { createDynamoStore, createLocalStore } from '../state/index.js';
import type { Store } from '../state/store.js';

export interface OpenedStore {
  store: Store;
  describe: string;
  close(): Promise<void>;
}

/**
 * The configured DynamoDB table when `state.endpoint` is set (or in AWS), else an embedded dynalite
 * persisted under .jobwatch/ (or in memory for throwaway runs): one code path in every case.
 */
export async function openStore(
  config: Config,
  options: {
    /** The clock the pipeline runs on: the store judges TTLs by it. */
    now: () => number;
    /** Where dynalite persists; null keeps it in memory. */
    dir?: string | null;
    tableName?: string;
  },
): Promise<OpenedStore> {
  const tableName = options.tableName ?? config.state.tableName;
  if (config.state.endpoint) {
    const store = createDynamoStore({
      tableName,
      endpoint: config.state.endpoint,
      now: options.now,
      ...(config.state.region ? { region: config.state.region } : {}),
    });
    return {
      store,
      describe: `DynamoDB table ${tableName} at ${config.state.endpoint}`,
      close: () => store.close(),
    };
  }
  const dir = options.dir === null ? undefined : (options.dir ?? resolve('.jobwatch', 'dynamodb'));
  const local = await createLocalStore({ tableName, now: options.now, ...(dir ? { dir } : {}) });
  return {
    store: local.store,
    describe: dir
      ? `embedded dynalite (${dir}, table ${tableName})`
      : `embedded dynalite (in memory, table ${tableName})`,
    close: async () => {
      await local.store.close();
      await local.stop();
    },
  };
}
