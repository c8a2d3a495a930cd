import { createRequire } from 'node:module';

/**
 * Closes the LevelDB iterators dynalite opens for every Query and Scan.
 *
 * dynalite 4 reads tables through `db.values()` / `db.keys()` wrapped in a Readable whose destroy() releases
 * the iterator by calling `iterator.return()`, the async-iterator protocol name. The iterators of
 * abstract-level 3 (under memory-level and classic-level, which dynalite uses) have no `return()`: they are
 * released by `close()`, and reaching the end does not close them. So each query left one iterator open,
 * registered on the db until the db closes and holding its read snapshot (a version of memory-level's tree,
 * or LevelDB's implicit snapshot): the local runtime's heap grew by a few KB per query, without bound.
 *
 * Giving those iterators `return()` = `close()` lets dynalite's own destroy() path release them, at the
 * natural end of a query as well as when a Limit stops it early. The iterators are dynalite's private
 * dependencies, so they are resolved through dynalite's own module graph, each distinct copy patched once;
 * a future abstract-level that has `return()` is left alone.
 */
export function closeDynaliteIteratorsOnReturn(): number {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  let patched = 0;
  for (const module of abstractLevelCopies(fromDynalite)) {
    for (const Iterator of [
      module.AbstractIterator,
      module.AbstractKeyIterator,
      module.AbstractValueIterator,
    ]) {
      const prototype = Iterator?.prototype as IteratorPrototype | undefined;
      if (!prototype || typeof prototype.close !== 'function' || 'return' in prototype) continue;
      Object.defineProperty(prototype, 'return', {
        value: function closeOnReturn(this: IteratorPrototype) {
          return this.close();
        },
        configurable: true,
        writable: true,
      });
      patched++;
    }
  }
  return patched;
}

interface IteratorPrototype {
  close(): Promise<void>;
}

interface AbstractLevelModule {
  AbstractIterator?: { prototype: unknown };
  AbstractKeyIterator?: { prototype: unknown };
  AbstractValueIterator?: { prototype: unknown };
}

/** abstract-level as each of dynalite's storage backends sees it (one copy when npm deduplicates). */
function abstractLevelCopies(fromDynalite: NodeJS.Require): Set<AbstractLevelModule> {
  const copies = new Set<AbstractLevelModule>();
  const backends = [['memory-level'], ['level'], ['level', 'classic-level']];
  for (const chain of backends) {
    try {
      let resolveFrom = fromDynalite;
      for (const name of chain) resolveFrom = createRequire(resolveFrom.resolve(name));
      copies.add(resolveFrom('abstract-level') as AbstractLevelModule);
    } catch {
      // A backend this dynalite version does not use: nothing to patch there.
    }
  }
  return copies;
}
