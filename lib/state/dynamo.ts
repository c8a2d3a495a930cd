import type { AttributeValue, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sleep } from '../async/sleep.js';
import { type Expression, leaseAvailable, leaseHeldBy, slotIsFree, versionIs } from './conditions.js';
import { documentClient, dynamodb, dynamodbUtil } from './sdk.js';
import {
  ConditionFailedError,
  type LeaseResult,
  type PutInput,
  type QueryOptions,
  type Store,
  type StoreItem,
  type WriteCondition,
} from './store.js';

const { DynamoDBClient } = dynamodb;
const { BatchGetCommand, BatchWriteCommand, DeleteCommand, GetCommand, QueryCommand, UpdateCommand } =
  documentClient;
const { unmarshall } = dynamodbUtil;

/** DynamoDB's per-request limits (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html). */
export const BATCH_GET_MAX_KEYS = 100;
/** https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html */
export const BATCH_WRITE_MAX_ITEMS = 25;
/** Attempts for a batch's unprocessed remainder before giving up (throttling that outlasts ~6 s is an outage). */
const BATCH_MAX_ATTEMPTS = 8;
const BATCH_BACKOFF_BASE_MS = 25;
const BATCH_BACKOFF_CAP_MS = 2_000;
/** Lease rows outlive their expiry by this much before TTL removes them, so the last holder stays visible. */
const LEASE_ROW_GRACE_SEC = 24 * 3600;

export interface DynamoStoreOptions {
  tableName: string;
  /** A ready document client (its owner closes it); otherwise one is built from endpoint/region/credentials. */
  client?: DynamoDBDocumentClient;
  endpoint?: string;
  region?: string;
  credentials?: DynamoDBClientConfig['credentials'];
  /**
   * The application's clock (epoch ms) for `updatedAtMs` and every TTL check. Required, never defaulted to
   * the wall clock: the store must judge expiry by the same clock that computed `expiresAtSec`, or an item
   * written by a simulated or test clock reads as expired (or immortal) against the real date.
   */
  now: () => number;
  /** Waits between batch retries; injectable so tests of the retry path need not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

export class BatchIncompleteError extends Error {
  override name = 'BatchIncompleteError';
  constructor(
    readonly operation: 'BatchGetItem' | 'BatchWriteItem',
    readonly remaining: number,
    attempts: number,
  ) {
    super(`${operation}: ${remaining} request(s) still unprocessed after ${attempts} attempts (throttled)`);
  }
}

/** Builds the document client every store uses: undefined fields dropped, numbers as JS numbers. */
export function createDocumentClient(
  config: Pick<DynamoStoreOptions, 'endpoint' | 'region' | 'credentials'> = {},
): DynamoDBDocumentClient {
  const base = new DynamoDBClient({
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.region ? { region: config.region } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
  return documentClient.DynamoDBDocumentClient.from(base, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/**
 * The Store on one DynamoDB table keyed (pk, sk), with TTL on `expiresAtSec`. Every write goes through
 * UpdateItem so `version` is incremented atomically by DynamoDB itself (`if_not_exists(version, 0) + 1`),
 * conditional or not; conditions come from the named fragments in `conditions.ts`.
 *
 * @example
 * const store = createDynamoStore({ tableName: 'jobwatch-prod', now: Date.now });
 * const item = await store.put({ pk: 'detect#t1', sk: 'job-1', data: { state: 'RUNNING' } }, { ifAbsent: true });
 */
export function createDynamoStore(options: DynamoStoreOptions): Store {
  return new DynamoStore(options);
}

class DynamoStore implements Store {
  private readonly client: DynamoDBDocumentClient;
  private readonly ownsClient: boolean;
  private readonly table: string;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: DynamoStoreOptions) {
    this.table = options.tableName;
    this.client = options.client ?? createDocumentClient(options);
    this.ownsClient = !options.client;
    this.now = options.now;
    this.sleep = options.sleep ?? sleep;
  }

  async get<T>(pk: string, sk: string, options: { consistent?: boolean } = {}) {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk, sk }, ConsistentRead: options.consistent === true }),
    );
    const item = out.Item ? toStoreItem<T>(out.Item) : undefined;
    return item && !this.isExpired(item) ? item : undefined;
  }

  async getMany<T>(keys: { pk: string; sk: string }[], options: { consistent?: boolean } = {}) {
    const raw = await this.batchGet(keys, options.consistent ?? false);
    return raw.map((r) => toStoreItem<T>(r)).filter((item) => !this.isExpired(item));
  }

