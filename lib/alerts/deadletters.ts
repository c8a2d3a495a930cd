/**
 * Notifications that could not be delivered, one record per alert group (pk `alert#deadletter`, sk the
 * group's `<receiver>#<groupKey>`). The group itself stays in the Store and is tried again at its next
 * interval (or at once by `jobwatch deadletters replay`); its record says what failed and how often, and
 * goes as soon as the group is delivered or has nothing left to say.
 */
import type { Store, StoreItem } from '../state/store.js';
import { ignoreWriteConflict, updateWithRetry } from '../state/update.js';
import type { AlertGroupMessage, NotifyResult } from './channels/types.js';

export const DEADLETTER_PK = 'alert#deadletter';
const DEADLETTER_RETENTION_SEC = 14 * 24 * 3600;

export interface DeadLetter {
  receiver: string;
  groupKey: string;
  /** The message that failed: the group's own, or the storm digest it was folded into. */
  message: AlertGroupMessage;
  error: string;
  reason: string;
  attempts: number;
  /** Failed sends in a row. */
  failures: number;
  firstFailedAtMs: number;
  lastFailedAtMs: number;
}

/** Records a failed send for each group it carried (conditional writes: concurrent failures all count). */
export async function recordDeadLetter(
  store: Store,
  input: {
    /** Each group with what it was to be told (its own message, or the digest it was folded into). */
    groups: { sk: string; receiver: string; groupKey: string; message: AlertGroupMessage }[];
    failure: Extract<NotifyResult, { ok: false }>;
    attempts: number;
    nowMs: number;
  },
): Promise<void> {
  await Promise.all(
    input.groups.map(async (group) => {
      await updateWithRetry<DeadLetter, void>(store, { pk: DEADLETTER_PK, sk: group.sk }, (current) => ({
        next: {
          receiver: group.receiver,
          groupKey: group.groupKey,
          message: group.message,
          error: input.failure.error,
          reason: input.failure.reason,
          attempts: input.attempts,
          failures: (current?.data.failures ?? 0) + 1,
          firstFailedAtMs: current?.data.firstFailedAtMs ?? input.nowMs,
          lastFailedAtMs: input.nowMs,
        },
        expiresAtSec: Math.floor(input.nowMs / 1000) + DEADLETTER_RETENTION_SEC,
        result: undefined,
      })).catch(ignoreWriteConflict);
    }),
  );
}

export function listDeadLetters(store: Store): Promise<StoreItem<DeadLetter>[]> {
  return store.query<DeadLetter>(DEADLETTER_PK, { consistent: true });
}

/**
 * Deletes the records of groups that were delivered or have nothing left to say. `known` is a listing
 * taken earlier in the same flush, so a flush with no dead letters costs no writes. Records from before
 * one-per-group (sk `<group>#<message hash>`) are matched by prefix.
 */
export async function clearDeadLetters(
  store: Store,
  known: readonly StoreItem<DeadLetter>[],
  groupSks: readonly string[],
): Promise<number> {
  const cleared = known.filter((item) =>
    groupSks.some((sk) => item.sk === sk || item.sk.startsWith(`${sk}#`)),
  );
  // Only the version listed: a failure recorded since then (a later send) stays.
  await Promise.all(
    cleared.map((item) =>
      store.delete(DEADLETTER_PK, item.sk, { ifVersion: item.version }).catch(() => undefined),
    ),
  );
  return cleared.length;
}
