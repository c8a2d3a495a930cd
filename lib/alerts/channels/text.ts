/**
 * Truncation and escaping shared by every channel. Vendors count differently (Slack in characters, WeCom
 * in UTF-8 bytes), so both are here, and neither splits a character (AM `notify/util.go`
 * `TruncateInRunes`, `TruncateInBytes`).
 */
import { formatDuration } from '../../text/units.js';

const ELLIPSIS = '…';

/** Truncates to at most `max` Unicode code points, ending with an ellipsis when cut. */
export function truncateRunes(text: string, max: number): { text: string; truncated: boolean } {
  const runes = Array.from(text);
  if (runes.length <= max) return { text, truncated: false };
  if (max <= 0) return { text: '', truncated: true };
  return { text: runes.slice(0, max - 1).join('') + ELLIPSIS, truncated: true };
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Truncates to at most `max` UTF-8 bytes without splitting a code point, ending with an ellipsis when cut. */
export function truncateBytes(text: string, max: number): { text: string; truncated: boolean } {
  if (byteLength(text) <= max) return { text, truncated: false };
  const budget = max - byteLength(ELLIPSIS);
  if (budget <= 0) return { text: '', truncated: true };
  let used = 0;
  let out = '';
  for (const rune of text) {
    const size = byteLength(rune);
    if (used + size > budget) break;
    used += size;
    out += rune;
  }
  return { text: out + ELLIPSIS, truncated: true };
}

/** A zero-width space after `@` keeps `@all`, `@here`, `@channel` and `@someone` from pinging anyone. */
export function defuseMentions(text: string): string {
  return text.replace(/@/g, '@\u200b');
}

/** Slack mrkdwn: `&`, `<`, `>` are control characters (so `<!channel>` pings); Slack's own escaping rule. */
export function escapeSlack(text: string): string {
  return defuseMentions(text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
}

/**
 * Markdown for DingTalk, WeCom and Feishu lark_md: backslash-escape the characters that start markup,
 * turn angle brackets into entities (WeCom's `<@userid>`, Feishu's `<at id=all>`, HTML tags), defuse
 * mentions, and keep one line per value so a job name cannot start a heading or a quote.
 */
export function escapeMarkdown(text: string): string {
  return defuseMentions(
    text
      .replace(/[\r\n]+/g, ' ')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/([\\`*_[\]|~])/g, '\\$1')
      // Heading, list and quote markers only count at the start of a line.
      .replace(/^(\s*)([#+-])/, '$1\\$2'),
  );
}

/** Only http(s) links are rendered; anything else (javascript:, data:) is dropped. */
export function safeUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    return parsed.toString();
  } catch {
    return undefined;
  }
}

/** A compact "since" for humans: 2026-11-23 05:05 UTC (3h 12m ago). */
export function formatSince(atMs: number, nowMs: number): string {
  const iso = new Date(atMs).toISOString();
  const stamp = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return `${stamp} (${formatDuration(Math.max(0, nowMs - atMs), 'clock')} ago)`;
}
