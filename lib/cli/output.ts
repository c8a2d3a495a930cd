import type { JobwatchEvent } from '../events/schema.js';

const COLOURS = {
  critical: '\x1b[31m',
  warning: '\x1b[33m',
  info: '\x1b[36m',
  resolved: '\x1b[32m',
  reset: '\x1b[0m',
};

/** One readable line per event for the terminal; `--json` prints the CloudEvent itself instead. */
export function formatEventLine(event: JobwatchEvent, colour = process.stdout.isTTY): string {
  const d = event.data;
  const time = event.time.slice(11, 19);
  const tag = d.status === 'resolved' ? 'RESOLVED' : 'FIRING  ';
  const paint = (text: string, key: keyof typeof COLOURS) =>
    colour ? `${COLOURS[key]}${text}${COLOURS.reset}` : text;
  const status = d.status === 'resolved' ? paint(tag, 'resolved') : paint(tag, d.severity);
  return `${time} ${status} ${d.severity.padEnd(8)} ${d.type.padEnd(22)} ${d.targetId} ${d.resource.name}: ${d.title}`;
}
