import type { Store } from '../state/store.js';
import type { JobwatchEvent } from './schema.js';

const PK = 'events#recent';
const RETENTION_SEC = 7 * 24 * 3600;

/**
 * Keeps published events for a week, for the operator API and `jobwatch events`, in the order jobwatch
 * observed them: a failure the vendor dates days back, seen now, is recent (and kept a week from now).
 */
export async function recordRecentEvents(store: Store, events: JobwatchEvent[]): Promise<void> {
  if (events.length === 0) return;
  await store.putMany(
    events.map((event) => {
      const atMs = event.data.observedAtMs ?? Date.parse(event.time);
      return {
        pk: PK,
        sk: `${String(atMs).padStart(15, '0')}#${event.id}`,
        data: event,
        expiresAtSec: Math.floor(atMs / 1000) + RETENTION_SEC,
      };
    }),
  );
}

/** Newest first. */
export async function listRecentEvents(
  store: Store,
  options: { limit?: number } = {},
): Promise<JobwatchEvent[]> {
  const items = await store.query<JobwatchEvent>(PK, { descending: true, limit: options.limit ?? 100 });
  return items.map((item) => item.data);
}
