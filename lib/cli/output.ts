import type { ChatActionRecord } from '../alerts/chat-actions.js';
import type { JobwatchEvent } from '../events/schema.js';
import type { PollReport } from '../runtime/pipeline.js';
import { humanCount, humanDuration } from '../text/units.js';

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

/**
 * A press of a chat button, next to the events: `14:03:07 ACTION   ack      done  slack/oncall-slack
 * U0ANA (ana) prod-blink payments_agg: Acknowledged by ana at …`.
 */
export function formatChatActionLine(record: ChatActionRecord): string {
  const who = record.user.name ? `${record.user.id} (${record.user.name})` : record.user.id;
  const what = record.alert ? `${record.alert.targetId} ${record.alert.resourceName}` : record.fingerprint;
  return `${clockTime(record.atMs)} ACTION   ${record.action.padEnd(8)} ${record.outcome.padEnd(10)} ${record.platform}/${record.receiver} ${who} ${what}: ${record.detail}`;
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

export { humanCount, humanDuration } from '../text/units.js';
