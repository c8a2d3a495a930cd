import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BatchIncompleteError,
  ConditionFailedError,
  createDynamoStore,
  createLocalStore,
  ensureTable,
  type Store,
} from '../../lib/state/index.js';
import { dynaliteTables } from '../support/dynalite.js';

/**
 * Every test runs against a real dynalite over a loopback socket. Where DynamoDB behaviour cannot be
 * provoked locally (throttling leaves UnprocessedItems/Keys), a wrapper around the real SDK client moves part
 * of a request into the "unprocessed" answer: the fault is injected at the AWS SDK boundary, every
 * processed request still goes to dynalite.
 */

const tables = dynaliteTables('table');
let client: DynamoDBDocumentClient;
let clockMs = Date.UTC(2026, 0, 1);
const now = () => clockMs;

beforeAll(() => {
  client = tables.client();
});

/** A fresh table per test so tests never see each other's items. */
async function freshStore(overrides: { client?: DynamoDBDocumentClient; sleeps?: number[] } = {}) {
  const sleeps = overrides.sleeps;
  return tables.fresh(now, {
    ...(overrides.client ? { client: overrides.client } : {}),
    sleep: async (ms) => {
      sleeps?.push(ms);
    },
  });
}

beforeEach(() => {
  clockMs = Date.UTC(2026, 0, 1);
});

describe('ensureTable', () => {
  it('creates once and is idempotent', async () => {
    // Act
    const first = await ensureTable(client, 'ensure-twice');
    const second = await ensureTable(client, 'ensure-twice');
    // Assess
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
  });

  it('survives concurrent creators', async () => {
    const results = await Promise.all([1, 2, 3].map(() => ensureTable(client, 'ensure-racing')));
    expect(results.filter((r) => r.created).length).toBeLessThanOrEqual(1);
  });
});

