import { describe, expect, it } from 'vitest';
import { claimGroups, releaseGroups, sendLeaseName } from '../../../lib/alerts/stages/claim.js';
import { recordNotification } from '../../../lib/alerts/stages/dedup.js';
import { GROUP_PK, upsertGroup } from '../../../lib/alerts/stages/group.js';
import { jobEvent, T0 } from '../helpers.js';
import { openMuter, routeOf, storedCandidate, useStore } from './fixtures.js';

const h = useStore();

const claim = (candidates: Awaited<ReturnType<typeof storedCandidate>>[], owner: string) =>
  claimGroups({
    store: h.store,
    candidates,
    owner,
    leaseMs: 60_000,
    now: h.now,
    muter: openMuter(),
    nowMs: T0,
  });

describe('stage claim: claimGroups', () => {
  it('holds a group under its lease, judged on the group as it is now', async () => {
    // Arrange
    const a = jobEvent({ name: 'a' });
    const c = await storedCandidate(h.store, [a]);
    const b = jobEvent({ name: 'b' });
    await upsertGroup(h.store, routeOf(b), [b], T0);
    // Act
    const { held, skipped } = await claim([c], 'me');
    // Assess
    expect(skipped).toEqual([]);
    expect(held[0]?.firing.map((f) => f.fingerprint).sort()).toEqual(
      [a.data.fingerprint, b.data.fingerprint].sort(),
    );
    expect(held[0]?.item.version).toBe(c.item.version + 1);
    expect(await h.store.acquireLease(sendLeaseName(c.item.sk), 'other', 60_000, T0)).toMatchObject({
      acquired: false,
    });
  });

  it('of two concurrent owners only one holds the group; releasing lets the other take it', async () => {
    // Arrange
    const c = await storedCandidate(h.store, [jobEvent({ name: 'a' })]);
    // Act
    const [first, second] = await Promise.all([claim([c], 'one'), claim([c], 'two')]);
    const winner = first?.held.length ? first : second;
    await releaseGroups(h.store, winner?.held ?? [], winner === first ? 'one' : 'two');
    const after = await claim([c], 'three');
    // Assess
    expect((first?.held.length ?? 0) + (second?.held.length ?? 0)).toBe(1);
    expect([...(first?.skipped ?? []), ...(second?.skipped ?? [])].map((s) => s.why)).toEqual([
      'another invocation is sending this group',
    ]);
    expect(after.held).toHaveLength(1);
  });

  it('skips, and releases at once, a group already notified or gone since the flush judged it', async () => {
    // Arrange
    const notified = await storedCandidate(h.store, [jobEvent({ name: 'a' })]);
    await recordNotification(h.store, notified, T0);
    const gone = await storedCandidate(h.store, [jobEvent({ name: 'g', type: 'job.stuck' })]);
    await h.store.delete(GROUP_PK, gone.item.sk);
    // Act
    const { held, skipped } = await claim([notified, gone], 'me');
    // Assess
    expect(held).toEqual([]);
    expect(skipped.map((s) => s.why)).toEqual(['already notified', 'already notified']);
    for (const c of [notified, gone])
      expect(await h.store.acquireLease(sendLeaseName(c.item.sk), 'other', 60_000, T0)).toMatchObject({
        acquired: true,
      });
  });
});
