import type { JobwatchEvent } from '../events/schema.js';
import type { Logger } from '../observability/logger.js';
import type { EventBus } from '../runtime/bus.js';
import { recordRecentEvents } from '../runtime/recent-events.js';
import type { Store } from '../state/store.js';
import { IngestUnavailableError } from './errors.js';

/** Events the bus refused are kept here (Store pk) for replay; a week is enough to notice and act. */
export const INGEST_DEADLETTER_PK = 'deadletter#ingest';
const DEADLETTER_RETENTION_SEC = 14 * 24 * 3600;

export interface DeadLetterItem {
  event: JobwatchEvent;
  reason: string;
  /** The route the event came in through, e.g. `huawei-smn`. */
  source: string;
}

export interface AcceptResult {
  accepted: number;
  published: number;
  /** Accepted but parked in the dead letter: the response is 202, never an error. */
  deferred: number;
}

export interface AcceptDeps {
  bus: EventBus;
  store: Store;
  logger: Logger;
  now: () => number;
}

/**
 * Hands events to the bus; whatever the bus refuses (or everything, if it throws) goes to the dead letter.
 * Only when the dead letter cannot be written either is the request not accepted: that throws a 503 so the
 * sender retries, and the caller must release any replay or dedupe claim it holds.
 */
export async function acceptEvents(
  events: JobwatchEvent[],
  source: string,
  deps: AcceptDeps,
): Promise<AcceptResult> {
  if (events.length === 0) return { accepted: 0, published: 0, deferred: 0 };
  let failed: { event: JobwatchEvent; reason: string }[];
  try {
    failed = (await deps.bus.publish(events)).failed;
  } catch (error) {
    failed = events.map((event) => ({ event, reason: describe(error) }));
  }
  if (failed.length > 0) {
    deps.logger.error('ingest events dead-lettered', {
      source,
      count: failed.length,
      reason: failed[0]?.reason,
    });
    try {
      await deps.store.putMany<DeadLetterItem>(
        failed.map(({ event, reason }) => ({
          pk: INGEST_DEADLETTER_PK,
          sk: `${event.time}#${event.id}`,
          data: { event, reason, source },
          expiresAtSec: Math.floor(deps.now() / 1000) + DEADLETTER_RETENTION_SEC,
        })),
      );
    } catch (error) {
      deps.logger.error('ingest dead letter write failed', { source, error: describe(error) });
      throw new IngestUnavailableError('events could not be delivered or stored', { cause: error });
    }
  }
  const refused = new Set(failed.map((f) => f.event.id));
  const published = events.filter((e) => !refused.has(e.id));
  await recordRecentEvents(deps.store, published).catch((error: unknown) =>
    deps.logger.warn('recent events not recorded', { error: describe(error) }),
  );
  return { accepted: events.length, published: published.length, deferred: failed.length };
}

export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Re-publishes dead-lettered ingest events (oldest first, at most `limit`) and deletes each one the bus
 * took; events the bus refuses again stay parked. Meant for a scheduled function (e.g. flush) or the CLI.
 * Subscribers are idempotent (event ids are deterministic), so a replay racing another is harmless.
 */
export async function replayIngestDeadLetters(
  deps: AcceptDeps,
  options: { limit?: number } = {},
): Promise<{ replayed: number; remaining: number }> {
  const items = await deps.store.query<DeadLetterItem>(INGEST_DEADLETTER_PK, {
    limit: options.limit ?? 100,
    consistent: true,
  });
  if (items.length === 0) return { replayed: 0, remaining: 0 };
  let refused: Set<string>;
  try {
    const result = await deps.bus.publish(items.map((item) => item.data.event));
    refused = new Set(result.failed.map((f) => f.event.id));
  } catch (error) {
    deps.logger.warn('ingest dead letter replay failed', { error: describe(error) });
    return { replayed: 0, remaining: items.length };
  }
  const replayed = items.filter((item) => !refused.has(item.data.event.id));
  // Delete only the version that was replayed: a newer write under the same key stays.
  await Promise.all(
    replayed.map((item) =>
      deps.store.delete(item.pk, item.sk, { ifVersion: item.version }).catch(() => undefined),
    ),
  );
  await recordRecentEvents(
    deps.store,
    replayed.map((item) => item.data.event),
  ).catch(() => undefined);
  return { replayed: replayed.length, remaining: items.length - replayed.length };
}
