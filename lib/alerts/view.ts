import { extrasOf, payloadOf, type TypedPayload } from '../events/payloads.js';
import type { JobwatchEvent } from '../events/schema.js';
import { trimText } from '../text/trim.js';
import { formatDuration } from '../text/units.js';
import type { AlertView } from './channels/types.js';

/** Longest diagnosis line and remediation reason a message carries; the console link has the rest. */
export const MAX_TEXT_CHARS = 300;

/** A webhook sender's figure pairs: (value, limit, label, unit). */
const KNOWN_PAIRS: [string, string, string, 'count' | 'seconds'][] = [
  ['newFailovers', 'burstCount', 'failovers', 'count'],
  ['stuckSeconds', 'limitSeconds', 'stuck', 'seconds'],
  ['lastCheckpointAgeSeconds', 'stallLimitSeconds', 'no checkpoint for', 'seconds'],
  ['attempt', 'maxAttempts', 'attempt', 'count'],
];
/** Context figures that are not about this alert. */
const IGNORED = new Set(['targetJobCount', 'pollsFiring', 'windowSeconds', 'intervalSeconds']);
/** Value names that name a limit for another value: restarts + maxRestarts -> "restarts 2/5". */
const LIMIT_PATTERNS: ((key: string) => string[])[] = [
  (k) => [`max${k[0]?.toUpperCase()}${k.slice(1)}`, `${k}Max`, `${k}Limit`, `${k}_max`, `max_${k}`],
];

function humanize(key: string): string {
  return key
    .replace(/Ms$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
}

/**
 * "restarts 2/5"-style figures from free-form values (what a webhook sender added beyond its type's
 * payload; jobwatch's own facts are shown by `payloadFigures`): every number with a matching limit value,
 * then other plain counts (names ending in Count or Failures).
 */
export function countsFromValues(values: JobwatchEvent['data']['values']): string[] {
  const out: string[] = [];
  const used = new Set<string>(IGNORED);
  for (const [key, limit, label, unit] of KNOWN_PAIRS) {
    const value = values[key];
    const max = values[limit];
    if (typeof value !== 'number' || typeof max !== 'number') continue;
    out.push(
      unit === 'seconds'
        ? `${label} ${formatDuration(value * 1000, 'clock')} (limit ${formatDuration(max * 1000, 'clock')})`
        : `${label} ${value}/${max}`,
    );
    used.add(key).add(limit);
  }
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== 'number' || used.has(key)) continue;
    const limitKey = LIMIT_PATTERNS.flatMap((p) => p(key)).find((k) => typeof values[k] === 'number');
    if (limitKey) {
      out.push(`${humanize(key)} ${value}/${values[limitKey]}`);
      used.add(key).add(limitKey);
    }
  }
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== 'number' || used.has(key)) continue;
    if (/(Count|Failures|failures|count|restarts|Restarts|failovers|Failovers|Checkpoints)$/.test(key))
      out.push(`${humanize(key)} ${value}`);
  }
  return out.slice(0, 6);
}

/** Evidence lines a message shows: the state line already says since when. */
const MAX_EVIDENCE_LINES = 3;

function diagnosisView(diagnosis: NonNullable<JobwatchEvent['data']['diagnosis']>): AlertView['diagnosis'] {
  const evidence = diagnosis.evidence
    .filter((e) => e.label !== 'state')
    .slice(0, MAX_EVIDENCE_LINES)
    .map((e) => trimText(`${e.label}: ${e.value}`, 160) as string);
  const rootCause = diagnosis.rootCause?.trim();
  return {
    category: diagnosis.category,
    summary: trimText(diagnosis.summary, MAX_TEXT_CHARS) ?? '',
    hint: trimText(diagnosis.hint, MAX_TEXT_CHARS) ?? '',
    ...(rootCause ? { rootCause } : {}),
    evidence,
  };
}

const count = (label: string, value: number | undefined) =>
  value === undefined ? [] : [`${label} ${value}`];
const ratio = (label: string, value: number | undefined, limit: number | undefined) =>
  value === undefined || limit === undefined ? [] : [`${label} ${value}/${limit}`];
const lasted = (label: string, seconds: number | undefined, limitSeconds: number | undefined) =>
  seconds === undefined || limitSeconds === undefined
    ? []
    : [
        `${label} ${formatDuration(seconds * 1000, 'clock')} (limit ${formatDuration(limitSeconds * 1000, 'clock')})`,
      ];

