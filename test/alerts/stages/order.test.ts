import { describe, expect, it } from 'vitest';
import {
  admitEvents,
  FINGERPRINT_PK,
  type FingerprintRecord,
  ONE_SHOT_PK,
  rememberOneShots,
} from '../../../lib/alerts/stages/order.js';
import { jobEvent, resolvedOf, T0 } from '../helpers.js';
import { restartPerformed, useStore } from './fixtures.js';

const h = useStore();

const ids = (events: { id: string }[]) => events.map((e) => e.id);

describe('stage order: admitEvents', () => {
  it('admits events in delivery order and records the newest per fingerprint', async () => {
    // Arrange
    const firing = jobEvent({ name: 'a', observedAtMs: T0 });
    const resolved = resolvedOf(firing, T0 + 60_000);
    const other = jobEvent({ name: 'b', observedAtMs: T0 });
    // Act
    const admitted = await admitEvents(h.store, [resolved, other, firing], T0);
    // Assess
    expect(ids(admitted)).toEqual(ids([resolved, other, firing]));
    const record = await h.store.get<FingerprintRecord>(FINGERPRINT_PK, firing.data.fingerprint);
    expect(record?.data).toEqual({ status: 'resolved', observedAtMs: T0 + 60_000, eventId: resolved.id });
  });

  it('drops a redelivery older than what was handled, and admits the same event again (idempotent)', async () => {
    // Arrange
    const firing = jobEvent({ name: 'a', observedAtMs: T0 });
    const resolved = resolvedOf(firing, T0 + 60_000);
    await admitEvents(h.store, [resolved], T0 + 60_000);
    // Act
    const late = await admitEvents(h.store, [firing], T0 + 120_000);
    const again = await admitEvents(h.store, [resolved], T0 + 120_000);
    // Assess
    expect(late).toEqual([]);
    expect(ids(again)).toEqual([resolved.id]);
  });

  it('at the same observation a resolve wins over a different firing event', async () => {
    // Arrange
    const firing = jobEvent({ name: 'a', observedAtMs: T0 });
    const resolved = resolvedOf(firing, T0);
    await admitEvents(h.store, [resolved], T0);
    // Act
    const admitted = await admitEvents(h.store, [firing], T0);
    // Assess
    expect(admitted).toEqual([]);
  });

  it('concurrent invocations agree on one order: the newest event is what is recorded', async () => {
    // Arrange
    const firing = jobEvent({ name: 'a', observedAtMs: T0 });
    const steps = Array.from({ length: 6 }, (_, i) =>
      i % 2 === 0 ? jobEvent({ name: 'a', observedAtMs: T0 + i * 1000 }) : resolvedOf(firing, T0 + i * 1000),
    );
    const newest = steps.at(-1);
    // Act
    await Promise.all(steps.map((event) => admitEvents(h.store, [event], T0)));
    // Assess
    const record = await h.store.get<FingerprintRecord>(FINGERPRINT_PK, firing.data.fingerprint);
    expect(record?.data.eventId).toBe(newest?.id);
    expect(await admitEvents(h.store, steps.slice(0, -1), T0)).toEqual([]);
  });

  it('admits a one-shot notification until it was sent, and never records it by fingerprint', async () => {
    // Arrange
    const performed = restartPerformed('a');
    // Act
    const first = await admitEvents(h.store, [performed], T0);
    const beforeSend = await admitEvents(h.store, [performed], T0);
    await rememberOneShots(h.store, [performed, jobEvent({ name: 'b' })], T0);
    const afterSend = await admitEvents(h.store, [performed], T0 + 3_600_000);
    // Assess
    expect(ids(first)).toEqual([performed.id]);
    expect(ids(beforeSend)).toEqual([performed.id]);
    expect(afterSend).toEqual([]);
    expect(await h.store.get(FINGERPRINT_PK, performed.data.fingerprint)).toBeUndefined();
    expect((await h.store.query(ONE_SHOT_PK)).map((i) => i.sk)).toEqual([performed.id]);
  });
});
