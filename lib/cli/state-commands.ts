/**
 * The read-and-operate commands over the state store: status, silence, events tail. They work while
 * `jobwatch start` (or the demo) runs, through its store, and without a config they read the demo's.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { acknowledgeAlerts } from '../alerts/acknowledge.js';
import { AckError, ackHistory, ackInputSchema } from '../alerts/acks.js';
import { chatActionHistory } from '../alerts/chat-actions.js';
import { formatMatcher } from '../alerts/matchers.js';
import { createSilence, expireSilence, listSilences, silenceInputSchema } from '../alerts/silences.js';
import { formatIssues, loadConfig, parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createSecretResolver } from '../config/secrets.js';
import { listRecentEvents } from '../events/recent-events.js';
import type { JobwatchEvent } from '../events/schema.js';
import { readStatus } from '../status/status.js';
import { commandArgs, JSON_OPTION, NOTE_OPTIONS, numberFlag, UsageError } from './args.js';
import { DEMO_STATE_DIR } from './demo.js';
import { clockTime, formatChatActionLine, formatEventLine, humanDuration } from './output.js';
import { waitForStop } from './signals.js';
import { formatStatus, table } from './status-view.js';
import { type OpenedStore, openStore } from './store.js';

type Io = { out: (line: string) => void; err: (line: string) => void };

const DEFAULT_CONFIG = 'jobwatch.yml';

/**
 * The store a read command looks at: the config's (its table or .jobwatch/dynamodb), or with no config
 * file the demo's (.jobwatch/demo), which is where `npm start` without a config keeps its state.
 */
export async function openStateFor(configPath: string | undefined): Promise<{
  config: Config;
  opened: OpenedStore;
}> {
  const file = configPath ?? DEFAULT_CONFIG;
  if (configPath !== undefined || existsSync(file)) {
    const config = await loadConfig(file);
    return { config, opened: await openStore(config, { now: Date.now }) };
  }
  const dir = resolve(DEMO_STATE_DIR);
  if (!existsSync(dir))
    throw new UsageError(
      `no ${DEFAULT_CONFIG} here and no demo state in ${DEMO_STATE_DIR}: run 'npm start' (the demo) or pass --config FILE`,
    );
  const config = parseConfig({}, 'defaults');
  return { config, opened: await openStore(config, { now: Date.now, dir }) };
}

export async function commandStatus(args: string[], io: Io): Promise<number> {
  const { values } = commandArgs(args, JSON_OPTION);
  if (values.help) {
    io.out(STATUS_HELP);
    return 0;
  }
  const { config, opened } = await openStateFor(values.config);
  try {
    const view = await readStatus({ config, store: opened.store, nowMs: Date.now() });
    io.out(values.json ? JSON.stringify(view) : formatStatus(view, opened.describe));
    return 0;
  } finally {
    await opened.close();
  }
}

export const STATUS_HELP = `Usage: jobwatch status [--config FILE] [--json]

What is firing now (by severity, with age and silenced/inhibited markers), each target's last poll
(when, how long, calls, errors, whether polls are arriving), job health counts per target, recent
remediation decisions and the silences in force. Reads the same store the runtime writes, while it
runs; without a config file, the demo's state (.jobwatch/demo).`;

export const SILENCE_HELP = `Usage: jobwatch silence add --matcher M [--matcher M]... --duration D --comment TEXT [--author NAME]
       jobwatch silence list [--all] [--json]
       jobwatch silence expire ID

Matchers are label=value, label!=value, label=~regex or label!~regex (RE2), e.g. job=payments_agg,
alertname=job.failed, target=blink-prod. Durations: 30m, 2h, 1d. The author defaults to $USER.
Common options: --config FILE (default ./jobwatch.yml, else the demo's state).`;

export const EVENTS_HELP = `Usage: jobwatch events tail [--limit N] [--follow] [--json] [--config FILE]

The most recent events (findings and remediation decisions) and chat button presses (ACTION lines:
acknowledge or silence, done or refused), oldest first; --follow keeps printing new ones every 2 s until
Ctrl-C; --json prints one CloudEvent (or chat action) per line.`;

const MATCHER = /^([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*)$/;

function parseMatcher(text: string): { name: string; op: string; value: string } {
  const m = MATCHER.exec(text.trim());
  if (!m)
    throw new UsageError(
      `--matcher '${text}' must look like label=value, label!=value, label=~re or label!~re`,
    );
  return { name: m[1] as string, op: m[2] as string, value: (m[3] as string).replace(/^"(.*)"$/, '$1') };
}

/** "90s", "30m", "2h", "1d", "1h30m". */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+)\s*(s|m|h|d)/g)];
  const rebuilt = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || rebuilt.replace(/\s/g, '') !== text.replace(/\s/g, ''))
    throw new UsageError(`--duration '${text}' must be like 30m, 2h, 1d or 1h30m`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2] as keyof typeof unit], 0);
}

