/**
 * Every dead letter in the Store, in one place:
 *   - events the bus refused (pk `deadletter#poll`, `deadletter#ingest`): re-published to the bus;
 *   - events a subscriber could not take after the bus's retries (pk `deadletter#notify`,
 *     `deadletter#remediate`): handed to that subscriber again;
 *   - notifications a channel would not accept (pk `alert#deadletter`): their group is retried by the
 *     notifier at each group interval, or at once by an operator.
 * The flush function replays the first two kinds on each run and deletes each event once delivered;
 * `jobwatch deadletters list|replay` shows all three and replays them at once. Parked events are kept as
 * they came (id, times, observedAtMs), so a late replay is judged by its age like any redelivery.
 */
import { GROUP_PK, listDeadLetters, DEADLETTER_PK as NOTIFICATION_DEADLETTER_PK } from '../alerts/index.js';
import type { GroupState } from '../alerts/notifier.js';
import {
  DEADLETTER_PKS,
  type DeadLetterItem,
  describe,
  type PublishDeps,
  replayAllDeadLetters,
} from '../events/publish.js';
import type { JobwatchEvent } from '../events/schema.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../state/store.js';
import { ignoreWriteConflict, updateWithRetry } from '../state/update.js';

export const SUBSCRIBER_DEADLETTER_PKS = {
  notify: 'deadletter#notify',
  remediate: 'deadletter#remediate',
} as const;
export type SubscriberName = keyof typeof SUBSCRIBER_DEADLETTER_PKS;
const DEADLETTER_RETENTION_SEC = 14 * 24 * 3600;
const REPLAY_LIMIT = 100;

export type Deliver = (events: JobwatchEvent[]) => Promise<void>;

export function isSubscriberName(name: string): name is SubscriberName {
  return Object.hasOwn(SUBSCRIBER_DEADLETTER_PKS, name);
}

/** Parks events a subscriber failed on, unchanged, for the flush function to hand back to it. */
export async function parkForSubscriber(
  store: Store,
  subscriber: SubscriberName,
  events: JobwatchEvent[],
  reason: string,
  nowMs: number,
): Promise<void> {
  await store.putMany<DeadLetterItem>(
    events.map((event) => ({
      pk: SUBSCRIBER_DEADLETTER_PKS[subscriber],
      sk: `${event.time}#${event.id}`,
      data: { event, reason, source: subscriber },
      expiresAtSec: Math.floor(nowMs / 1000) + DEADLETTER_RETENTION_SEC,
    })),
  );
}

/**
 * Hands parked events back to their subscriber one at a time, oldest first, deleting each once it was
 * taken: one event that keeps failing stays parked without holding back the others.
 */
export async function redeliverParked(
  deps: { store: Store; logger: Logger },
  subscriber: SubscriberName,
  deliver: Deliver,
): Promise<{ replayed: number; remaining: number }> {
  const items = await deps.store.query<DeadLetterItem>(SUBSCRIBER_DEADLETTER_PKS[subscriber], {
    limit: REPLAY_LIMIT,
    consistent: true,
  });
  let replayed = 0;
  for (const item of items) {
    try {
      await deliver([item.data.event]);
    } catch (error) {
      deps.logger.warn('dead letter redelivery failed', { subscriber, error: describe(error) });
      continue;
    }
    // Only the version delivered: the same event parked again meanwhile stays.
    await deps.store.delete(item.pk, item.sk, { ifVersion: item.version }).catch(() => undefined);
    replayed++;
  }
  return { replayed, remaining: items.length - replayed };
}

export interface ReplayDeps extends PublishDeps {
  /** How each subscriber takes events: in process locally; in AWS, through the bus to its function. */
  deliver: Record<SubscriberName, Deliver>;
}

/** The flush function's second job: events parked by the bus and by subscribers, all delivered again. */
export async function replayEveryDeadLetter(
  deps: ReplayDeps,
): Promise<{ replayed: number; remaining: number }> {
  const results = [await replayAllDeadLetters(deps)];
  for (const subscriber of Object.keys(SUBSCRIBER_DEADLETTER_PKS) as SubscriberName[])
    results.push(await redeliverParked(deps, subscriber, deps.deliver[subscriber]));
  return {
    replayed: results.reduce((n, r) => n + r.replayed, 0),
    remaining: results.reduce((n, r) => n + r.remaining, 0),
  };
}

/** A subscriber reached through the bus (AWS): delivered once the bus took it. */
export function viaBus(bus: PublishDeps['bus']): Deliver {
  return async (events) => {
    const result = await bus.publish(events);
    if (result.failed.length > 0) throw new Error(`bus refused: ${result.failed[0]?.reason}`);
  };
}

export type DeadLetterKind = keyof typeof DEADLETTER_PKS | SubscriberName | 'notification';

/** One dead letter as an operator sees it; no event body, no message text beyond titles. */
export interface DeadLetterRow {
  kind: DeadLetterKind;
  key: string;
  atMs: number;
  subject: string;
  reason: string;
}

export async function listEveryDeadLetter(store: Store): Promise<DeadLetterRow[]> {
  const rows: DeadLetterRow[] = [];
  const eventPks = [...Object.entries(DEADLETTER_PKS), ...Object.entries(SUBSCRIBER_DEADLETTER_PKS)] as [
    DeadLetterKind,
    string,
  ][];
  for (const [kind, pk] of eventPks) {
    for (const item of await store.query<DeadLetterItem>(pk, { consistent: true })) {
      const d = item.data.event.data;
      rows.push({
        kind,
        key: item.sk,
        atMs: item.updatedAtMs,
        subject: `${d.type} ${d.status} ${d.targetId}/${d.resource.name}`,
        reason: item.data.reason,
      });
    }
  }
  for (const item of await listDeadLetters(store)) {
    const m = item.data.message;
    rows.push({
      kind: 'notification',
      key: item.sk,
      atMs: item.data.lastFailedAtMs,
      subject: `${m.receiver} ${m.status}: ${m.firing.length} firing, ${m.resolved.length} resolved`,
      reason: `${item.data.error} (${item.data.failures} failed sends)`,
    });
  }
  return rows.sort((a, b) => a.atMs - b.atMs);
}

/**
 * `deadletters replay` for notifications: makes each undelivered group due now, so the next flush tries
 * it with what it holds now (not the stale message); a record whose group is gone is dropped.
 */
export async function retryNotificationsNow(
  store: Store,
  nowMs: number,
): Promise<{ due: number; obsolete: number }> {
  let due = 0;
  let obsolete = 0;
  for (const letter of await listDeadLetters(store)) {
    const groupSk = `${letter.data.receiver}#${letter.data.groupKey}`;
    const outcome = await updateWithRetry<GroupState, 'due' | 'obsolete'>(
      store,
      { pk: GROUP_PK, sk: groupSk },
      (group) =>
        group ? { next: { ...group.data, nextFlushAtMs: nowMs }, result: 'due' } : { result: 'obsolete' },
    ).catch(ignoreWriteConflict);
    if (outcome === 'due') due++;
    if (outcome === 'obsolete') {
      await store
        .delete(NOTIFICATION_DEADLETTER_PK, letter.sk, { ifVersion: letter.version })
        .catch(() => undefined);
      obsolete++;
    }
  }
  return { due, obsolete };
}