describe('get / put / delete', () => {
  let store: Store;
  beforeEach(async () => {
    ({ store } = await freshStore());
  });

  it('returns undefined for a missing item', async () => {
    expect(await store.get('detect#t1', 'nope')).toBeUndefined();
    expect(await store.get('detect#t1', 'nope', { consistent: true })).toBeUndefined();
  });

  it('round-trips nested data and increments version on every write', async () => {
    // Prepare
    const data = { state: 'RUNNING', counts: { failed: 0 }, tags: ['a', 'b'], note: null, empty: '' };
    // Act
    const first = await store.put({ pk: 'detect#t1', sk: 'job-1', data });
    clockMs += 1_000;
    const second = await store.put({ pk: 'detect#t1', sk: 'job-1', data: { ...data, state: 'FAILED' } });
    const read = await store.get<typeof data>('detect#t1', 'job-1', { consistent: true });
    // Assess
    expect(first).toMatchObject({ pk: 'detect#t1', sk: 'job-1', version: 1, data });
    expect(second.version).toBe(2);
    expect(read).toEqual({
      pk: 'detect#t1',
      sk: 'job-1',
      version: 2,
      updatedAtMs: clockMs,
      data: { ...data, state: 'FAILED' },
    });
  });

  it('drops undefined fields instead of failing', async () => {
    const item = await store.put({ pk: 'p', sk: 's', data: { a: 1, b: undefined } });
    expect(item.data).toEqual({ a: 1 });
  });

  it('ifAbsent writes once, then throws ConditionFailedError carrying the current item', async () => {
    await store.put({ pk: 'alert#group', sk: 'g1', data: { n: 1 } }, { ifAbsent: true });
    const error = await store
      .put({ pk: 'alert#group', sk: 'g1', data: { n: 2 } }, { ifAbsent: true })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConditionFailedError);
    expect(error.existing).toMatchObject({ version: 1, data: { n: 1 } });
    expect((await store.get('alert#group', 'g1'))?.data).toEqual({ n: 1 });
  });

  it('ifVersion succeeds on the read version and fails on a stale one', async () => {
    const v1 = await store.put({ pk: 'p', sk: 's', data: 'one' });
    const v2 = await store.put({ pk: 'p', sk: 's', data: 'two' }, { ifVersion: v1.version });
    const stale = await store
      .put({ pk: 'p', sk: 's', data: 'three' }, { ifVersion: v1.version })
      .catch((e) => e);
    expect(v2.version).toBe(2);
    expect(stale).toBeInstanceOf(ConditionFailedError);
    expect(stale.existing).toMatchObject({ version: 2, data: 'two' });
  });

  it('ifVersion on a missing item fails without an existing item', async () => {
    const error = await store.put({ pk: 'p', sk: 'missing', data: 1 }, { ifVersion: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(ConditionFailedError);
    expect(error.existing).toBeUndefined();
  });

  it('two concurrent ifAbsent puts: exactly one wins, every round', async () => {
    for (let round = 0; round < 20; round++) {
      const outcomes = await Promise.allSettled(
        ['a', 'b'].map((who) => store.put({ pk: 'race', sk: `r${round}`, data: who }, { ifAbsent: true })),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConditionFailedError);
      const stored = await store.get('race', `r${round}`, { consistent: true });
      expect(stored?.data).toBe((won[0] as PromiseFulfilledResult<{ data: string }>).value.data);
    }
  });

  it('ten concurrent ifVersion writers from one read: exactly one wins', async () => {
    const base = await store.put({ pk: 'occ', sk: 'x', data: 0 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store.put({ pk: 'occ', sk: 'x', data: i + 1 }, { ifVersion: base.version }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect((await store.get('occ', 'x', { consistent: true }))?.version).toBe(2);
  });

  it('delete: unconditional, then conditional on version', async () => {
    await store.put({ pk: 'p', sk: 'a', data: 1 });
    await store.delete('p', 'a');
    expect(await store.get('p', 'a', { consistent: true })).toBeUndefined();

    const b = await store.put({ pk: 'p', sk: 'b', data: 1 });
    const stale = await store.delete('p', 'b', { ifVersion: b.version + 1 }).catch((e) => e);
    expect(stale).toBeInstanceOf(ConditionFailedError);
    expect(stale.existing).toMatchObject({ version: 1 });
    await store.delete('p', 'b', { ifVersion: b.version });
    expect(await store.get('p', 'b', { consistent: true })).toBeUndefined();
  });
});

describe('TTL', () => {
  let store: Store;
  let tableName: string;
  beforeEach(async () => {
    ({ store, tableName } = await freshStore());
  });

  it('writes the expiresAtSec attribute as a number of seconds', async () => {
    const expiresAtSec = Math.floor(clockMs / 1000) + 3600;
    await store.put({ pk: 'p', sk: 's', data: 1, expiresAtSec });
    const raw = await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'p', sk: 's' } }));
    expect(raw.Item?.expiresAtSec).toBe(expiresAtSec);
  });

  it('hides items past their TTL (DynamoDB deletes lazily) and lets ifAbsent reclaim them', async () => {
    const expiresAtSec = Math.floor(clockMs / 1000) + 60;
    await store.put({ pk: 'p', sk: 's', data: 'old', expiresAtSec });
    await store.putMany([{ pk: 'p', sk: 't', data: 'old', expiresAtSec }]);
    clockMs += 61_000;
    expect(await store.get('p', 's')).toBeUndefined();
    expect(await store.getMany([{ pk: 'p', sk: 't' }])).toEqual([]);
    expect(await store.query('p')).toEqual([]);
    const reclaimed = await store.put({ pk: 'p', sk: 's', data: 'new' }, { ifAbsent: true });
    expect(reclaimed.data).toBe('new');
  });

  it('a put without expiresAtSec clears an earlier TTL', async () => {
    await store.put({ pk: 'p', sk: 's', data: 1, expiresAtSec: Math.floor(clockMs / 1000) + 5 });
    await store.put({ pk: 'p', sk: 's', data: 2 });
    const raw = await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'p', sk: 's' } }));
    expect(raw.Item).not.toHaveProperty('expiresAtSec');
  });
});

/**
 * Wraps the real client: the first `faults.write` BatchWriteItem and `faults.get` BatchGetItem calls only
 * process the first half of their requests (none when there is only one) and return the rest as unprocessed.
 */
function throttlingClient(faults: { write: number; get: number }, calls: { write: number; get: number }) {
  const remaining = { ...faults };
  const send = async (command: unknown) => {
    if (command instanceof BatchWriteCommand) {
      calls.write++;
      const [table, requests] = Object.entries(command.input.RequestItems ?? {})[0]!;
      if (remaining.write > 0) {
        remaining.write--;
        const half = Math.floor(requests.length / 2);
        if (half > 0)
          await client.send(new BatchWriteCommand({ RequestItems: { [table]: requests.slice(0, half) } }));
        return { UnprocessedItems: { [table]: requests.slice(half) } };
      }
    }
    if (command instanceof BatchGetCommand) {
      calls.get++;
      const [table, request] = Object.entries(command.input.RequestItems ?? {})[0]!;
      const keys = request.Keys ?? [];
      if (remaining.get > 0) {
        remaining.get--;
        const half = Math.floor(keys.length / 2);
        const out =
          half > 0
            ? await client.send(
                new BatchGetCommand({ RequestItems: { [table]: { ...request, Keys: keys.slice(0, half) } } }),
              )
            : { Responses: { [table]: [] } };
        return { ...out, UnprocessedKeys: { [table]: { ...request, Keys: keys.slice(half) } } };
      }
    }
    return client.send(command as GetCommand);
  };
  return new Proxy(client, {
    get: (target, prop, receiver) => (prop === 'send' ? send : Reflect.get(target, prop, receiver)),
  });
}

