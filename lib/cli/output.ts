import type { JobwatchEvent } from '../events/schema.js';
import type { PollReport } from '../runtime/pipeline.js';

const COLOURS = {
  critical: '\x1b[31m',
  warning: '\x1b[33m',
  info: '\x1b[36m',
  resolved: '\x1b[32m',
  reset: '\x1b[0m',
};

export interface LineOptions {
  colour?: boolean;
  /** When the line is printed: the time column says when jobwatch saw it, not when the finding began. */
  atMs?: number;
}

/** Local wall-clock time of day, the column people compare with their own clock. */
export function clockTime(atMs: number): string {
  const date = new Date(atMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** One readable line per event for the terminal; `--json` prints the CloudEvent itself instead. */
export function formatEventLine(event: JobwatchEvent, options: LineOptions = {}): string {
  const colour = options.colour ?? process.stdout.isTTY;
  const d = event.data;
  const time = clockTime(options.atMs ?? Date.parse(event.time));
  const tag = d.status === 'resolved' ? 'RESOLVED' : 'FIRING  ';
  const paint = (text: string, key: keyof typeof COLOURS) =>
    colour ? `${COLOURS[key]}${text}${COLOURS.reset}` : text;
  const status = d.status === 'resolved' ? paint(tag, 'resolved') : paint(tag, d.severity);
  return `${time} ${status} ${d.severity.padEnd(8)} ${d.type.padEnd(22)} ${d.targetId} ${d.resource.name}: ${d.title}`;
}

/**
 * One line per target per poll cycle: `12:00:05 poll     dli-prod: 153 jobs, 2 findings, 41 calls, 1.2 s`,
 * and why calls failed when they did.
 */
export function formatPollLine(report: PollReport, options: LineOptions = {}): string {
  const time = clockTime(options.atMs ?? Date.now());
  const calls = Object.values(report.apiCalls).reduce((sum, n) => sum + n, 0);
  const parts = [
    `${humanCount(report.jobs)} job${report.jobs === 1 ? '' : 's'}`,
    ...(report.containers > 0 ? [`${report.containers} clusters/queues`] : []),
    `${report.events.length} finding${report.events.length === 1 ? '' : 's'}`,
    `${humanCount(calls)} call${calls === 1 ? '' : 's'}`,
    humanDuration(report.totalMs),
  ];
  const trouble =
    report.errors === 0
      ? ''
      : ` · ${report.configOnly ? 'configuration problem' : `${report.errors} API error${report.errors === 1 ? '' : 's'}`}: ${report.problems.slice(0, 3).join('; ')}`;
  return `${time} poll     ${report.targetId}: ${parts.join(', ')}${trouble}`;
}

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
