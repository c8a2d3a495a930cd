/** `jobwatch status` for people: what is firing, whether each target is polled, what jobwatch did. */
import { formatMatcher } from '../alerts/matchers.js';
import type { StatusView } from '../status/status.js';
import { clockTime, humanCount, humanDuration } from './output.js';

/** Columns padded to their widest cell; the last column is left ragged. */
export function table(rows: string[][], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows)
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
  );
}

const ago = (ms: number) => `${humanDuration(Math.max(0, ms))} ago`;

export function formatStatus(view: StatusView, source: string): string {
  const { nowMs } = view;
  const lines: string[] = [`jobwatch status at ${clockTime(nowMs)} · ${source}`, ''];

  const active = view.firing.filter((a) => !a.muted);
  lines.push(
    view.firing.length === 0
      ? 'FIRING: nothing'
      : `FIRING: ${active.length}${view.firing.length > active.length ? ` (+${view.firing.length - active.length} muted)` : ''}`,
  );
  lines.push(
    ...table(
      view.firing.map((a) => [
        a.severity,
        a.type,
        a.targetId,
        a.resourceName,
        `for ${humanDuration(nowMs - a.startsAtMs)}`,
        `${a.title}${a.health ? ` (health ${a.health.score})` : ''}${a.muted ? `  [${a.muted.by === 'silence' ? 'silenced' : a.muted.by === 'inhibition' ? 'inhibited' : 'maintenance'}: ${a.muted.detail}]` : ''}${a.acknowledged ? `  [acknowledged by ${a.acknowledged.by} until ${clockTime(a.acknowledged.untilMs)}]` : ''}`,
      ]),
    ),
  );

  lines.push('', 'TARGETS');
  lines.push(
    ...table(
      view.targets.map((t) => {
        const p = t.lastPoll;
        if (!p) return [t.id, t.provider, 'no poll recorded yet'];
        const states = Object.entries(p.jobStates)
          .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
          .map(([state, n]) => `${humanCount(n ?? 0)} ${state}`)
          .join(', ');
        const health = `${humanCount(p.jobs)} jobs${states ? ` (${states})` : ''}${p.containers ? `, ${p.containers} clusters/queues` : ''}`;
        const poll = `last poll ${ago(nowMs - p.atMs)}, ${humanDuration(p.durationMs)}, ${humanCount(p.calls)} calls, ${p.errors} errors`;
        const trouble = [
          t.stale ? 'POLLS NOT ARRIVING' : '',
          p.errors > 0
            ? `${p.configOnly ? 'configuration problem' : 'API errors'}: ${p.problems.slice(0, 2).join('; ')}`
            : '',
          p.complete ? '' : 'listing incomplete',
          t.configured ? '' : 'not in the config any more',
        ].filter(Boolean);
        return [t.id, t.provider, poll, `${health}${trouble.length ? ` · ${trouble.join(' · ')}` : ''}`];
      }),
    ),
  );
  const worst = view.targets.flatMap((t) =>
    (t.lastPoll?.worstJobs ?? []).map(
      (j) => `${t.id}/${j.name} ${j.state}${j.health === undefined ? '' : ` (health ${j.health})`}`,
    ),
  );
  if (worst.length > 0) lines.push(`  worst jobs: ${worst.slice(0, 8).join(', ')}`);

  lines.push('', `REMEDIATION (last ${view.remediations.length})`);
  if (view.remediations.length === 0) lines.push('  no decisions recorded');
  lines.push(
    ...table(
      view.remediations.map((r) => [
        clockTime(r.atMs),
        r.decision,
        `${r.action} ${r.job.targetId}/${r.job.name}`,
        r.mode,
        r.outcome,
        r.reason,
      ]),
    ),
  );

  lines.push('', 'SILENCES');
  if (view.silences.length === 0) lines.push('  none in force');
  lines.push(
    ...table(
      view.silences.map((s) => [
        s.id,
        s.matchers.map(formatMatcher).join(', '),
        s.state === 'pending'
          ? `from ${clockTime(s.startsAtMs)}`
          : `until ${clockTime(s.endsAtMs)} (in ${humanDuration(s.endsAtMs - nowMs)})`,
        `${s.createdBy}: ${s.comment}`,
      ]),
    ),
  );
  return lines.join('\n');
}
