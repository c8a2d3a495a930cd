import { describe, expect, it } from 'vitest';
import { buildEvent } from '../../lib/events/index.js';
import { silentLogger } from '../../lib/observability/logger.js';
import { LocalBus } from '../../lib/runtime/local-bus.js';

const event = (status: 'firing' | 'resolved') =>
  buildEvent({
    type: 'job.failed',
    provider: 'alibaba-blink',
    targetId: 't',
    region: 'cn-hangzhou',
    resource: { key: 'k', kind: 'job', name: 'j', vendorId: 'j', scope: { kind: 'project', id: 'p' } },
    severity: 'critical',
    status,
    title: 'x',
    summary: 'x',
    startsAtMs: 1_000,
    ...(status === 'resolved' ? { endsAtMs: 2_000 } : {}),
  });

describe('LocalBus', () => {
  it('fans out to every subscriber whose rule accepts the event', async () => {
    const seen: Record<string, string[]> = { all: [], firing: [] };
    const bus = new LocalBus({
      logger: silentLogger,
      subscribers: [
        {
          name: 'all',
          accepts: () => true,
          deliver: async (es) => void seen.all!.push(...es.map((e) => e.data.status)),
        },
        {
          name: 'firing',
          accepts: (e) => e.data.status === 'firing',
          deliver: async (es) => void seen.firing!.push(...es.map((e) => e.data.status)),
        },
      ],
    });
    expect(await bus.publish([event('firing'), event('resolved')])).toEqual({ published: 2, failed: [] });
    await bus.drain();
    expect(seen).toEqual({ all: ['firing', 'resolved'], firing: ['firing'] });
  });

  it('retries a failing subscriber, then dead-letters with the reason', async () => {
    let calls = 0;
    const dead: string[] = [];
    const bus = new LocalBus({
      logger: silentLogger,
      retryDelayMs: 1,
      maxAttempts: 3,
      subscribers: [
        {
          name: 'flaky',
          accepts: () => true,
          deliver: async () => {
            calls++;
            throw new Error('channel down');
          },
        },
      ],
      onDeadLetter: async (name, events, reason) => void dead.push(`${name}:${events.length}:${reason}`),
    });
    await bus.publish([event('firing')]);
    await bus.drain();
    expect(calls).toBe(3);
    expect(dead).toEqual(['flaky:1:Error: channel down']);
  });

  it('a dead letter that cannot be written is logged with the lost events, not thrown from the delivery', async () => {
    const errors: unknown[][] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const lost = event('firing');
      const bus = new LocalBus({
        logger: { ...silentLogger, error: (...args: unknown[]) => void errors.push(args) },
        retryDelayMs: 1,
        maxAttempts: 1,
        subscribers: [
          { name: 'notify', accepts: () => true, deliver: () => Promise.reject(new Error('down')) },
        ],
        onDeadLetter: () => Promise.reject(new Error('Database is closed')),
      });
      await bus.publish([lost]);
      await bus.drain();
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(errors).toEqual([
        [
          'dead letter not written; the events are lost',
          {
            subscriber: 'notify',
            events: [lost.id],
            reason: 'Error: down',
            error: 'Error: Database is closed',
          },
        ],
      ]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('can deliver everything twice, as an at-least-once bus may', async () => {
    let deliveries = 0;
    const bus = new LocalBus({
      logger: silentLogger,
      duplicateDeliveries: true,
      subscribers: [{ name: 's', accepts: () => true, deliver: async () => void deliveries++ }],
    });
    await bus.publish([event('firing')]);
    await bus.drain();
    expect(deliveries).toBe(2);
  });
});