export async function commandSilence(args: string[], io: Io): Promise<number> {
  const { values, positionals } = commandArgs(
    args,
    {
      matcher: { type: 'string', multiple: true, short: 'm' },
      ...NOTE_OPTIONS,
      all: { type: 'boolean' },
      ...JSON_OPTION,
    },
    true,
  );
  const sub = positionals[0];
  if (values.help || !sub) {
    io.out(SILENCE_HELP);
    return values.help ? 0 : 2;
  }
  if (!['add', 'list', 'expire'].includes(sub))
    throw new UsageError(`unknown silence subcommand '${sub}' (add, list, expire)`);
  // Input is checked before the store is opened: a typo costs nothing.
  let input: ReturnType<typeof silenceInputSchema.parse> | undefined;
  let durationMs = 0;
  if (sub === 'add') {
    if (!values.duration)
      throw new UsageError(
        'silence add needs --duration (a silence without an end is how outages go unnoticed)',
      );
    const nowMs = Date.now();
    durationMs = parseDuration(values.duration);
    const parsed = silenceInputSchema.safeParse({
      matchers: (values.matcher ?? []).map(parseMatcher),
      startsAt: nowMs,
      endsAt: nowMs + durationMs,
      createdBy: values.author ?? process.env.USER ?? '',
      comment: values.comment ?? '',
    });
    if (!parsed.success) throw new UsageError(`silence: ${formatIssues(parsed.error).join('; ')}`);
    input = parsed.data;
  }
  if (sub === 'expire' && !positionals[1])
    throw new UsageError('silence expire needs the silence ID (see silence list)');
  const { opened } = await openStateFor(values.config);
  try {
    const nowMs = Date.now();
    if (input) {
      // The silence lasts as long as asked from when it is stored, however long opening the store took.
      const silence = await createSilence(
        opened.store,
        { ...input, startsAtMs: nowMs, endsAtMs: nowMs + durationMs },
        nowMs,
      );
      io.out(
        values.json
          ? JSON.stringify(silence)
          : `silence ${silence.id} until ${clockTime(silence.endsAtMs)} (${humanDuration(durationMs)}): ${silence.matchers.map(formatMatcher).join(', ')}`,
      );
      return 0;
    }
    if (sub === 'expire') {
      const expired = await expireSilence(opened.store, positionals[1] as string, nowMs);
      if (!expired) {
        io.err(`jobwatch: no silence with id '${positionals[1]}' (see jobwatch silence list --all)`);
        return 2;
      }
      io.out(`silence ${expired.id} expired`);
      return 0;
    }
    const silences = await listSilences(opened.store, nowMs, { includeExpired: Boolean(values.all) });
    if (values.json) {
      for (const s of silences) io.out(JSON.stringify(s));
      return 0;
    }
    if (silences.length === 0)
      io.out(values.all ? 'no silences' : 'no silences in force (--all shows expired ones)');
    for (const line of table(
      silences.map((s) => [
        s.id,
        s.matchers.map(formatMatcher).join(', '),
        s.expiredAtMs !== undefined || s.endsAtMs <= nowMs
          ? 'expired'
          : s.startsAtMs > nowMs
            ? `from ${clockTime(s.startsAtMs)}`
            : `until ${clockTime(s.endsAtMs)} (in ${humanDuration(s.endsAtMs - nowMs)})`,
        `${s.createdBy}: ${s.comment}`,
      ]),
      '',
    ))
      io.out(line);
    return 0;
  } finally {
    await opened.close();
  }
}

export const ACK_HELP = `Usage: jobwatch ack <FINGERPRINT|JOB> [--duration D] [--comment TEXT] [--author NAME] [--config FILE] [--json]
       jobwatch ack list [--limit N] [--config FILE] [--json]

Acknowledges a firing alert (by fingerprint, from 'jobwatch status --json'), or every firing alert of a
job (by name or resource key): it is not repeated until it resolves or the acknowledgement ends
(--duration, default 4h, at most 7d), and PagerDuty/Opsgenie receivers that were told about it get an
acknowledge. 'ack list' shows the acknowledgement log, newest first. The twin of POST /api/acks.`;