/** The figures a type's payload shows, in a fixed order: "failovers 4/3", "stuck 20m (limit 15m)". */
export function payloadFigures(payload: TypedPayload): string[] {
  switch (payload.type) {
    case 'job.stuck':
      return lasted('stuck', payload.values.stuckSeconds, payload.values.limitSeconds);
    case 'checkpoint.failed':
      return [
        ...count('failed checkpoints', payload.values.failedCheckpoints),
        ...count('failed count', payload.values.failedCount),
      ];
    case 'checkpoint.stalled':
      return [
        ...lasted(
          'no checkpoint for',
          payload.values.lastCheckpointAgeSeconds,
          payload.values.stallLimitSeconds,
        ),
        ...count('in progress count', payload.values.inProgressCount),
      ];
    case 'failover.burst':
      return ratio('failovers', payload.values.newFailovers, payload.values.burstCount);
    case 'cluster.unhealthy':
    case 'queue.unhealthy':
      return count('unhealthy host count', payload.values.unhealthyHostCount);
    case 'source.unreachable':
      return count('error count', payload.values.errorCount);
    default:
      return [];
  }
}

/** The resource's state and since when, and the last error, where the type's payload has them. */
function resourceFacts(payload: TypedPayload): { state?: string; since?: string; lastError?: string } {
  switch (payload.type) {
    case 'cluster.unhealthy':
    case 'queue.unhealthy':
      return { ...optional('state', payload.values.health), ...optional('since', payload.values.since) };
    case 'source.unreachable':
      return optional('lastError', payload.values.lastError);
    case 'monitor.stale':
    case 'remediation.performed':
    case 'remediation.skipped':
    case 'remediation.failed':
      return {};
    default:
      return {
        ...optional('state', payload.values.state),
        ...optional('since', payload.values.since),
        ...optional('lastError', payload.values.lastError),
      };
  }
}

const optional = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined || value.trim() === '' ? {} : { [key]: value }) as { [P in K]?: string };

/** What a decision says: the action, its outcome, why, and whether it was only a dry run. */
function decisionView(payload: TypedPayload): AlertView['remediation'] {
  if (
    payload.type !== 'remediation.performed' &&
    payload.type !== 'remediation.skipped' &&
    payload.type !== 'remediation.failed'
  )
    return undefined;
  const { action, outcome, reason, mode } = payload.values;
  // Only a performed decision can be a dry run; a skip changed nothing whatever the policy's mode, and
  // labelling an enforced policy's skip "dry-run" misleads the reader about what is enforced.
  const dryRun = payload.type === 'remediation.performed' && (outcome === 'dry-run' || mode === 'dry-run');
  return {
    action: action || 'action',
    outcome:
      outcome ??
      (payload.type === 'remediation.performed'
        ? 'done'
        : payload.type === 'remediation.skipped'
          ? 'skipped'
          : 'failed'),
    ...(reason?.trim() ? { reason: trimText(reason, MAX_TEXT_CHARS) as string } : {}),
    ...(dryRun ? { dryRun } : {}),
  };
}

/**
 * Builds what a channel renders from one event, from its typed payload: texts as they entered (scrubbed
 * and cut there), links chosen, figures from the payload plus a sender's own.
 */
export function toAlertView(event: JobwatchEvent): AlertView {
  const d = event.data;
  const payload = payloadOf(d);
  const facts = resourceFacts(payload);
  const links = [...d.links];
  const runbook = d.labels['runbook_url'] ?? d.labels['runbook'];
  if (runbook && !links.some((l) => l.url === runbook)) links.push({ title: 'runbook', url: runbook });
  const view: AlertView = {
    fingerprint: d.fingerprint,
    type: d.type,
    severity: d.severity,
    status: d.status,
    title: d.title,
    summary: d.summary,
    provider: d.provider,
    targetId: d.targetId,
    region: d.region,
    resourceName: d.resource.name,
    resourceKind: d.resource.kind,
    startsAtMs: d.startsAtMs,
    counts: [...payloadFigures(payload), ...countsFromValues(extrasOf(d.type, d.values))].slice(0, 6),
    links,
    labels: d.labels,
    event,
  };
  if (facts.state) view.state = facts.state;
  const since = facts.since === undefined ? Number.NaN : Date.parse(facts.since);
  if (facts.state && Number.isFinite(since)) view.stateSinceMs = since;
  if (d.endsAtMs !== undefined) view.endsAtMs = d.endsAtMs;
  if (facts.lastError) view.lastError = facts.lastError;
  if (d.diagnosis && d.status === 'firing') view.diagnosis = diagnosisView(d.diagnosis);
  if (d.health && d.status === 'firing') view.health = d.health;
  const remediation = decisionView(payload);
  if (remediation) view.remediation = remediation;
  return view;
}
