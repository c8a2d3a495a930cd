import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import {
  createDocumentClient,
  createDynamoStore,
  type DynamoStoreOptions,
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalDynamo,
  type Store,
  startLocalDynamo,
} from '../../lib/state/index.js';

export interface DynaliteTables {
  /** The document client on the file's dynalite (there once the file's `beforeAll` hooks have run). */
  client(): DynamoDBDocumentClient;
  /** A fresh table and a store on it; `options` reach the store (e.g. another `client`, its retry `sleep`). */
  fresh(
    now: () => number,
    options?: Partial<DynamoStoreOptions>,
  ): Promise<{ store: Store; tableName: string }>;
}

/**
 * One dynalite for the test file (call it at the top level) and a fresh table per `fresh` call, named
 * `<prefix>-<n>`, so no test sees another's items.
 */
export function dynaliteTables(prefix: string): DynaliteTables {
  let dynamo: LocalDynamo | undefined;
  let client: DynamoDBDocumentClient | undefined;
  let tableSeq = 0;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    client = createDocumentClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
  });
  const started = () => {
    if (!client) throw new Error('dynaliteTables: dynalite is not started (call it at the top of the file)');
    return client;
  };
  return {
    client: started,
    async fresh(now, options = {}) {
      const tableName = `${prefix}-${++tableSeq}`;
      await ensureTable(started(), tableName);
      return { store: createDynamoStore({ tableName, client: started(), now, ...options }), tableName };
    },
  };
}