  async query<T>(pk: string, options: QueryOptions = {}) {
    const items: StoreItem<T>[] = [];
    // DynamoDB rejects Limit < 1; asking for nothing returns nothing.
    if (options.limit !== undefined && options.limit < 1) return items;
    const names: Record<string, string> = { '#pk': 'pk' };
    const values: Record<string, unknown> = { ':pk': pk };
    let keyCondition = '#pk = :pk';
    if (options.prefix) {
      keyCondition += ' AND begins_with(#sk, :prefix)';
      names['#sk'] = 'sk';
      values[':prefix'] = options.prefix;
    }
    let startKey: Record<string, unknown> | undefined;
    do {
      const remaining = options.limit === undefined ? undefined : options.limit - items.length;
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: keyCondition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: options.descending !== true,
          ConsistentRead: options.consistent === true,
          ...(remaining !== undefined ? { Limit: remaining } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const raw of out.Items ?? []) {
        const item = toStoreItem<T>(raw);
        if (!this.isExpired(item)) items.push(item);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey && (options.limit === undefined || items.length < options.limit));
    return options.limit === undefined ? items : items.slice(0, options.limit);
  }

  async put<T>(input: PutInput<T>, condition?: WriteCondition) {
    let expression: Expression | undefined;
    if (condition?.ifAbsent) expression = slotIsFree(this.nowSec());
    else if (condition?.ifVersion !== undefined) expression = versionIs(condition.ifVersion);
    const written = await this.update<T>(input, expression, () =>
      condition?.ifAbsent
        ? `${describe(input)} already exists`
        : `${describe(input)} is not at version ${condition?.ifVersion}`,
    );
    return written;
  }

  async putMany<T>(inputs: PutInput<T>[]) {
    // BatchWriteItem rejects two requests for one key; the later write wins, as it would sequentially.
    const byKey = new Map<string, PutInput<T>>();
    for (const input of inputs) byKey.set(keyOf(input), input);
    const unique = [...byKey.values()];
    if (unique.length === 0) return;
    // BatchWriteItem cannot increment, so versions are read first; the write itself stays unconditional,
    // and any reader holding the old version still loses its conditional write afterwards.
    const current = await this.batchGet(unique, true, ['pk', 'sk', 'version']);
    const versions = new Map(current.map((r) => [keyOf(r as { pk: string; sk: string }), Number(r.version)]));
    const updatedAtMs = this.now();
    const requests = unique.map((input) => ({
      PutRequest: {
        Item: {
          pk: input.pk,
          sk: input.sk,
          data: input.data ?? null,
          version: (versions.get(keyOf(input)) ?? 0) + 1,
          updatedAtMs,
          ...(input.expiresAtSec !== undefined ? { expiresAtSec: input.expiresAtSec } : {}),
        },
      },
    }));
    for (const chunk of chunks(requests, BATCH_WRITE_MAX_ITEMS)) {
      let pending: typeof chunk = chunk;
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > BATCH_MAX_ATTEMPTS)
          throw new BatchIncompleteError('BatchWriteItem', pending.length, BATCH_MAX_ATTEMPTS);
        if (attempt > 1) await this.sleep(backoffMs(attempt));
        const out = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.table]: pending } }),
        );
        pending = (out.UnprocessedItems?.[this.table] ?? []) as typeof chunk;
      }
    }
  }

  async delete(pk: string, sk: string, condition?: { ifVersion: number }) {
    const expression = condition ? versionIs(condition.ifVersion) : undefined;
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk, sk },
          ...conditionParams(expression),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw new ConditionFailedError(
        `${describe({ pk, sk })} is not at version ${condition?.ifVersion}`,
        await this.existingFrom(error, pk, sk),
        { cause: error },
      );
    }
  }

  async acquireLease(name: string, owner: string, leaseMs: number, nowMs: number): Promise<LeaseResult> {
    const key = leaseKey(name);
    const expiresAtMs = nowMs + leaseMs;
    // A failed attempt whose holder has vanished by the time we read it (released in between) is retried.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.update(
          {
            ...key,
            data: { owner, expiresAtMs },
            expiresAtSec: Math.ceil(expiresAtMs / 1000) + LEASE_ROW_GRACE_SEC,
          },
          leaseAvailable(owner, nowMs),
          () => `lease ${name} is held`,
        );
        return { acquired: true, expiresAtMs };
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        const holder = (error.existing as StoreItem<{ owner: string; expiresAtMs: number }> | undefined)
          ?.data;
        if (holder && holder.expiresAtMs > nowMs && holder.owner !== owner)
          return { acquired: false, holder: { owner: holder.owner, expiresAtMs: holder.expiresAtMs } };
      }
    }
    const current = await this.get<{ owner: string; expiresAtMs: number }>(key.pk, key.sk, {
      consistent: true,
    });
    return {
      acquired: false,
      holder: { owner: current?.data.owner ?? 'unknown', expiresAtMs: current?.data.expiresAtMs ?? nowMs },
    };
  }

  async releaseLease(name: string, owner: string) {
    const key = leaseKey(name);
    try {
      await this.client.send(
        new DeleteCommand({ TableName: this.table, Key: key, ...conditionParams(leaseHeldBy(owner)) }),
      );
    } catch (error) {
      // Not ours (any more) or already gone: releasing is a no-op, never a steal.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async close() {
    if (this.ownsClient) this.client.destroy();
  }

  /** One write path: replaces data and TTL, bumps version atomically, checks the condition if any. */
  private async update<T>(
    input: PutInput<T>,
    condition: Expression | undefined,
    message: () => string,
  ): Promise<StoreItem<T>> {
    const names: Record<string, string> = {
      '#data': 'data',
      '#version': 'version',
      '#updatedAtMs': 'updatedAtMs',
      '#expiresAtSec': 'expiresAtSec',
    };
    const values: Record<string, unknown> = {
      ':data': input.data ?? null,
      ':zero': 0,
      ':one': 1,
      ':updatedAtMs': this.now(),
    };
    let updateExpression =
      'SET #data = :data, #updatedAtMs = :updatedAtMs, #version = if_not_exists(#version, :zero) + :one';
    if (input.expiresAtSec !== undefined) {
      updateExpression += ', #expiresAtSec = :expiresAtSec';
      values[':expiresAtSec'] = input.expiresAtSec;
    } else {
      // A put replaces the whole item, so a TTL from an earlier write must not linger.
      updateExpression += ' REMOVE #expiresAtSec';
    }
    const params = conditionParams(condition);
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: input.pk, sk: input.sk },
          UpdateExpression: updateExpression,
          ConditionExpression: params.ConditionExpression,
          ExpressionAttributeNames: { ...names, ...params.ExpressionAttributeNames },
          ExpressionAttributeValues: { ...values, ...params.ExpressionAttributeValues },
          ReturnValues: 'ALL_NEW',
          ...(condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
        }),
      );
      return toStoreItem<T>(out.Attributes ?? {});
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw new ConditionFailedError<T>(message(), await this.existingFrom<T>(error, input.pk, input.sk), {
        cause: error,
      });
    }
  }

  /** The current item from the failure itself (ALL_OLD), else from a consistent read (e.g. dynalite). */
  private async existingFrom<T>(error: unknown, pk: string, sk: string) {
    const item = (error as { Item?: Record<string, AttributeValue> }).Item;
    if (item) return toStoreItem<T>(unmarshall(item));
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk, sk }, ConsistentRead: true }),
    );
    return out.Item ? toStoreItem<T>(out.Item) : undefined;
  }

  private async batchGet(
    keys: { pk: string; sk: string }[],
    consistent: boolean,
    projection?: string[],
  ): Promise<Record<string, unknown>[]> {
    // BatchGetItem rejects duplicate keys within one request.
    const unique = [...new Map(keys.map((k) => [keyOf(k), { pk: k.pk, sk: k.sk }])).values()];
    const found: Record<string, unknown>[] = [];
    const projectionParams = projection
      ? {
          ProjectionExpression: projection.map((_, i) => `#p${i}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(projection.map((name, i) => [`#p${i}`, name])),
        }
      : {};
    for (const chunk of chunks(unique, BATCH_GET_MAX_KEYS)) {
      let pending: Record<string, unknown>[] = chunk;
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > BATCH_MAX_ATTEMPTS)
          throw new BatchIncompleteError('BatchGetItem', pending.length, BATCH_MAX_ATTEMPTS);
        if (attempt > 1) await this.sleep(backoffMs(attempt));
        const out = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.table]: { Keys: pending, ConsistentRead: consistent, ...projectionParams },
            },
          }),
        );
        found.push(...(out.Responses?.[this.table] ?? []));
        pending = out.UnprocessedKeys?.[this.table]?.Keys ?? [];
      }
    }
    return found;
  }

  private nowSec() {
    return Math.floor(this.now() / 1000);
  }

  private isExpired(item: StoreItem<unknown>) {
    return item.expiresAtSec !== undefined && item.expiresAtSec <= this.nowSec();
  }
}

