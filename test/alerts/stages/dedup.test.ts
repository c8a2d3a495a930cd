import { describe, expect, it } from 'vitest';
import type { Ack } from '../../../lib/alerts/acks.js';
import type { NotificationLogEntry } from '../../../lib/alerts/dedup.js';
import {
  evaluateGroup,
  nlogPk,
  readLogEntries,
  readLogEntry,
  recordNotification,
} from '../../../lib/alerts/stages/dedup.js';
import { type GroupState, mergeIntoGroup } from '../../../lib/alerts/stages/group.js';
import type { FlushMuter } from '../../../lib/alerts/stages/mute.js';
import type { JobwatchEvent } from '../../../lib/events/schema.js';
import { jobEvent, resolvedOf, T0 } from '../helpers.js';
import { groupOf, openMuter, routeOf, storedCandidate, useStore } from './fixtures.js';

const h = useStore();

const judge = (
  group: GroupState,
  entry?: NotificationLogEntry,
  muter: FlushMuter = openMuter(),
  nowMs = T0,
) => evaluateGroup({ group, entry, muter, sendResolved: true, repeatIntervalMs: 3_600_000, nowMs });

const logOf = (firing: JobwatchEvent[], sentAtMs = T0): NotificationLogEntry => ({
  firing: firing.map((e) => e.data.fingerprint),
  resolved: [],
  sentAtMs,
  reason: 'first',
});

describe('stage dedup: evaluateGroup', () => {
  const warn = jobEvent({ name: 'w', severity: 'warning', startsAtMs: T0 - 1000 });
  const crit = jobEvent({ name: 'c', severity: 'critical', startsAtMs: T0 });
  const muted = jobEvent({ name: 'm' });

  it('lists firing alerts most severe first, counts the muted ones, and says first', () => {
    // Arrange
    const muter: FlushMuter = {
      mutes: (a) => (a.fingerprint === muted.data.fingerprint ? { by: 'silence', detail: 's' } : undefined),
      acks: new Map(),
    };
    // Act
    const verdict = judge(groupOf([warn, muted, crit]), undefined, muter);
    // Assess
    expect(verdict.reason).toBe('first');
    expect(verdict.firing.map((a) => a.fingerprint)).toEqual([crit.data.fingerprint, warn.data.fingerprint]);
    expect(verdict.suppressed).toBe(1);
  });

  it('is news for a new firing alert and for a resolution the receiver was told about, not otherwise', () => {
    // Arrange
    const told = logOf([warn, crit]);
    const other = jobEvent({ name: 'unknown-before' });
    const group = groupOf([warn, crit, other]);
    const resolvedGroup = mergeIntoGroup(
      groupOf([warn, crit]),
      routeOf(warn),
      [resolvedOf(crit, T0 + 1)],
      T0,
    );
    const strangerResolved = mergeIntoGroup(
      group,
      routeOf(warn),
      [resolvedOf(other, T0 + 1)],
      T0,
    ) as GroupState;
    // Act / Assess
    expect(judge(group, told).reason).toBe('new-firing');
    expect(judge(groupOf([warn, crit]), told).reason).toBeUndefined();
    expect(judge(resolvedGroup as GroupState, told).reason).toBe('new-resolved');
    expect(judge(resolvedGroup as GroupState, told).resolved.map((a) => a.fingerprint)).toEqual([
      crit.data.fingerprint,
    ]);
    expect(judge(strangerResolved, logOf([warn, crit])).resolved).toEqual([]);
  });

  it('repeats after the repeat interval, unless every firing alert is acknowledged', () => {
    // Arrange
    const group = groupOf([crit]);
    const ack = { fingerprint: crit.data.fingerprint, startsAtMs: T0, untilMs: T0 + 7_200_000 } as Ack;
    // Act / Assess
    expect(judge(group, logOf([crit]), openMuter(), T0 + 3_599_999).reason).toBeUndefined();
    expect(judge(group, logOf([crit]), openMuter(), T0 + 3_600_000).reason).toBe('repeat');
    expect(
      judge(group, logOf([crit]), openMuter(new Map([[ack.fingerprint, ack]])), T0 + 3_600_000).reason,
    ).toBeUndefined();
  });
});

describe('stage dedup: the notification log (store)', () => {
  it('records what was told, kept for the repeat interval plus retention, and reads it back one by one or in bulk', async () => {
    // Arrange
    const firing = jobEvent({ name: 'a' });
    const c = await storedCandidate(h.store, [firing]);
    // Act
    await recordNotification(h.store, { ...c, reason: 'digest' }, T0 + 5000);
    const one = await readLogEntry(h.store, c.item.data);
    const bulk = await readLogEntries(h.store, [c.item]);
    // Assess
    expect(one?.pk).toBe(nlogPk('webhook'));
    expect(one?.data).toEqual({
      firing: [firing.data.fingerprint],
      resolved: [],
      sentAtMs: T0 + 5000,
      reason: 'digest',
    });
    expect(one?.expiresAtSec).toBe(Math.floor((T0 + 5000 + 4 * 3_600_000) / 1000) + 5 * 24 * 3600);
    expect(bulk(c.item.data)?.data).toEqual(one?.data);
    expect(bulk({ ...c.item.data, groupKey: 'other' })).toBeUndefined();
  });
});
