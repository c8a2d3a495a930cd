/** Numbers as people read them at 3 a.m.: "1.2 s", "5 min", "3.4k records/s". Neutral: imports nothing. */

/**
 * How a duration looks where it is shown:
 * - `spaced` (event titles, summaries, diagnosis): "45 s", "10 min", "2 h 5 min", "3 d 4 h";
 * - `compact` (remediation reasons): "45s", "5m", "1h30m" (no days);
 * - `clock` (chat's "since ... ago", "resolved after"): whole units down, "45s", "5m", "3h 0m", "2d 4h".
 */
export type DurationStyle = 'spaced' | 'compact' | 'clock';

const DURATION_STYLES: Record<
  DurationStyle,
  {
    floor: boolean;
    s: string;
    m: string;
    h: string;
    d: string;
    join: string;
    daysFromHours: number;
    zeros: boolean;
  }
> = {
  spaced: { floor: false, s: ' s', m: ' min', h: ' h', d: ' d', join: ' ', daysFromHours: 24, zeros: false },
  compact: { floor: false, s: 's', m: 'm', h: 'h', d: 'd', join: '', daysFromHours: Infinity, zeros: false },
  clock: { floor: true, s: 's', m: 'm', h: 'h', d: 'd', join: ' ', daysFromHours: 48, zeros: true },
};

/** The one duration formatter (see `DurationStyle`). */
export function formatDuration(ms: number, style: DurationStyle = 'spaced'): string {
  const look = DURATION_STYLES[style];
  const s = look.floor ? Math.floor(ms / 1000) : Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}${look.s}`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min}${look.m}`;
  const pair = (a: number, aUnit: string, b: number, bUnit: string) =>
    b || look.zeros ? `${a}${aUnit}${look.join}${b}${bUnit}` : `${a}${aUnit}`;
  const h = Math.floor(min / 60);
  if (h < look.daysFromHours) return pair(h, look.h, min % 60, look.m);
  return pair(Math.floor(h / 24), look.d, h % 24, look.h);
}

/** `compact`, for remediation's reasons: "45s", "5m", "1h30m". */
export const compactDuration = (ms: number): string => formatDuration(ms, 'compact');

/** "850 ms", "1.2 s", "45 s", "5 min", "2 h 5 min", "3 d 4 h": `spaced`, with sub-second precision. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'unknown';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms, 'spaced');
}

/** "950", "3.4k", "12k", "1.2M". */
export function humanCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs < 1000) return String(Math.round(n * 10) / 10);
  if (abs < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (abs < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

const MS_UNITS = new Set(['ms', 'millisecond', 'milliseconds']);
const SECOND_UNITS = new Set(['s', 'sec', 'second', 'seconds']);

/** A metric value with its unit: durations as durations ("5 min"), the rest compacted ("3.4k records/s"). */
export function humanMeasure(value: number, unit?: string): string {
  const u = unit?.trim().toLowerCase();
  if (u && MS_UNITS.has(u)) return humanDuration(value);
  if (u && SECOND_UNITS.has(u)) return humanDuration(value * 1000);
  return unit ? `${humanCount(value)} ${unit.trim()}` : humanCount(value);
}
