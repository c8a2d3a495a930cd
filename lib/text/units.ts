/** Numbers as people read them at 3 a.m.: "1.2 s", "5 min", "3.4k records/s". Neutral: imports nothing. */

/** "850 ms", "1.2 s", "45 s", "5 min", "2 h 5 min", "3 d 4 h". */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'unknown';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
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
