/**
 * Stage "dedup" (flush; AM `notify/dedup_stage.go`): what a group would say now (its firing alerts not
 * muted, resolutions of alerts its receiver was told about) and whether that is news against the
 * notification log (pk `alert#nlog#<receiver>`, sk the group key); and, once sent, the log entry.
 */
import type { Store, StoreItem } from '../../state/store.js';
import { covers } from '../acks.js';
import type { AlertView, Channel } from '../channels/types.js';
import { type DedupReason, type NotificationLogEntry, needsUpdate } from '../dedup.js';
import type { CompiledRoute } from '../route.js';
import { alertLabels } from '../silences.js';
import { toAlertView } from '../view.js';
import type { GroupState } from './group.js';
import type { FlushMuter } from './mute.js';

export const nlogPk = (receiver: string) => `alert#nlog#${receiver}`;
/** How long a log entry outlives the group's repeat interval. */
const NLOG_RETENTION_SEC = 5 * 24 * 3600;

export const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;

/** What a group would say now, and why it is news (no reason: nothing to say). */
export interface GroupVerdict {
  reason: DedupReason | undefined;
  firing: AlertView[];
  resolved: AlertView[];
  /** Firing alerts held back by inhibition, maintenance windows or silences. */
  suppressed: number;
}

/** A due group with something to say: what the later stages (storm, claim, send, record) work on. */
export interface Candidate extends GroupVerdict {
  item: StoreItem<GroupState>;
  route: CompiledRoute;
  channel: Channel;
  entry: StoreItem<NotificationLogEntry> | undefined;
  reason: DedupReason;
}

/** Alerts most severe first, then oldest first. */
export const bySeverity = (a: AlertView, b: AlertView) =>
  SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.startsAtMs - b.startsAtMs;

/** Judges one group against its last log entry (pure). */
export function evaluateGroup(input: {
  group: GroupState;
  entry: NotificationLogEntry | undefined;
  muter: FlushMuter;
  sendResolved: boolean;
  repeatIntervalMs: number;
  nowMs: number;
}): GroupVerdict {
  const { entry, muter, nowMs } = input;
  const known = new Set(entry?.firing ?? []);
  const firing: AlertView[] = [];
  const resolved: AlertView[] = [];
  let suppressed = 0;
  for (const { event } of Object.values(input.group.alerts)) {
    if (event.data.status === 'firing') {
      const muted = muter.mutes({
        fingerprint: event.data.fingerprint,
        labels: alertLabels(event),
        firing: true,
      });
      if (muted) suppressed++;
      else {
        // An acknowledged alert that goes out again (its group changed) says so instead of asking.
        const ack = muter.acks.get(event.data.fingerprint);
        const view = toAlertView(event);
        firing.push(
          ack && covers(ack, event.data.startsAtMs, nowMs)
            ? { ...view, acknowledged: { by: ack.createdBy, untilMs: ack.untilMs } }
            : view,
        );
      }
    } else if (known.has(event.data.fingerprint)) {
      // Only resolutions of alerts this receiver was told about are news to it.
      resolved.push(toAlertView(event));
    }
  }
  firing.sort(bySeverity);
  resolved.sort(bySeverity);
  const reason = needsUpdate({
    entry,
    firing: new Set(firing.map((a) => a.fingerprint)),
    resolved: new Set(resolved.map((a) => a.fingerprint)),
    acknowledged: new Set(
      firing
        .filter((a) => covers(muter.acks.get(a.fingerprint), a.startsAtMs, nowMs))
        .map((a) => a.fingerprint),
    ),
    sendResolved: input.sendResolved,
    repeatIntervalMs: input.repeatIntervalMs,
    nowMs,
  });
  return { reason, firing, resolved, suppressed };
}

/** The log entries of `groups` (an eventually consistent read: each is read again under its send lease). */
export async function readLogEntries(
  store: Store,
  groups: readonly StoreItem<GroupState>[],
): Promise<(group: GroupState) => StoreItem<NotificationLogEntry> | undefined> {
  const entries = await store.getMany<NotificationLogEntry>(
    groups.map((g) => ({ pk: nlogPk(g.data.receiver), sk: g.data.groupKey })),
  );
  const byKey = new Map(entries.map((e) => [`${e.pk}|${e.sk}`, e]));
  return (group) => byKey.get(`${nlogPk(group.receiver)}|${group.groupKey}`);
}

/** The log entry of one group, read consistently (under its send lease). */
export function readLogEntry(store: Store, group: GroupState) {
  return store.get<NotificationLogEntry>(nlogPk(group.receiver), group.groupKey, { consistent: true });
}

/** Records what a group's receiver was told, kept for the repeat interval plus retention. */
export async function recordNotification(
  store: Store,
  c: Pick<Candidate, 'item' | 'firing' | 'resolved' | 'route'> & { reason: NotificationLogEntry['reason'] },
  nowMs: number,
): Promise<void> {
  await store.put({
    pk: nlogPk(c.item.data.receiver),
    sk: c.item.data.groupKey,
    data: {
      firing: c.firing.map((a) => a.fingerprint),
      resolved: c.resolved.map((a) => a.fingerprint),
      sentAtMs: nowMs,
      reason: c.reason,
    } satisfies NotificationLogEntry,
    expiresAtSec: Math.floor((nowMs + c.route.options.repeatIntervalMs) / 1000) + NLOG_RETENTION_SEC,
  });
}
