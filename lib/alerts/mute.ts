/**
 * Muters: inhibition, maintenance windows and silences. Each answers "is this alert muted now, and by
 * what" (AM `notify/mute.go`); the notifier applies them at send time, so a silence that ends lets the
 * next flush speak.
 */
import type { InhibitRule, MaintenanceWindow } from './config.js';
import { type Matcher, matchesAll } from './matchers.js';
import { firstSilence, type Silence } from './silences.js';

export interface MutableAlert {
  fingerprint: string;
  labels: Record<string, string>;
  firing: boolean;
}

export type MuteReason = { by: 'inhibition' | 'maintenance' | 'silence'; detail: string };

export interface Muter {
  mutes(alert: MutableAlert): MuteReason | undefined;
}

/** A target alert is inhibited while a different firing source alert has equal values for `equal`. */
export function createInhibitor(rules: readonly InhibitRule[], sources: readonly MutableAlert[]): Muter {
  const compiled = rules.map((rule, index) => ({
    index,
    rule,
    sources: sources.filter((s) => s.firing && matchesAll(rule.sourceMatchers as Matcher[], s.labels)),
  }));
  return {
    mutes(alert) {
      // Loops, not `find`/`every` with callbacks: this runs for every alert.
      for (const { index, rule, sources: matching } of compiled) {
        if (!matchesAll(rule.targetMatchers as Matcher[], alert.labels)) continue;
        for (const source of matching) {
          if (
            source.fingerprint === alert.fingerprint ||
            !sameValues(rule.equal, source.labels, alert.labels)
          )
            continue;
          return { by: 'inhibition', detail: `inhibit rule ${index} by ${source.labels['alertname'] ?? ''}` };
        }
      }
      return undefined;
    },
  };
}

/** Whether both label sets have the same value (a missing label reads as '') for every name. */
function sameValues(names: readonly string[], a: Record<string, string>, b: Record<string, string>): boolean {
  for (const name of names) if ((a[name] ?? '') !== (b[name] ?? '')) return false;
  return true;
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Local weekday (0 = Sunday) and minute of day at `nowMs` in `timeZone`. */
export function localTime(nowMs: number, timeZone: string): { weekday: number; minuteOfDay: number } {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, fmt);
  }
  const parts = Object.fromEntries(fmt.formatToParts(new Date(nowMs)).map((p) => [p.type, p.value]));
  const weekday = WEEKDAYS.indexOf(
    (parts['weekday'] ?? '').toLowerCase().slice(0, 3) as (typeof WEEKDAYS)[number],
  );
  return { weekday, minuteOfDay: Number(parts['hour']) * 60 + Number(parts['minute']) };
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Whether a recurring window is open at `nowMs`; a window whose end is not after its start crosses midnight. */
export function windowActive(window: MaintenanceWindow, nowMs: number): boolean {
  const { weekday, minuteOfDay } = localTime(nowMs, window.timeZone);
  const start = minutes(window.start);
  const end = minutes(window.end);
  const onDay = (day: number) =>
    window.weekdays.includes(WEEKDAYS[(day + 7) % 7] as (typeof WEEKDAYS)[number]);
  if (start < end) return onDay(weekday) && minuteOfDay >= start && minuteOfDay < end;
  return (onDay(weekday) && minuteOfDay >= start) || (onDay(weekday - 1) && minuteOfDay < end);
}

export function createMaintenanceMuter(windows: readonly MaintenanceWindow[], nowMs: number): Muter {
  const open = windows.filter((w) => windowActive(w, nowMs));
  return {
    mutes(alert) {
      for (const window of open)
        if (matchesAll(window.matchers as Matcher[], alert.labels))
          return { by: 'maintenance', detail: `maintenance window ${window.name}` };
      return undefined;
    },
  };
}

export function createSilenceMuter(silences: readonly Silence[], nowMs: number): Muter {
  return {
    mutes(alert) {
      const hit = firstSilence(silences, alert.labels, nowMs);
      return hit ? { by: 'silence', detail: `silence ${hit.id} by ${hit.createdBy}` } : undefined;
    },
  };
}

/** Applies muters in AM's order: inhibition, time windows, silences; the first that mutes wins. */
export function composeMuters(muters: readonly Muter[]): Muter {
  return {
    mutes(alert) {
      for (const muter of muters) {
        const reason = muter.mutes(alert);
        if (reason) return reason;
      }
      return undefined;
    },
  };
}

/**
 * The muter the notifier applies, from the config and the silences in the store: inhibition by the
 * firing `sources`, maintenance windows, then config and stored silences. Status views use the same one,
 * so "silenced" on a page means what it means for a message.
 */
export function alertMuter(
  config: { inhibitRules: readonly InhibitRule[]; maintenanceWindows: readonly MaintenanceWindow[] },
  sources: readonly MutableAlert[],
  silences: readonly Silence[],
  nowMs: number,
): Muter {
  return composeMuters([
    createInhibitor(config.inhibitRules, sources),
    createMaintenanceMuter(config.maintenanceWindows, nowMs),
    createSilenceMuter(silences, nowMs),
  ]);
}
