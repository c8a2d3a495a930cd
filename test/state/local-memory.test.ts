import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStore } from '../../lib/state/local.js';

/**
 * Counts the resources (iterators, snapshots) open on dynalite's LevelDB databases, through the hook
 * abstract-level itself uses to track them; each copy of abstract-level in dynalite's module graph counts.
 */
function countOpenResources() {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const copies = new Set<{ AbstractLevel: { prototype: Record<string, unknown> } }>();
  for (const chain of [['memory-level'], ['level'], ['level', 'classic-level']]) {
    let from = fromDynalite;
    for (const name of chain) from = createRequire(from.resolve(name));
    copies.add(from('abstract-level'));
  }
  let open = 0;
  const restore: (() => void)[] = [];
  for (const { AbstractLevel } of copies) {
    const proto = AbstractLevel.prototype as {
      attachResource(this: unknown, r: unknown): void;
      detachResource(this: unknown, r: unknown): void;
    };
    const { attachResource, detachResource } = proto;
    proto.attachResource = function (resource) {
      open++;
      attachResource.call(this, resource);
    };
    proto.detachResource = function (resource) {
      open--;
      detachResource.call(this, resource);
    };
    restore.push(() => {
      proto.attachResource = attachResource;
      proto.detachResource = detachResource;
    });
  }
  return {
    open: () => open,
    restore: () => {
      for (const undo of restore) undo();
    },
  };
}

let counter: ReturnType<typeof countOpenResources>;
beforeAll(() => {
  counter = countOpenResources();
});
afterAll(() => counter.restore());

describe('the embedded store releases what each query opens (local runtime memory)', () => {
  it.each([
    ['in memory', false],
    ['persisted under a directory', true],
  ])(
    '%s: 120 queries (whole partition, Limit, prefix) leave no LevelDB iterator open',
    async (_, persisted) => {
      const dir = persisted ? await mkdtemp(join(tmpdir(), 'jobwatch-iter-')) : undefined;
      const local = await createLocalStore({ now: () => Date.UTC(2026, 10, 23), ...(dir ? { dir } : {}) });
      try {
        for (let i = 0; i < 30; i++) await local.store.put({ pk: 'p', sk: `k${i}`, data: { i } });
        const before = counter.open();
        for (let round = 0; round < 40; round++) {
          expect(await local.store.query('p')).toHaveLength(30);
          expect(await local.store.query('p', { limit: 3, descending: true })).toHaveLength(3);
          expect(await local.store.query('p', { prefix: 'k1' })).toHaveLength(11);
        }
        // Each stream is released on dynalite's side right after its response is sent: wait for that (a
        // fixed 50 ms was not always enough on a loaded machine); a leak never gets back to zero.
        const settledBy = performance.now() + 5_000;
        while (counter.open() > before && performance.now() < settledBy)
          await new Promise((resolve) => setTimeout(resolve, 10));
        expect(counter.open() - before).toBe(0);
      } finally {
        await local.stop();
        if (dir) await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
