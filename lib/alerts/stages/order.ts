/**
 * Stage "order" (ingest, first): which delivered events are news. Delivery is at least once and out of
 * order (redeliveries, replays of dead letters), so per fingerprint only events not older than the one
 * already handled pass, and a one-shot notification (a remediation decision) passes until it was sent.
 */

import { isDecision } from '../../events/payloads.js';
import type { JobwatchEvent } from '../../events/schema.js';
import type { Store } from '../../state/store.js';
import { updateWithRetry } from '../../state/update.js';

/** Ids of one-shot notifications already sent, so redeliveries are not sent again. */
export const ONE_SHOT_PK = 'alert#oneshot';
/**
 * The latest event handled per fingerprint (status, observation time, id), so a redelivered or replayed
 * event older than what was already handled is ignored even after its group was sent and forgotten.
 */
export const FINGERPRINT_PK = 'alert#fingerprint';
/**
 * What the notifier remembers per fingerprint and per sent one-shot: well beyond any redelivery, the
 * 14-day dead-letter retention and a replay of those dead letters.
 */
export const ORDERING_RETENTION_SEC = 30 * 24 * 3600;

/** The latest event the notifier accepted for one fingerprint: pk `alert#fingerprint`, sk the fingerprint. */
export interface FingerprintRecord {
  status: JobwatchEvent['data']['status'];
  observedAtMs: number;
  eventId: string;
}

/**
 * When jobwatch observed an event: detection's poll clock (`observedAtMs`), else the event time (webhook
 * ingest, older producers). Never the vendor's failure time alone, which lies before a resolve seen earlier.
 */
export const observedAt = (event: JobwatchEvent) => event.data.observedAtMs ?? Date.parse(event.time);

/**
 * Whether `event` is older than what was already handled for its fingerprint. At the same observation a
 * resolve wins over a different firing event; the same event again is not older (ingest is idempotent).
 */
export function isStale(event: JobwatchEvent, handled: FingerprintRecord | undefined): boolean {
  if (!handled) return false;
  const atMs = observedAt(event);
  if (atMs !== handled.observedAtMs) return atMs < handled.observedAtMs;
  return event.id !== handled.eventId && handled.status === 'resolved';
}

/** Oldest first; at the same observation a resolve counts as the later event (it wins, as in `isStale`). */
export const byObservation = (a: JobwatchEvent, b: JobwatchEvent) =>
  observedAt(a) - observedAt(b) ||
  (a.data.status === b.data.status ? 0 : a.data.status === 'resolved' ? 1 : -1);

/**
 * The events of `incoming` that are news, in their delivery order: one-shots not sent before, and the
 * rest not older than what was handled for their fingerprint. Records the newest admitted event per
 * fingerprint (conditional writes, so concurrent invocations agree on one order).
 */
export async function admitEvents(
  store: Store,
  incoming: readonly JobwatchEvent[],
  nowMs: number,
): Promise<JobwatchEvent[]> {
  const oneShots = incoming.filter((e) => isDecision(e.data.type));
  const alreadySent = new Set(
    oneShots.length === 0
      ? []
      : (await store.getMany(oneShots.map((e) => ({ pk: ONE_SHOT_PK, sk: e.id })))).map((item) => item.sk),
  );
  const inOrder = await admitInOrder(
    store,
    incoming.filter((e) => !isDecision(e.data.type)),
    nowMs,
  );
  return incoming.filter((e) => (isDecision(e.data.type) ? !alreadySent.has(e.id) : inOrder.has(e)));
}

async function admitInOrder(
  store: Store,
  events: readonly JobwatchEvent[],
  nowMs: number,
): Promise<Set<JobwatchEvent>> {
  const byFingerprint = new Map<string, JobwatchEvent[]>();
  for (const event of events) {
    const list = byFingerprint.get(event.data.fingerprint) ?? [];
    list.push(event);
    byFingerprint.set(event.data.fingerprint, list);
  }
  const admitted = new Set<JobwatchEvent>();
  if (byFingerprint.size === 0) return admitted;
  const records = await store.getMany<FingerprintRecord>(
    [...byFingerprint.keys()].map((sk) => ({ pk: FINGERPRINT_PK, sk })),
    { consistent: true },
  );
  const recordOf = new Map(records.map((r) => [r.sk, r]));
  const expiresAtSec = Math.floor(nowMs / 1000) + ORDERING_RETENTION_SEC;
  await Promise.all(
    [...byFingerprint].map(async ([fp, list]) => {
      list.sort(byObservation);
      const fresh = await updateWithRetry<FingerprintRecord, JobwatchEvent[]>(
        store,
        { pk: FINGERPRINT_PK, sk: fp },
        (current) => {
          const fresh = list.filter((e) => !isStale(e, current?.data));
          const newest = fresh.at(-1);
          if (!newest || current?.data.eventId === newest.id) return { result: fresh };
          const record: FingerprintRecord = {
            status: newest.data.status,
            observedAtMs: observedAt(newest),
            eventId: newest.id,
          };
          return { next: record, expiresAtSec, result: fresh };
        },
        { known: { item: recordOf.get(fp) } },
      );
      for (const event of fresh) admitted.add(event);
    }),
  );
  return admitted;
}

/**
 * One-shot notifications leave their group once sent, so a late redelivery of the same event could open
 * it again; a short-lived record of each sent one-shot id makes `admitEvents` ignore it.
 */
export async function rememberOneShots(
  store: Store,
  events: readonly JobwatchEvent[],
  nowMs: number,
): Promise<void> {
  const ids = events.filter((e) => isDecision(e.data.type)).map((e) => e.id);
  await store.putMany(
    ids.map((id) => ({
      pk: ONE_SHOT_PK,
      sk: id,
      data: { sentAtMs: nowMs },
      expiresAtSec: Math.floor(nowMs / 1000) + ORDERING_RETENTION_SEC,
    })),
  );
}
