/**
 * The content of a message, written once: every channel renders the same facts in its own markup, and
 * its markup functions do the escaping, so a job called `<!channel>` or `@all` pings nobody anywhere.
 */

import { formatDuration } from '../../text/units.js';
import { formatSince, safeUrl, truncateBytes } from './text.js';
import type { AlertGroupMessage, AlertView } from './types.js';

export interface Markup {
  /** Escapes untrusted text for this channel. */
  text(raw: string): string;
  /** Wraps already-escaped text in bold. */
  bold(escaped: string): string;
  /** A link with an untrusted title; the URL was checked by safeUrl. */
  link(rawTitle: string, url: string): string;
  /** Inline code for untrusted text (error messages). */
  code(raw: string): string;
  /** A multi-line code block for untrusted text (a root cause), already trimmed to `rootCauseChars`. */
  codeBlock(raw: string): string;
  /** Longest root cause the channel shows (its message limit is small, or large). */
  rootCauseChars: number;
}

export const SEVERITY_ICON = { critical: '🔴', warning: '🟠', info: '🔵' } as const;
const RESOLVED_ICON = '✅';

/** Plain (unescaped) one-line title: `[FIRING:2] job.failed · target=prod-blink`. */
export function messageTitle(message: AlertGroupMessage): string {
  if (message.digest) {
    const firing = message.digest.reduce((n, g) => n + g.firing, 0);
    const resolved = message.digest.reduce((n, g) => n + g.resolved, 0);
    return `[STORM DIGEST] ${message.digest.length} more groups: ${firing} firing, ${resolved} resolved`;
  }
  const parts: string[] = [];
  if (message.firing.length > 0) parts.push(`FIRING:${message.firing.length}`);
  if (message.resolved.length > 0) parts.push(`RESOLVED:${message.resolved.length}`);
  if (parts.length === 0) parts.push('TEST');
  // The environment joins the title when every alert shares one and the grouping does not show it already.
  const envs = new Set([...message.firing, ...message.resolved].map((v) => v.labels['env']));
  const env = envs.size === 1 ? [...envs][0] : undefined;
  const shown =
    env && message.groupLabels['env'] === undefined ? { ...message.groupLabels, env } : message.groupLabels;
  const labels = Object.entries(shown)
    .map(([k, v]) => (k === 'alertname' ? v : `${k}=${v}`))
    .join(' · ');
  return `[${parts.join(', ')}] ${labels || 'jobwatch'}`;
}

/** Lines for one alert, in the channel's markup. */
export function alertLines(view: AlertView, m: Markup, nowMs: number): string[] {
  const lines: string[] = [];
  const icon = view.status === 'resolved' ? RESOLVED_ICON : SEVERITY_ICON[view.severity];
  const env = view.labels['env'];
  const envTag = env ? `${m.bold(m.text(`[${env}]`))} ` : '';
  lines.push(
    `${icon} ${m.bold(m.text(view.status === 'resolved' ? 'RESOLVED' : view.severity.toUpperCase()))} ${envTag}${m.text(view.title)}`,
  );
  const owner = view.labels['owner'];
  const resource = `${view.resourceKind} ${m.bold(m.text(view.resourceName))} · ${m.text(view.targetId)} (${m.text(view.provider)}, ${m.text(view.region)})${owner ? m.text(` · owner ${owner}`) : ''}`;
  lines.push(resource);
  if (view.status === 'resolved') {
    const endsAtMs = view.endsAtMs ?? nowMs;
    lines.push(
      m.text(
        `resolved ${formatSince(endsAtMs, nowMs)} after ${formatDuration(endsAtMs - view.startsAtMs, 'clock')}`,
      ),
    );
  } else {
    const state = view.state ? `state ${view.state} ` : '';
    lines.push(m.text(`${state}since ${formatSince(view.stateSinceMs ?? view.startsAtMs, nowMs)}`));
    if (view.acknowledged)
      lines.push(
        `✅ ${m.bold(m.text('Acknowledged'))} ${m.text(`by ${view.acknowledged.by} until ${new Date(view.acknowledged.untilMs).toISOString().slice(11, 16)} UTC`)}`,
      );
  }
  // The last error gets its own line, so a summary that repeats it stops before it.
  const summary = view.lastError ? view.summary.replace(/\s*Last error:.*$/s, '') : view.summary;
  if (summary && summary !== view.title && summary !== view.remediation?.reason) lines.push(m.text(summary));
  if (view.remediation) {
    const r = view.remediation;
    const dry = r.dryRun ? ' (dry-run: nothing was changed)' : '';
    lines.push(`${m.bold(m.text('Done:'))} ${m.text(`${r.action} → ${r.outcome}${dry}`)}`);
    if (r.reason) lines.push(`${m.bold(m.text('Why:'))} ${m.text(r.reason)}`);
  }
  const diagnosis = view.diagnosis;
  if (diagnosis) {
    lines.push(`${m.bold(m.text(`[${diagnosis.category}]`))} ${m.text(diagnosis.summary)}`);
    if (diagnosis.hint) lines.push(`${m.bold(m.text('Try:'))} ${m.text(diagnosis.hint)}`);
  }
  if (view.counts.length > 0) lines.push(m.text(view.counts.join(' · ')));
  if (diagnosis?.rootCause) {
    lines.push(m.text('root cause:'));
    lines.push(m.codeBlock(trimRootCause(diagnosis.rootCause, m.rootCauseChars)));
  } else if (view.lastError) lines.push(`${m.text('last error: ')}${m.code(view.lastError)}`);
  if (diagnosis && diagnosis.evidence.length > 0) lines.push(m.text(diagnosis.evidence.join(' · ')));
  if (view.health) lines.push(m.text(view.health.summary));
  const links = view.links
    .map((l) => ({ title: l.title, url: safeUrl(l.url) }))
    .filter((l): l is { title: string; url: string } => l.url !== undefined)
    .map((l) => m.link(l.title, l.url));
  if (links.length > 0) lines.push(links.join(' · '));
  return lines;
}