interface ConditionParams {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

function conditionParams(condition: Expression | undefined): ConditionParams {
  if (!condition) return {};
  return {
    ConditionExpression: condition.expression,
    ExpressionAttributeNames: condition.names,
    ...(Object.keys(condition.values).length > 0 ? { ExpressionAttributeValues: condition.values } : {}),
  };
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

function toStoreItem<T>(raw: Record<string, unknown>): StoreItem<T> {
  const item: StoreItem<T> = {
    pk: String(raw.pk),
    sk: String(raw.sk),
    data: (raw.data ?? null) as T,
    version: Number(raw.version ?? 0),
    updatedAtMs: Number(raw.updatedAtMs ?? 0),
  };
  if (raw.expiresAtSec !== undefined) item.expiresAtSec = Number(raw.expiresAtSec);
  return item;
}

function leaseKey(name: string) {
  return { pk: `lock#${name}`, sk: 'lock' };
}

function keyOf(key: { pk: string; sk: string }) {
  return JSON.stringify([key.pk, key.sk]);
}

function describe(key: { pk: string; sk: string }) {
  return `item (${key.pk}, ${key.sk})`;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"). */
function backoffMs(attempt: number): number {
  const ceiling = Math.min(BATCH_BACKOFF_CAP_MS, BATCH_BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
