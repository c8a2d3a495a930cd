import type { EventBus, PublishResult } from '../events/bus.js';
import type { JobwatchEvent } from '../events/schema.js';
import type { Logger } from '../observability/logger.js';

export interface Subscriber {
  name: string;
  /** The rule of an EventBridge target: which events this subscriber receives. */
  accepts(event: JobwatchEvent): boolean;
  deliver(events: JobwatchEvent[]): Promise<void>;
}

export interface LocalBusOptions {
  subscribers: Subscriber[];
  logger: Logger;
  maxAttempts?: number;
  retryDelayMs?: number;
  /** Deliver every batch twice, to prove subscribers are idempotent (at-least-once, like EventBridge). */
  duplicateDeliveries?: boolean;
  onDeadLetter?: (subscriber: string, events: JobwatchEvent[], reason: string) => Promise<void>;
}

/**
 * The local stand-in for the EventBridge fan-out: publish() returns once events are accepted; each
 * subscriber gets them asynchronously, retried on failure, dead-lettered after the last attempt.
 */
export class LocalBus implements EventBus {
  private inFlight = new Set<Promise<void>>();

  constructor(private readonly options: LocalBusOptions) {}

  async publish(events: JobwatchEvent[]): Promise<PublishResult> {
    for (const subscriber of this.options.subscribers) {
      const accepted = events.filter((e) => subscriber.accepts(e));
      if (accepted.length === 0) continue;
      const copies = this.options.duplicateDeliveries ? 2 : 1;
      for (let i = 0; i < copies; i++) this.track(this.deliver(subscriber, accepted));
    }
    return { published: events.length, failed: [] };
  }

  /** Resolves when every delivery, including those triggered by deliveries, has finished. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  /**
   * Parks what a subscriber could not take. When parking fails too (the store is down or closing), the
   * events are lost and the log says so: a rejection here would be unhandled and end the process.
   */
  private async deadLetter(subscriber: string, events: JobwatchEvent[], reason: string): Promise<void> {
    try {
      await this.options.onDeadLetter?.(subscriber, events, reason);
    } catch (error) {
      this.options.logger.error('dead letter not written; the events are lost', {
        subscriber,
        events: events.map((e) => e.id),
        reason,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
  }

  private async deliver(subscriber: Subscriber, events: JobwatchEvent[]): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    const maxAttempts = this.options.maxAttempts ?? 3;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        await subscriber.deliver(events);
        return;
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        this.options.logger.warn('subscriber failed', { subscriber: subscriber.name, attempt, reason });
        if (attempt === maxAttempts) {
          await this.deadLetter(subscriber.name, events, reason);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, (this.options.retryDelayMs ?? 200) * attempt));
      }
    }
  }
}