/** A root cause within `max` characters, cut at a line end when one is near, never mid-code-point. */
export function trimRootCause(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const cut = chars.slice(0, max - 1).join('');
  const lineEnd = cut.lastIndexOf('\n');
  return `${lineEnd > max / 2 ? cut.slice(0, lineEnd) : cut}…`;
}

/** Section headings: firing first, then resolved, then the storm digest's one-liners. */
export function digestLines(message: AlertGroupMessage, m: Markup): string[] {
  if (!message.digest) return [];
  return message.digest.map((g) => {
    const labels = Object.entries(g.groupLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    return m.text(`• ${labels}: ${g.firing} firing, ${g.resolved} resolved`);
  });
}

export function omittedLine(message: AlertGroupMessage, m: Markup): string | undefined {
  return message.omitted > 0 ? m.text(`… and ${message.omitted} more alerts not shown`) : undefined;
}

/**
 * Markdown markup for DingTalk, WeCom and Feishu lark_md; the escaping is theirs (escapeMarkdown). Their
 * robots' markdown has no fenced code blocks, so a code block is one code span per line.
 */
export function markdownMarkup(
  esc: (raw: string) => string,
  options: { rootCauseChars?: number } = {},
): Markup {
  const code = (raw: string) =>
    `\`${raw
      .replace(/[`\r\n]+/g, ' ')
      .replace(/@/g, '@\u200b')
      .replace(/</g, '‹')
      .replace(/>/g, '›')}\``;
  return {
    rootCauseChars: options.rootCauseChars ?? 600,
    codeBlock: (raw) =>
      raw
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '')
        .map(code)
        .join('\n'),
    text: esc,
    bold: (s) => (s ? `**${s}**` : s),
    link: (title, url) => `[${esc(title)}](${url.replace(/[()\s]/g, encodeURIComponent)})`,
    // Code spans cannot hold escapes, so backticks and mentions are neutralised instead.
    code,
  };
}

/**
 * A markdown document that fits `maxBytes` (UTF-8) by dropping whole alerts from the end, never cutting
 * through markup; the last resort (one huge alert) is a byte-aware cut of the whole text.
 */
export function markdownDocument(
  message: AlertGroupMessage,
  m: Markup,
  options: {
    maxBytes: number;
    lineBreak: string;
    heading: (escapedTitle: string) => string;
    footer?: string;
  },
): { text: string; dropped: number } {
  const head = options.heading(m.text(messageTitle(message)));
  const chunks: { section: 'firing' | 'resolved' | 'digest'; text: string }[] = [];
  for (const view of message.firing)
    chunks.push({ section: 'firing', text: alertLines(view, m, message.nowMs).join(options.lineBreak) });
  for (const view of message.resolved)
    chunks.push({ section: 'resolved', text: alertLines(view, m, message.nowMs).join(options.lineBreak) });
  const digest = digestLines(message, m);
  if (digest.length > 0) chunks.push({ section: 'digest', text: digest.join(options.lineBreak) });

  const compose = (count: number): string => {
    const parts = [head];
    let current = '';
    for (const chunk of chunks.slice(0, count)) {
      if (chunk.section !== current) {
        current = chunk.section;
        const label =
          chunk.section === 'firing'
            ? `Firing (${message.firing.length})`
            : chunk.section === 'resolved'
              ? `Resolved (${message.resolved.length})`
              : 'Folded into this digest';
        parts.push(m.bold(m.text(label)));
      }
      parts.push(chunk.text);
    }
    const more = omittedLine({ ...message, omitted: message.omitted + chunks.length - count }, m);
    if (more) parts.push(more);
    if (options.footer) parts.push(options.footer);
    return parts.join('\n\n');
  };
  for (let count = chunks.length; count >= 0; count--) {
    const text = compose(count);
    if (Buffer.byteLength(text, 'utf8') <= options.maxBytes) return { text, dropped: chunks.length - count };
  }
  return { text: truncateBytes(compose(0), options.maxBytes).text, dropped: chunks.length };
}
