import type {
  PutEventsCommand,
  PutEventsRequestEntry,
  PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import type { EventBus, PublishResult } from '../events/bus.js';
import { BUS_SOURCE } from '../events/envelope.js';
import type { JobwatchEvent } from '../events/schema.js';

/** https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html: at most 10 entries. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/**
 * 256 KB for one entry and for the entries of one request together, sized as EventBridge sizes them
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
 */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;
/** Entry codes worth one more try: the bus was busy or failed internally. Anything else is final. */
const RETRYABLE_CODES = new Set(['ThrottlingException', 'InternalFailure', 'InternalException']);
const MAX_ATTEMPTS = 3;

/**
 * The SDK is loaded on the first publish, not at cold start: a steady poll publishes nothing, and the
 * handler's import stays free of the EventBridge client (issue 17).
 */
let eventBridgeSdk: Promise<typeof import('@aws-sdk/client-eventbridge')> | undefined;
const loadEventBridgeSdk = () => {
  eventBridgeSdk ??= import('@aws-sdk/client-eventbridge');
  return eventBridgeSdk;
};

/** The one method of the SDK client the bus needs; tests pass a fake at this (AWS SDK) boundary. */
export interface PutEventsSender {
  send(command: PutEventsCommand): Promise<{ FailedEntryCount?: number; Entries?: PutEventsResultEntry[] }>;
}

/**
 * Publishes jobwatch events to an EventBridge custom bus: source `jobwatch`, the CloudEvent type as
 * detail-type, the whole CloudEvent as detail (what `parseEventBridgeEvent` unwraps). Requests hold at most
 * 10 entries and 256 KB; an event too large for any request, an entry EventBridge rejects for good, or a
 * request that fails outright ends in `failed` with a reason, never dropped and never thrown.
 *
 * @example
 * const bus = createEventBridgeBus({ busName: process.env.JOBWATCH_BUS! });
 * const { failed } = await bus.publish(events); // dead-letter `failed`
 */
export function createEventBridgeBus(options: { busName: string; client?: PutEventsSender }): EventBus {
  let client: PutEventsSender | undefined = options.client;
  return {
    async publish(events: JobwatchEvent[]): Promise<PublishResult> {
      const failed: PublishResult['failed'] = [];
      const sendable: { event: JobwatchEvent; entry: PutEventsRequestEntry; bytes: number }[] = [];
      for (const event of events) {
        const entry = toEntry(event, options.busName);
        const bytes = entrySize(entry);
        if (bytes >= PUT_EVENTS_MAX_BYTES)
          failed.push({ event, reason: `event is ${bytes} bytes; EventBridge accepts entries under 256 KB` });
        else sendable.push({ event, entry, bytes });
      }
      let published = 0;
      for (const batch of batches(sendable)) {
        let pending = batch;
        for (let attempt = 1; pending.length > 0; attempt++) {
          const retry: typeof pending = [];
          let results: PutEventsResultEntry[];
          try {
            const sdk = await loadEventBridgeSdk();
            client ??= new sdk.EventBridgeClient({});
            const out = await client.send(new sdk.PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
            results = out.Entries ?? [];
          } catch (error) {
            // The SDK already retried transport errors; what is left fails the whole request.
            const reason = `PutEvents failed: ${(error as Error).name ?? 'Error'}`;
            for (const p of pending) failed.push({ event: p.event, reason });
            break;
          }
          pending.forEach((p, i) => {
            const result = results[i];
            if (result && !result.ErrorCode && result.EventId) {
              published++;
              return;
            }
            const code = result?.ErrorCode ?? 'MissingResult';
            if (RETRYABLE_CODES.has(code) && attempt < MAX_ATTEMPTS) retry.push(p);
            else
              failed.push({
                event: p.event,
                reason: `${code}: ${result?.ErrorMessage ?? 'no result entry'}`,
              });
          });
          pending = retry;
        }
      }
      return { published, failed };
    },
  };
}

function toEntry(event: JobwatchEvent, busName: string): PutEventsRequestEntry {
  return {
    EventBusName: busName,
    Source: BUS_SOURCE,
    DetailType: event.type,
    Detail: JSON.stringify(event),
    Time: new Date(event.time),
  };
}

/** EventBridge's own arithmetic: 14 bytes for Time, UTF-8 bytes of Source, DetailType, Detail, Resources. */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time ? 14 : 0;
  size += Buffer.byteLength(entry.Source ?? '', 'utf8');
  size += Buffer.byteLength(entry.DetailType ?? '', 'utf8');
  size += Buffer.byteLength(entry.Detail ?? '', 'utf8');
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource, 'utf8');
  return size;
}

function batches<T extends { bytes: number }>(items: T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    if (current.length === PUT_EVENTS_MAX_ENTRIES || currentBytes + item.bytes >= PUT_EVENTS_MAX_BYTES) {
      out.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += item.bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}
