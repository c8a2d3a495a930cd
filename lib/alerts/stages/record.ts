/**
 * Stage "record" (flush, after a send that went out, or was quietly not needed): each group's log entry
 * (so the next flush knows what its receiver was told), the one-shots it carried, its timer and the
 * alerts it is done with, and the dead letters it leaves behind.
 */
import type { Store, StoreItem } from '../../state/store.js';
import { clearDeadLetters, type DeadLetter } from '../deadletters.js';
import { type Candidate, recordNotification } from './dedup.js';
import { advanceGroup, type GroupState, handledBySend, resolvedHandled } from './group.js';
import { rememberOneShots } from './order.js';

export async function recordDelivered(input: {
  store: Store;
  held: readonly Candidate[];
  /** Folded into the storm digest: logged as `digest` whatever each group's own reason. */
  digest: boolean;
  /** The dead-letter listing of this flush. */
  undelivered: readonly StoreItem<DeadLetter>[];
  nowMs: number;
}): Promise<void> {
  const { store, nowMs } = input;
  for (const c of input.held) {
    await recordNotification(store, { ...c, reason: input.digest ? 'digest' : c.reason }, nowMs);
    await rememberOneShots(
      store,
      Object.values(c.item.data.alerts).map((a) => a.event),
      nowMs,
    );
    await advanceGroup(store, c.item.sk, handledBySend(c.item.data), nowMs + c.route.options.groupIntervalMs);
  }
  await clearDeadLetters(
    store,
    input.undelivered,
    input.held.map((c) => c.item.sk),
  );
}

/**
 * A due group with nothing to say (all muted, resolved before its first send, nothing new): its timer
 * moves on, resolved alerts the log no longer needs go, and what failed to go out earlier is no longer
 * news (resolved before it was ever delivered, or muted since).
 */
export async function recordNothingToSay(input: {
  store: Store;
  item: StoreItem<GroupState>;
  undelivered: readonly StoreItem<DeadLetter>[];
  nextFlushAtMs: number;
}): Promise<void> {
  const { store, item } = input;
  await advanceGroup(store, item.sk, resolvedHandled(item.data), input.nextFlushAtMs);
  await clearDeadLetters(store, input.undelivered, [item.sk]);
}