describe('getMany / putMany', () => {
  it('writes 60 items in chunks of 25 and reads 250 keys in chunks of 100, skipping missing ones', async () => {
    const calls = { write: 0, get: 0 };
    const { store } = await freshStore({ client: throttlingClient({ write: 0, get: 0 }, calls) });
    const items = Array.from({ length: 60 }, (_, i) => ({
      pk: 'batch',
      sk: `k${String(i).padStart(3, '0')}`,
      data: { i },
    }));
    await store.putMany(items);
    expect(calls.write).toBe(3);

    const keys = Array.from({ length: 250 }, (_, i) => ({
      pk: 'batch',
      sk: `k${String(i).padStart(3, '0')}`,
    }));
    calls.get = 0;
    const found = await store.getMany<{ i: number }>([...keys, keys[0]!]);
    expect(calls.get).toBe(3);
    expect(found.map((f) => f.data.i).sort((a, b) => a - b)).toEqual(items.map((_, i) => i));
  });

  it('putMany bumps versions of existing items, and the last of duplicate keys wins', async () => {
    const { store } = await freshStore();
    const before = await store.put({ pk: 'p', sk: 'a', data: 'v1' });
    await store.putMany([
      { pk: 'p', sk: 'a', data: 'first' },
      { pk: 'p', sk: 'b', data: 'b' },
      { pk: 'p', sk: 'a', data: 'last' },
    ]);
    const a = await store.get('p', 'a', { consistent: true });
    expect(a).toMatchObject({ data: 'last', version: before.version + 1 });
    const stale = await store
      .put({ pk: 'p', sk: 'a', data: 'x' }, { ifVersion: before.version })
      .catch((e) => e);
    expect(stale).toBeInstanceOf(ConditionFailedError);
  });

  it('retries UnprocessedItems and UnprocessedKeys with growing backoff until all are done', async () => {
    const calls = { write: 0, get: 0 };
    const sleeps: number[] = [];
    const { store } = await freshStore({ client: throttlingClient({ write: 3, get: 2 }, calls), sleeps });
    const items = Array.from({ length: 20 }, (_, i) => ({ pk: 'retry', sk: `k${i}`, data: i }));
    // Act: the version pre-read (BatchGet) loses half twice, the write loses half three times.
    await store.putMany(items);
    // Assess
    const all = await store.query<number>('retry', { consistent: true });
    expect(all.map((i) => i.data).sort((a, b) => a - b)).toEqual(items.map((i) => i.data));
    expect(calls).toEqual({ get: 3, write: 4 });
    expect(sleeps).toHaveLength(5);
    expect(sleeps.every((ms) => ms > 0 && ms <= 2_000)).toBe(true);
    // Backoff grows: each retry's ceiling doubles (full jitter keeps it within [ceiling/2, ceiling]).
    const [, , w2, w3, w4] = sleeps as [number, number, number, number, number];
    expect([w2, w3, w4].map((ms, i) => ms >= (25 * 2 ** (i + 1)) / 2 && ms <= 25 * 2 ** (i + 1))).toEqual([
      true,
      true,
      true,
    ]);

    // getMany retries UnprocessedKeys too.
    const reader = createDynamoStore({
      tableName: (store as unknown as { table: string }).table,
      client: throttlingClient({ write: 0, get: 2 }, { write: 0, get: 0 }),
      now,
      sleep: async () => {},
    });
    expect(await reader.getMany(items)).toHaveLength(20);
  });

  it('gives up with BatchIncompleteError when throttling never ends', async () => {
    const calls = { write: 0, get: 0 };
    const { store } = await freshStore({ client: throttlingClient({ write: 1_000, get: 0 }, calls) });
    const error = await store
      .putMany(Array.from({ length: 30 }, (_, i) => ({ pk: 'stuck', sk: `k${i}`, data: i })))
      .catch((e) => e);
    expect(error).toBeInstanceOf(BatchIncompleteError);
    expect(error.message).toMatch(/still unprocessed after 8 attempts/);
  });
});

