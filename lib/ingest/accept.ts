import {
  DEADLETTER_PKS,
  type DeadLetterItem,
  type PublishDeps,
  PublishUnavailableError,
  publishOrPark,
  replayDeadLetters,
} from '../events/publish.js';
import type { JobwatchEvent } from '../events/schema.js';
import { IngestUnavailableError } from './errors.js';

export const INGEST_DEADLETTER_PK = DEADLETTER_PKS.ingest;
export type { DeadLetterItem };
export type AcceptDeps = PublishDeps;

export interface AcceptResult {
  accepted: number;
  published: number;
  /** Accepted but parked in the dead letter: the response is 202, never an error. */
  deferred: number;
}

/**
 * Hands inbound events to the bus, parking what it refuses. Only when the dead letter cannot be written
 * either is the request not accepted: that throws a 503 so the sender retries, and the caller must release
 * any replay or dedupe claim it holds.
 */
export async function acceptEvents(
  events: JobwatchEvent[],
  source: string,
  deps: AcceptDeps,
): Promise<AcceptResult> {
  try {
    const outcome = await publishOrPark(events, deps, { pk: DEADLETTER_PKS.ingest, source });
    return { accepted: events.length, ...outcome };
  } catch (error) {
    if (error instanceof PublishUnavailableError)
      throw new IngestUnavailableError('events could not be delivered or stored', { cause: error });
    throw error;
  }
}

/** Re-publishes dead-lettered ingest events; see replayDeadLetters. */
export function replayIngestDeadLetters(deps: AcceptDeps, options: { limit?: number } = {}) {
  return replayDeadLetters(deps, { pk: DEADLETTER_PKS.ingest, ...options });
}

export { describe } from '../events/publish.js';
