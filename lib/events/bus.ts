import type { JobwatchEvent } from './schema.js';

/**
 * Where detection publishes events. In AWS: an EventBridge custom bus fanning out to notify and remediate.
 * Locally: an in-process bus with the same at-least-once semantics (a subscriber may see an event twice,
 * so subscribers must be idempotent).
 */
export interface EventBus {
  publish(events: JobwatchEvent[]): Promise<PublishResult>;
}

export interface PublishResult {
  published: number;
  /** Events the bus refused; the caller must dead-letter them, never drop them. */
  failed: { event: JobwatchEvent; reason: string }[];
}
