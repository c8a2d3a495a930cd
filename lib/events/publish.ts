import type { Logger } from '../observability/logger.js';
import type { Store } from '../state/store.js';
import type { EventBus } from './bus.js';
import { recordRecentEvents } from './recent-events.js';
import type { JobwatchEvent } from './schema.js';

/** Where events the bus refused are parked, by the path they came in on; replayed by the flush function. */
export const DEADLETTER_PKS = { poll: 'deadletter#poll', ingest: 'deadletter#ingest' } as const;
export type DeadLetterPk = (typeof DEADLETTER_PKS)[keyof typeof DEADLETTER_PKS];
const DEADLETTER_RETENTION_SEC = 14 * 24 * 3600;

export interface DeadLetterItem {
  event: JobwatchEvent;
  reason: string;
  /** What published it: a target id for polls, the route (e.g. `huawei-smn`) for ingest. */
  source: string;
}

export interface PublishDeps {
  bus: EventBus;
  store: Store;
  logger: Logger;
  now: () => number;
}

export interface PublishOutcome {
  published: number;
  /** Accepted but parked in the dead letter, to be replayed: never dropped. */
  deferred: number;
}

/** Neither the bus nor the dead letter took the events: the caller must not acknowledge them. */
export class PublishUnavailableError extends Error {
  override name = 'PublishUnavailableError';
}

/**
 * Hands events to the bus; whatever the bus refuses (or everything, if it throws) is parked in the dead
 * letter. Only when the dead letter cannot be written either does it throw, so nothing is lost silently.
 */
export async function publishOrPark(
  events: JobwatchEvent[],
  deps: PublishDeps,
  park: { pk: DeadLetterPk; source: string },
): Promise<PublishOutcome> {
  if (events.length === 0) return { published: 0, deferred: 0 };
  let failed: { event: JobwatchEvent; reason: string }[];
  try {
    failed = (await deps.bus.publish(events)).failed;
  } catch (error) {
    failed = events.map((event) => ({ event, reason: describe(error) }));
  }
  if (failed.length > 0) {
    deps.logger.error('events dead-lettered', {
      source: park.source,
      count: failed.length,
      reason: failed[0]?.reason,
    });
    try {
      await deps.store.putMany<DeadLetterItem>(
        failed.map(({ event, reason }) => ({
          pk: park.pk,
          sk: `${event.time}#${event.id}`,
          data: { event, reason, source: park.source },
          expiresAtSec: Math.floor(deps.now() / 1000) + DEADLETTER_RETENTION_SEC,
        })),
      );
    } catch (error) {
      deps.logger.error('dead letter write failed', { source: park.source, error: describe(error) });
      throw new PublishUnavailableError('events could not be delivered or stored', { cause: error });
    }
  }
  const refused = new Set(failed.map((f) => f.event.id));
  const published = events.filter((e) => !refused.has(e.id));
  await recordRecentEvents(deps.store, published).catch((error: unknown) =>
    deps.logger.warn('recent events not recorded', { error: describe(error) }),
  );
  return { published: published.length, deferred: failed.length };
}

/**
 * Re-publishes parked events (oldest first, at most `limit`) and deletes each one the bus took; events the
 * bus refuses again stay parked. Subscribers are idempotent (event ids are deterministic), so a replay
 * racing another is harmless.
 */
export async function replayDeadLetters(
  deps: PublishDeps,
  options: { pk: DeadLetterPk; limit?: number },
): Promise<{ replayed: number; remaining: number }> {
  const items = await deps.store.query<DeadLetterItem>(options.pk, {
    limit: options.limit ?? 100,
    consistent: true,
  });
  if (items.length === 0) return { replayed: 0, remaining: 0 };
  let refused: Set<string>;
  try {
    const result = await deps.bus.publish(items.map((item) => item.data.event));
    refused = new Set(result.failed.map((f) => f.event.id));
  } catch (error) {
    deps.logger.warn('dead letter replay failed', { pk: options.pk, error: describe(error) });
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

/** Replays every dead letter (poll and ingest): the flush function's second job. */
export async function replayAllDeadLetters(
  deps: PublishDeps,
): Promise<{ replayed: number; remaining: number }> {
  let replayed = 0;
  let remaining = 0;
  for (const pk of Object.values(DEADLETTER_PKS)) {
    const r = await replayDeadLetters(deps, { pk });
    replayed += r.replayed;
    remaining += r.remaining;
  }
  return { replayed, remaining };
}

export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
