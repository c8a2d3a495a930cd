import type { AddressInfo } from 'node:net';
import { closeDynaliteIteratorsOnReturn } from './dynalite-iterators.js';
import { createDocumentClient, createDynamoStore } from './dynamo.js';
import {
  checkStateDir,
  incompleteTable,
  prepareStateDir,
  type StateDirError,
  type StateDirIdentity,
} from './local-dir.js';
import type { Store } from './store.js';
import { ensureTable, tableStatus } from './table.js';

/**
 * Dummy credentials for the embedded DynamoDB: dynalite checks that a request is signed, not by whom. Set
 * on the client, never in the environment, so a real AWS credential chain is never consulted or leaked.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'jobwatch-local', secretAccessKey: 'jobwatch-local' };
export const LOCAL_REGION = 'local';

export interface LocalDynamo {
  endpoint: string;
  /** The opened state directory's identity (persisted runs only), for checkStateDir. */
  identity?: StateDirIdentity;
  stop(): Promise<void>;
}

/**
 * Starts dynalite on 127.0.0.1 (in memory, or persisted as LevelDB under `dir`). dynalite is loaded
 * lazily so Lambda bundles, which never call this, do not carry it. A `dir` that cannot hold the state
 * (a file, corrupt, locked by another process) is refused with a StateDirError before dynalite opens it.
 *
 * @example
 * const dynamo = await startLocalDynamo({ dir: '.jobwatch/dynamodb' });
 * // ... createDynamoStore({ tableName: 'jobwatch', endpoint: dynamo.endpoint, ... })
 * await dynamo.stop();
 */
export async function startLocalDynamo(options: { dir?: string; port?: number } = {}): Promise<LocalDynamo> {
  const { default: dynalite } = await import('dynalite');
  closeDynaliteIteratorsOnReturn();
  const identity = options.dir ? await prepareStateDir(options.dir) : undefined;
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.dir ? { path: options.dir } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    ...(identity ? { identity } : {}),
    stop: () => {
      stopped ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets from SDK clients would otherwise hold close() open.
        server.closeAllConnections?.();
      });
      return stopped;
    },
  };
}

export interface LocalStore {
  store: Store;
  endpoint: string;
  /**
   * Whether the state directory opened at start is still in place (always fine in memory): a
   * StateDirError when it was deleted or replaced since. Cheap (two stat calls); the local runtime runs it
   * on a timer.
   */
  check(): Promise<StateDirError | undefined>;
  stop(): Promise<void>;
}

/** Starts dynalite, creates the table and returns a Store on it; `stop` closes both. */
export async function createLocalStore(options: {
  dir?: string;
  tableName?: string;
  port?: number;
  /** The application's clock; the store checks TTLs against it (see DynamoStoreOptions.now). */
  now: () => number;
}): Promise<LocalStore> {
  const dynamo = await startLocalDynamo(options);
  const tableName = options.tableName ?? 'jobwatch';
  const client = createDocumentClient({
    endpoint: dynamo.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    if (options.dir) {
      // Tables here become ACTIVE as soon as they are created (createTableMs 0), and only this process
      // can hold the directory: a table found in any other status was left so by a log cut short.
      const status = await tableStatus(client, tableName);
      if (status && status !== 'ACTIVE') throw incompleteTable(options.dir, tableName, status);
    }
    await ensureTable(client, tableName);
  } catch (error) {
    client.destroy();
    await dynamo.stop();
    throw error;
  }
  const store = createDynamoStore({ tableName, client, now: options.now });
  const { dir } = options;
  const identity = dynamo.identity;
  return {
    store,
    endpoint: dynamo.endpoint,
    check: async () => (dir && identity ? checkStateDir(dir, identity) : undefined),
    stop: async () => {
      client.destroy();
      await dynamo.stop();
    },
  };
}
