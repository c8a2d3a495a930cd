/**
 * The one read-modify-write loop with optimistic concurrency: read the item, let `decide` say what it
 * becomes, write it on condition that nobody wrote in between (`ifVersion`, or `ifAbsent` for a new item),
 * and on a lost race read again and decide again. Every module that keeps shared state in the Store
 * (alert groups, fingerprint order, dead letters, remediation records) goes through here, so concurrent
 * and repeated invocations converge on one state the same way everywhere.
 */
import { ConditionFailedError, type Store, type StoreItem } from './store.js';

/** Lost races tolerated before giving up; far beyond what concurrent invocations of one item produce. */
export const DEFAULT_MAX_WRITE_ATTEMPTS = 10;

/** What `decide` wants done with the item, and what the update returns once done. */
export interface UpdateDecision<T, R> {
  /** The data to write; without it (and without `remove`) the item is left as it is. */
  next?: T;
  /** The written item's TTL (epoch seconds); a write without one clears an earlier TTL. */
  expiresAtSec?: number;
  /** Delete the item (when it exists) instead of writing it. */
  remove?: boolean;
  result: R;
}

export interface UpdateOptions<T> {
  /** Lost races before WriteConflictError (default DEFAULT_MAX_WRITE_ATTEMPTS). */
  maxAttempts?: number;
  /** The item as the caller already read it (consistently), to save the first read. */
  known?: { item: StoreItem<T> | undefined };
}

/** Still losing the race after `maxAttempts` writes; `existing` is the item that won the last one. */
export class WriteConflictError<T = unknown> extends ConditionFailedError<T> {
  override name = 'WriteConflictError';
  constructor(
    readonly pk: string,
    readonly sk: string,
    readonly attempts: number,
    last: ConditionFailedError<T>,
  ) {
    super(`${pk} ${sk}: too many concurrent writes (${attempts} attempts)`, last.existing, { cause: last });
  }
}

/**
 * Reads `pk`/`sk` (consistently), calls `decide` with the item (or undefined) and applies its decision with
 * a conditional write; when someone else wrote first, reads again and calls `decide` again, so `decide`
 * must be a pure function of the item it is given. Returns the result of the decision that was applied.
 * Throws WriteConflictError after `maxAttempts` lost races.
 *
 * @example
 * const total = await updateWithRetry<{ n: number }, number>(store, { pk: 'counter', sk: 'c' }, (item) => {
 *   const n = (item?.data.n ?? 0) + 1;
 *   return { next: { n }, result: n };
 * });
 */
export async function updateWithRetry<T, R>(
  store: Store,
  key: { pk: string; sk: string },
  decide: (current: StoreItem<T> | undefined) => UpdateDecision<T, R>,
  options: UpdateOptions<T> = {},
): Promise<R> {
  const { pk, sk } = key;
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_WRITE_ATTEMPTS);
  const read = () => store.get<T>(pk, sk, { consistent: true });
  let current = options.known ? options.known.item : await read();
  for (let attempt = 1; ; attempt++) {
    const decision = decide(current);
    try {
      if (decision.remove) {
        if (current) await store.delete(pk, sk, { ifVersion: current.version });
      } else if (decision.next !== undefined) {
        await store.put(
          {
            pk,
            sk,
            data: decision.next,
            ...(decision.expiresAtSec === undefined ? {} : { expiresAtSec: decision.expiresAtSec }),
          },
          current ? { ifVersion: current.version } : { ifAbsent: true },
        );
      }
      return decision.result;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      if (attempt >= maxAttempts) throw new WriteConflictError<T>(pk, sk, attempt, error);
      // A read, not the failure's copy of the item: it hides an item past its TTL, as every reader does.
      current = await read();
    }
  }
}

/** For updates that may lose: the writers that won leave the item in a state as good (a `.catch` handler). */
export function ignoreWriteConflict(error: unknown): undefined {
  if (error instanceof WriteConflictError) return undefined;
  throw error;
}