export async function commandAck(args: string[], io: Io): Promise<number> {
  const { values, positionals } = commandArgs(
    args,
    { ...NOTE_OPTIONS, limit: { type: 'string' }, ...JSON_OPTION },
    true,
  );
  const target = positionals[0];
  if (values.help || !target) {
    io.out(ACK_HELP);
    return values.help ? 0 : 2;
  }
  if (positionals.length > 1) throw new UsageError('ack takes one fingerprint or job name');
  let input: ReturnType<typeof ackInputSchema.parse> | undefined;
  if (target !== 'list') {
    const parsed = ackInputSchema.safeParse({
      alert: target,
      ...(values.duration ? { durationMs: parseDuration(values.duration) } : {}),
      createdBy: values.author ?? process.env.USER ?? '',
      comment: values.comment ?? '',
    });
    if (!parsed.success) throw new UsageError(`ack: ${formatIssues(parsed.error).join('; ')}`);
    input = parsed.data;
  }
  const { config, opened } = await openStateFor(values.config);
  try {
    const nowMs = Date.now();
    if (!input) {
      const limit = numberFlag('--limit', values.limit, { min: 1, max: 500 }) ?? 20;
      const log = await ackHistory(opened.store, limit);
      if (values.json) {
        for (const a of log) io.out(JSON.stringify(a));
        return 0;
      }
      if (log.length === 0) io.out('no acknowledgements recorded');
      for (const line of table(
        log.map((a) => [
          clockTime(a.createdAtMs),
          `${a.targetId}/${a.resourceName}`,
          a.untilMs > nowMs ? `until ${clockTime(a.untilMs)}` : 'ended',
          `${a.createdBy} (${a.via})${a.comment ? `: ${a.comment}` : ''}`,
        ]),
        '',
      ))
        io.out(line);
      return 0;
    }
    try {
      const result = await acknowledgeAlerts(
        { store: opened.store, config, secrets: createSecretResolver() },
        input,
        'cli',
        nowMs,
      );
      if (values.json) {
        io.out(JSON.stringify(result));
        return 0;
      }
      for (const a of result.acks)
        io.out(
          `acknowledged ${a.fingerprint} ${a.targetId}/${a.resourceName} until ${clockTime(a.untilMs)} (${humanDuration(a.untilMs - nowMs)}): ${a.title}`,
        );
      for (const f of result.forwarded)
        io.out(f.ok ? `forwarded to ${f.receiver}` : `not forwarded to ${f.receiver}: ${f.error}`);
      return 0;
    } catch (error) {
      if (error instanceof AckError) {
        io.err(`jobwatch: ${error.message}; see jobwatch status`);
        return 2;
      }
      throw error;
    }
  } finally {
    await opened.close();
  }
}

export async function commandEvents(args: string[], io: Io): Promise<number> {
  const { values, positionals } = commandArgs(
    args,
    {
      limit: { type: 'string', short: 'n' },
      follow: { type: 'boolean', short: 'f' },
      ...JSON_OPTION,
      duration: { type: 'string' },
    },
    true,
  );
  if (values.help || positionals[0] !== 'tail') {
    io.out(EVENTS_HELP);
    if (values.help) return 0;
    throw new UsageError(
      positionals[0]
        ? `unknown events subcommand '${positionals[0]}' (tail)`
        : 'events needs a subcommand: tail',
    );
  }
  const limit = numberFlag('limit', values.limit, { min: 1, max: 500 }) ?? 20;
  const durationSeconds = numberFlag('duration', values.duration, { min: 1, max: 31_536_000 });
  const { opened } = await openStateFor(values.config);
  try {
    const seen = new Set<string>();
    // Events and chat actions (button presses, accepted or refused) in the order jobwatch saw them.
    const show = async (max: number) => {
      const [events, actions] = await Promise.all([
        listRecentEvents(opened.store, { limit: max }),
        chatActionHistory(opened.store, max),
      ]);
      const rows = [
        ...events.map((event) => ({
          atMs: observedAt(event),
          id: event.id,
          text: () =>
            values.json ? JSON.stringify(event) : formatEventLine(event, { atMs: observedAt(event) }),
        })),
        ...actions.map((action) => ({
          atMs: action.atMs,
          id: `action:${action.atMs}:${action.platform}:${action.user.id}:${action.action}:${action.fingerprint}`,
          text: () =>
            values.json
              ? JSON.stringify({ type: 'jobwatch.chat.action', ...action })
              : formatChatActionLine(action),
        })),
      ].sort((a, b) => a.atMs - b.atMs);
      for (const row of rows.slice(-max)) {
        if (seen.has(row.id)) continue;
        seen.add(row.id);
        io.out(row.text());
      }
    };
    await show(limit);
    if (!values.follow) return 0;
    let stopped = false;
    const stop = waitForStop(durationSeconds === undefined ? undefined : durationSeconds * 1000).then(() => {
      stopped = true;
    });
    while (!stopped) {
      await Promise.race([stop, new Promise((r) => setTimeout(r, FOLLOW_EVERY_MS))]);
      if (!stopped) await show(100);
    }
    return 0;
  } finally {
    await opened.close();
  }
}

const FOLLOW_EVERY_MS = 2_000;

/** When jobwatch saw the event (set by detection and ingest); the envelope time otherwise. */
function observedAt(event: JobwatchEvent): number {
  const observed = (event.data as { observedAtMs?: number }).observedAtMs;
  return typeof observed === 'number' ? observed : Date.parse(event.time);
}