describe('query', () => {
  let store: Store;
  beforeAll(async () => {
    ({ store } = await freshStore());
    await store.putMany(
      Array.from({ length: 12 }, (_, i) => ({
        pk: 'remediation#audit',
        sk: `${i < 6 ? 'a' : 'b'}#${String(i).padStart(3, '0')}`,
        data: i,
      })),
    );
    await store.put({ pk: 'other', sk: 'a#000', data: 'not me' });
  });

  it('returns one partition in ascending sk order', async () => {
    const items = await store.query<number>('remediation#audit');
    expect(items.map((i) => i.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('filters by prefix, descending, with a limit and consistent reads', async () => {
    const items = await store.query<number>('remediation#audit', {
      prefix: 'b#',
      descending: true,
      limit: 4,
      consistent: true,
    });
    expect(items.map((i) => i.data)).toEqual([11, 10, 9, 8]);
  });

  it('a limit of 0 returns nothing (DynamoDB would reject Limit 0)', async () => {
    expect(await store.query('remediation#audit', { limit: 0 })).toEqual([]);
  });

  it('paginates past the 1 MB page limit and past a limit spanning pages', async () => {
    // Prepare: 150 items of ~10 KB = ~1.5 MB, more than one Query page.
    let queryCalls = 0;
    const counting = new Proxy(client, {
      get: (target, prop, receiver) =>
        prop === 'send'
          ? (command: QueryCommand) => {
              if (command instanceof QueryCommand) queryCalls++;
              return client.send(command);
            }
          : Reflect.get(target, prop, receiver),
    });
    const { store: big } = await freshStore({ client: counting });
    const pad = 'x'.repeat(10_000);
    await big.putMany(
      Array.from({ length: 150 }, (_, i) => ({
        pk: 'big',
        sk: String(i).padStart(4, '0'),
        data: { i, pad },
      })),
    );
    // Act
    const all = await big.query<{ i: number }>('big');
    const newest120 = await big.query<{ i: number }>('big', { descending: true, limit: 120 });
    // Assess
    expect(all.map((x) => x.data.i)).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(queryCalls).toBeGreaterThanOrEqual(4); // two pages for each of the two queries
    expect(newest120.map((x) => x.data.i)).toEqual(Array.from({ length: 120 }, (_, i) => 149 - i));
  });
});

describe('leases', () => {
  let store: Store;
  beforeEach(async () => {
    ({ store } = await freshStore());
  });

  it('acquire, deny another owner, renew by the same owner, steal after expiry', async () => {
    const t0 = clockMs;
    expect(await store.acquireLease('poll#t1', 'a', 30_000, t0)).toEqual({
      acquired: true,
      expiresAtMs: t0 + 30_000,
    });
    expect(await store.acquireLease('poll#t1', 'b', 30_000, t0 + 1_000)).toEqual({
      acquired: false,
      holder: { owner: 'a', expiresAtMs: t0 + 30_000 },
    });
    // Same owner renews before expiry, pushing the expiry out.
    expect(await store.acquireLease('poll#t1', 'a', 30_000, t0 + 20_000)).toEqual({
      acquired: true,
      expiresAtMs: t0 + 50_000,
    });
    // The renewed lease still holds at the old expiry...
    expect((await store.acquireLease('poll#t1', 'b', 30_000, t0 + 40_000)).acquired).toBe(false);
    // ...and lapses at the new one: b takes over.
    expect(await store.acquireLease('poll#t1', 'b', 30_000, t0 + 50_000)).toEqual({
      acquired: true,
      expiresAtMs: t0 + 80_000,
    });
    expect((await store.acquireLease('poll#t1', 'a', 30_000, t0 + 50_001)).acquired).toBe(false);
  });

  it('release frees the lease only for its owner', async () => {
    await store.acquireLease('flush', 'a', 60_000, clockMs);
    await store.releaseLease('flush', 'b');
    expect((await store.acquireLease('flush', 'b', 60_000, clockMs + 1)).acquired).toBe(false);
    await store.releaseLease('flush', 'a');
    expect((await store.acquireLease('flush', 'b', 60_000, clockMs + 2)).acquired).toBe(true);
    await store.releaseLease('never-taken', 'a');
  });

  it('ten owners racing for a free lease: exactly one gets it, the rest see that holder', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.acquireLease('race', `owner-${i}`, 10_000, clockMs)),
    );
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const holders = new Set(results.flatMap((r) => (r.acquired ? [] : [r.holder.owner])));
    expect(holders.size).toBe(1);
  });
});

describe('createLocalStore', () => {
  it('persists across a restart when dir is given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jobwatch-dynamo-'));
    try {
      const first = await createLocalStore({ dir, now });
      await first.store.put({ pk: 'detect#t1', sk: 'job-1', data: { state: 'RUNNING' } });
      await first.stop();

      const second = await createLocalStore({ dir, now });
      const item = await second.store.get('detect#t1', 'job-1');
      await second.stop();
      expect(item).toMatchObject({ version: 1, data: { state: 'RUNNING' } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts empty in memory', async () => {
    const local = await createLocalStore({ now });
    try {
      expect(local.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await local.store.query('anything')).toEqual([]);
    } finally {
      await local.stop();
    }
  });
});
