import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalStore, type LocalStore } from '../../lib/state/local.js';
import type { Store, StoreItem } from '../../lib/state/store.js';
import { ignoreWriteConflict, updateWithRetry, WriteConflictError } from '../../lib/state/update.js';

/** updateWithRetry against a real dynalite: concurrent writers, lost races, deletes, TTLs, giving up. */

let local: LocalStore;
let store: Store;
let clockMs = Date.UTC(2026, 0, 1);
let seq = 0;
let key: { pk: string; sk: string };

beforeAll(async () => {
  local = await createLocalStore({ now: () => clockMs });
  store = local.store;
});

afterAll(async () => {
  await local.stop();
});

beforeEach(() => {
  clockMs = Date.UTC(2026, 0, 1);
  key = { pk: 'update#test', sk: `item-${++seq}` };
});

interface Counter {
  n: number;
  by: string[];
}

const increment = (by: string) => (item: StoreItem<Counter> | undefined) => {
  const n = (item?.data.n ?? 0) + 1;
  return { next: { n, by: [...(item?.data.by ?? []), by] }, result: n };
};

/** A store whose next `count` conditional writes first let a rival write the same item. */
function withRivalWrites(base: Store, count: number): Store {
  let left = count;
  const rival = async (pk: string, sk: string) => {
    if (left <= 0) return;
    left--;
    const now = await base.get<Counter>(pk, sk, { consistent: true });
    await base.put({ pk, sk, data: { n: (now?.data.n ?? 0) + 100, by: [...(now?.data.by ?? []), 'rival'] } });
  };
  return Object.assign(Object.create(base) as Store, {
    put: async (item: Parameters<Store['put']>[0], condition?: Parameters<Store['put']>[1]) => {
      if (condition) await rival(item.pk, item.sk);
      return base.put(item, condition);
    },
    delete: async (pk: string, sk: string, condition?: { ifVersion: number }) => {
      if (condition) await rival(pk, sk);
      return base.delete(pk, sk, condition);
    },
  });
}

describe('updateWithRetry', () => {
  it('creates a missing item (ifAbsent) and returns the decision result', async () => {
    // Act
    const result = await updateWithRetry(store, key, increment('a'));
    // Assess
    expect(result).toBe(1);
    expect((await store.get<Counter>(key.pk, key.sk))?.data).toEqual({ n: 1, by: ['a'] });
  });

  it('twelve concurrent writers of one item: every increment lands exactly once', async () => {
    // Act
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        updateWithRetry(store, key, increment(`w${i}`), { maxAttempts: 20 }),
      ),
    );
    // Assess
    const item = await store.get<Counter>(key.pk, key.sk, { consistent: true });
    expect(item?.data.n).toBe(12);
    expect(new Set(item?.data.by)).toEqual(new Set(Array.from({ length: 12 }, (_, i) => `w${i}`)));
    expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('after a lost race, decides again on the item the rival wrote', async () => {
    // Arrange
    await store.put({ pk: key.pk, sk: key.sk, data: { n: 1, by: ['seed'] } });
    const seen: (number | undefined)[] = [];
    // Act
    const result = await updateWithRetry<Counter, number>(withRivalWrites(store, 2), key, (item) => {
      seen.push(item?.data.n);
      return increment('me')(item);
    });
    // Assess
    expect(seen).toEqual([1, 101, 201]);
    expect(result).toBe(202);
    expect((await store.get<Counter>(key.pk, key.sk))?.data.by).toEqual(['seed', 'rival', 'rival', 'me']);
  });

  it('leaves the item alone when the decision has no next', async () => {
    // Arrange
    const written = await store.put({ pk: key.pk, sk: key.sk, data: { n: 5, by: [] } });
    // Act
    const result = await updateWithRetry<Counter, string>(store, key, () => ({ result: 'unchanged' }));
    // Assess
    expect(result).toBe('unchanged');
    expect((await store.get(key.pk, key.sk))?.version).toBe(written.version);
  });

  it('removes the item on a remove decision, re-deciding when a rival wrote in between', async () => {
    // Arrange
    await store.put({ pk: key.pk, sk: key.sk, data: { n: 1, by: [] } });
    const seen: (number | undefined)[] = [];
    // Act
    await updateWithRetry<Counter, void>(withRivalWrites(store, 1), key, (item) => {
      seen.push(item?.data.n);
      return { remove: true, result: undefined };
    });
    // Assess
    expect(seen).toEqual([1, 101]);
    expect(await store.get(key.pk, key.sk, { consistent: true })).toBeUndefined();
  });

  it('writes the TTL given, and treats an item past its TTL as absent', async () => {
    // Arrange
    const expiresAtSec = Math.floor(clockMs / 1000) + 60;
    await updateWithRetry<Counter, number>(store, key, (item) => ({ ...increment('a')(item), expiresAtSec }));
    clockMs += 61_000;
    // Act
    const result = await updateWithRetry(store, key, increment('b'));
    // Assess
    expect(result).toBe(1);
    const item = await store.get<Counter>(key.pk, key.sk);
    expect(item?.data.by).toEqual(['b']);
    expect(item?.expiresAtSec).toBeUndefined();
  });

  it('starts from the item the caller already read (known), without reading it again', async () => {
    // Arrange
    const item = await store.put({ pk: key.pk, sk: key.sk, data: { n: 7, by: [] } });
    let reads = 0;
    const counting = Object.assign(Object.create(store) as Store, {
      get: (...args: Parameters<Store['get']>) => {
        reads++;
        return store.get(...args);
      },
    });
    // Act
    const result = await updateWithRetry(counting, key, increment('a'), { known: { item } });
    // Assess
    expect(reads).toBe(0);
    expect(result).toBe(8);
  });

  it('gives up with WriteConflictError after maxAttempts lost races; ignoreWriteConflict swallows only that', async () => {
    // Arrange
    await store.put({ pk: key.pk, sk: key.sk, data: { n: 0, by: [] } });
    let decisions = 0;
    const decide = (item: StoreItem<Counter> | undefined) => {
      decisions++;
      return increment('me')(item);
    };
    // Act
    const error = await updateWithRetry(withRivalWrites(store, 3), key, decide, { maxAttempts: 3 }).catch(
      (e: unknown) => e,
    );
    const ignored = await updateWithRetry(withRivalWrites(store, 3), key, decide, { maxAttempts: 3 }).catch(
      ignoreWriteConflict,
    );
    // Assess
    expect(error).toBeInstanceOf(WriteConflictError);
    expect((error as WriteConflictError).attempts).toBe(3);
    expect((error as Error).message).toContain('too many concurrent writes');
    expect(ignored).toBeUndefined();
    expect(decisions).toBe(6);
    expect(() => ignoreWriteConflict(new Error('store down'))).toThrow('store down');
  });

  it('passes other store errors through at once', async () => {
    // Arrange
    const broken = Object.assign(Object.create(store) as Store, {
      put: async () => {
        throw new Error('table is gone');
      },
    });
    // Act / Assess
    await expect(updateWithRetry(broken, key, increment('a'))).rejects.toThrow('table is gone');
  });
});
