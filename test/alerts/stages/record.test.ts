import { describe, expect, it } from 'vitest';
import { DEADLETTER_PK, type DeadLetter, listDeadLetters } from '../../../lib/alerts/deadletters.js';
import { recordUndelivered } from '../../../lib/alerts/stages/deadletter.js';
import { type Candidate, readLogEntry } from '../../../lib/alerts/stages/dedup.js';
import { GROUP_PK, type GroupState, upsertGroup } from '../../../lib/alerts/stages/group.js';
import { groupMessage } from '../../../lib/alerts/stages/message.js';
import { ONE_SHOT_PK } from '../../../lib/alerts/stages/order.js';
import { recordDelivered, recordNothingToSay } from '../../../lib/alerts/stages/record.js';
import { jobEvent, resolvedOf, T0 } from '../helpers.js';
import { restartPerformed, routeOf, storedCandidate, useStore } from './fixtures.js';

const h = useStore();

const failure = { ok: false as const, retry: true, reason: 'server-error' as const, error: 'webhook: 503' };

const performed = () => restartPerformed('a');

describe('stage deadletter: recordUndelivered', () => {
  it('records each group with its message, counts failures in a row, and tries again at the next interval', async () => {
    // Arrange
    const c = await storedCandidate(h.store, [jobEvent({ name: 'a' })]);
    const message = groupMessage(c, true, T0);
    const input = { store: h.store, held: [c], messageOf: () => message, failure, attempts: 4, nowMs: T0 };
    // Act
    await recordUndelivered(input);
    await recordUndelivered({ ...input, nowMs: T0 + 300_000 });
    // Assess
    const letter = await h.store.get<DeadLetter>(DEADLETTER_PK, c.item.sk);
    expect(letter?.data).toMatchObject({
      receiver: 'webhook',
      groupKey: c.item.data.groupKey,
      error: 'webhook: 503',
      reason: 'server-error',
      attempts: 4,
      failures: 2,
      firstFailedAtMs: T0,
      lastFailedAtMs: T0 + 300_000,
    });
    expect(letter?.data.message).toEqual(message);
    const group = await h.store.get<GroupState>(GROUP_PK, c.item.sk);
    expect(group?.data.nextFlushAtMs).toBe(T0 + 300_000 + 300_000);
    expect(await readLogEntry(h.store, c.item.data)).toBeUndefined();
  });
});

describe('stage record: recordDelivered and recordNothingToSay', () => {
  /** The held group failed its one send at T0 (the message of `sent`): it has a dead letter. */
  const deadLetter = (held: Candidate, sent: Candidate = held) =>
    recordUndelivered({
      store: h.store,
      held: [held],
      messageOf: () => groupMessage(sent, true, T0),
      failure,
      attempts: 1,
      nowMs: T0,
    });

  it('logs what was told, remembers one-shots, drops what the send dealt with, and clears dead letters', async () => {
    // Arrange
    const a = jobEvent({ name: 'a', observedAtMs: T0 });
    const decision = performed();
    const c = await storedCandidate(h.store, [a, jobEvent({ name: 'b' }), decision]);
    await upsertGroup(h.store, routeOf(a), [resolvedOf(a, T0 + 1000)], T0);
    const item = await h.store.get<GroupState>(GROUP_PK, c.item.sk);
    const held = { ...c, item: item ?? c.item };
    await deadLetter(held, c);
    // Act
    await recordDelivered({
      store: h.store,
      held: [held],
      digest: true,
      undelivered: await listDeadLetters(h.store),
      nowMs: T0 + 60_000,
    });
    // Assess
    expect((await readLogEntry(h.store, c.item.data))?.data.reason).toBe('digest');
    expect((await h.store.query(ONE_SHOT_PK)).map((i) => i.sk)).toEqual([decision.id]);
    const group = await h.store.get<GroupState>(GROUP_PK, c.item.sk);
    expect(Object.values(group?.data.alerts ?? {}).map((s) => s.event.data.resource.name)).toEqual(['b']);
    expect(group?.data.nextFlushAtMs).toBe(T0 + 60_000 + 300_000);
    expect(await listDeadLetters(h.store)).toEqual([]);
  });

  it('a group with nothing to say moves its timer, forgets its resolved alerts and its dead letter', async () => {
    // Arrange
    const a = jobEvent({ name: 'a', observedAtMs: T0 });
    const c = await storedCandidate(h.store, [a]);
    await deadLetter(c);
    await upsertGroup(h.store, routeOf(a), [resolvedOf(a, T0 + 1000)], T0);
    const item = (await h.store.get<GroupState>(GROUP_PK, c.item.sk)) ?? c.item;
    // Act
    await recordNothingToSay({
      store: h.store,
      item,
      undelivered: await listDeadLetters(h.store),
      nextFlushAtMs: T0 + 900_000,
    });
    // Assess
    expect(await h.store.get(GROUP_PK, c.item.sk)).toBeUndefined();
    expect(await listDeadLetters(h.store)).toEqual([]);
  });
});
