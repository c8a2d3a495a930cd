import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { closeDynaliteIteratorsOnReturn } from './dynalite-iterators.js';
import { createDocumentClient, createDynamoStore } from './dynamo.js';
import type { Store } from './store.js';
import { ensureTable } from './table.js';

/**
 * Dummy credentials for the embedded DynamoDB: dynalite checks that a request is signed, not by whom. Set
 * on the client, never in the environment, so a real AWS credential chain is never consulted or leaked.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'jobwatch-local', secretAccessKey: 'jobwatch-local' };
export const LOCAL_REGION = 'local';

export interface LocalDynamo {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts dynalite on 127.0.0.1 (in memory, or persisted as LevelDB under `dir`). dynalite is loaded
 * lazily so Lambda bundles, which never call this, do not carry it.
 *
 * @example
 * const dynamo = await startLocalDynamo({ dir: '.jobwatch/dynamodb' });
 * // ... createDynamoStore({ tableName: 'jobwatch', endpoint: dynamo.endpoint, ... })
 * await dynamo.stop();
 */
export async function startLocalDynamo(options: { dir?: string; port?: number } = {}): Promise<LocalDynamo> {
  const { default: dynalite } = await import('dynalite');
  closeDynaliteIteratorsOnReturn();
  if (options.dir) await mkdir(options.dir, { recursive: true });
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

/** Starts dynalite, creates the table and returns a Store on it; `stop` closes both. */
export async function createLocalStore(options: {
  dir?: string;
  tableName?: string;
  port?: number;
  /** The application's clock; the store checks TTLs against it (see DynamoStoreOptions.now). */
  now: () => number;
}): Promise<{ store: Store; endpoint: string; stop(): Promise<void> }> {
  const dynamo = await startLocalDynamo(options);
  const tableName = options.tableName ?? 'jobwatch';
  const client = createDocumentClient({
    endpoint: dynamo.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    await ensureTable(client, tableName);
  } catch (error) {
    client.destroy();
    await dynamo.stop();
    throw error;
  }
  const store = createDynamoStore({ tableName, client, now: options.now });
  return {
    store,
    endpoint: dynamo.endpoint,
    stop: async () => {
      client.destroy();
      await dynamo.stop();
    },
  };
}
