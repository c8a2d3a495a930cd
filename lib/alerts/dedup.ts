/**
 * Whether a group needs a notification now: a pure decision from (last notification log entry, firing
 * set, resolved set, repeat interval, now) to a reason (AM `notify/dedup_stage.go` `needsUpdate`).
 */
import type { SendReason } from './channels/types.js';

export interface NotificationLogEntry {
  firing: string[];
  resolved: string[];
  sentAtMs: number;
  reason: SendReason;
}

export type DedupReason = Exclude<SendReason, 'digest' | 'test'>;

export function needsUpdate(input: {
  entry: NotificationLogEntry | undefined;
  firing: ReadonlySet<string>;
  resolved: ReadonlySet<string>;
  /** Firing alerts someone acknowledged: they are not repeated (new ones and resolutions still are). */
  acknowledged?: ReadonlySet<string>;
  sendResolved: boolean;
  repeatIntervalMs: number;
  nowMs: number;
}): DedupReason | undefined {
  const { entry, firing, resolved } = input;
  // Never notified: only when something fires (an alert that resolved before its first send stays quiet).
  if (!entry) return firing.size > 0 ? 'first' : undefined;
  const previousFiring = new Set(entry.firing);
  if ([...firing].some((fp) => !previousFiring.has(fp))) return 'new-firing';
  if (firing.size === 0) {
    // Everything resolved: say so once (whatever send_resolved says, the log must forget the firing set);
    // if the receiver never heard of any of them, there is nothing to say.
    return entry.firing.length > 0 ? 'all-resolved' : undefined;
  }
  const previousResolved = new Set(entry.resolved);
  if (input.sendResolved && [...resolved].some((fp) => !previousResolved.has(fp))) return 'new-resolved';
  const acknowledged = input.acknowledged;
  if (acknowledged && [...firing].every((fp) => acknowledged.has(fp))) return undefined;
  return entry.sentAtMs <= input.nowMs - input.repeatIntervalMs ? 'repeat' : undefined;
}
