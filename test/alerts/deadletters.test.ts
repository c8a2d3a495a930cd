import { describe, expect, it } from 'vitest';
import { createNotifier, DEADLETTER_PK, type DeadLetter, GROUP_PK } from '../../lib/alerts/index.js';
import { CHANNEL_CONFIGS, configWith, jobEvent, resolvedOf, useSinkAndStore } from './helpers.js';

const h = useSinkAndStore();

const ROUTE = { receiver: 'webhook', groupWaitSeconds: 30, groupIntervalSeconds: 300 };

function notifier(route: Record<string, unknown> = {}) {
  return createNotifier({
    config: configWith({ channels: [CHANNEL_CONFIGS.webhook], route: { ...ROUTE, ...route } }),
    ...h.notifierDeps(),
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
  });
}

const deadLetters = () => h.store.query<DeadLetter>(DEADLETTER_PK, { consistent: true });

describe('notification dead letters', () => {
  it('are cleared once a later send of the group goes through', async () => {
    h.sink.failNext('webhook', 4, 503);
    const n = notifier();
    await n.handle([jobEvent({ name: 'a' })]);
    h.nowMs += 30_000;
    expect(await n.flush()).toMatchObject({ sent: 0, deadLettered: 1 });
    expect((await deadLetters()).map((d) => d.data.message.firing.map((f) => f.resourceName))).toEqual([
      ['a'],
    ]);

    h.nowMs += 300_000;
    expect(await n.flush()).toMatchObject({ sent: 1, deadLettered: 0 });
    expect(await deadLetters()).toEqual([]);
  });

  it('count failures in a row, and are cleared when the group has nothing left to say', async () => {
    h.sink.failNext('webhook', 8, 503);
    const n = notifier();
    const a = jobEvent({ name: 'a' });
    await n.handle([a]);
    h.nowMs += 30_000;
    await n.flush();
    h.nowMs += 300_000;
    await n.flush();
    expect((await deadLetters()).map((d) => d.data.failures)).toEqual([2]);

    // Resolved before the receiver ever heard of it: nothing to send, nothing left undelivered.
    await n.handle([resolvedOf(a, h.nowMs)]);
    h.nowMs += 300_000;
    expect((await n.flush()).sent).toBe(0);
    expect(await deadLetters()).toEqual([]);
    expect(await h.store.query(GROUP_PK, { consistent: true })).toEqual([]);
  });

  it('record each group of a failed storm digest, and clear them all once delivered', async () => {
    h.sink.failNext('webhook', 100, 503);
    const n = notifier({ groupBy: ['...'], stormCap: 2 });
    await n.handle(['a', 'b', 'c'].map((name) => jobEvent({ name })));
    h.nowMs += 30_000;
    expect(await n.flush()).toMatchObject({ sent: 0, deadLettered: 2 });
    const letters = await deadLetters();
    expect(letters).toHaveLength(3);
    expect(letters.every((d) => d.data.message.firing.length === 1)).toBe(true);

    h.sink.clear();
    h.nowMs += 300_000;
    expect((await n.flush()).sent).toBe(2);
    expect(await deadLetters()).toEqual([]);
  });
});
