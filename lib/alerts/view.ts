import { isDecision } from '../events/payloads.js';
import type { JobwatchEvent } from '../events/schema.js';
import { trimText } from '../text/trim.js';
import { formatDuration } from './channels/text.js';
import type { AlertView } from './channels/types.js';

/** Longest last-error text a message carries; the console link has the rest. */
export const MAX_ERROR_CHARS = 300;

const STATE_KEYS = ['state', 'jobState', 'health'];
const ERROR_KEYS = ['lastError', 'error', 'message'];
/** Detection's own value pairs: (value, limit, label, unit). */
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
 * "restarts 2/5"-style figures from an event's values: every number with a matching limit value, then
 * other plain counts (names ending in Count or Failures). Remediation and state fields are rendered
 * elsewhere.
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
        ? `${label} ${formatDuration(value * 1000)} (limit ${formatDuration(max * 1000)})`
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

function firstString(values: JobwatchEvent['data']['values'], keys: string[]): string | undefined {
  for (const key of keys) {
    const v = values[key];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  return undefined;
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
    summary: trimText(diagnosis.summary, MAX_ERROR_CHARS) ?? '',
    hint: trimText(diagnosis.hint, MAX_ERROR_CHARS) ?? '',
    ...(rootCause ? { rootCause } : {}),
    evidence,
  };
}

/** Builds what a channel renders from one event: trimmed (scrubbed where it entered), links chosen, counts derived. */
export function toAlertView(event: JobwatchEvent): AlertView {
  const d = event.data;
  const rawError = firstString(d.values, ERROR_KEYS);
  const lastError = trimText(rawError, MAX_ERROR_CHARS);
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
    counts: countsFromValues(d.values),
    links,
    labels: d.labels,
    event,
  };
  const state = firstString(d.values, STATE_KEYS);
  if (state) view.state = state;
  const since = typeof d.values['since'] === 'string' ? Date.parse(d.values['since']) : Number.NaN;
  if (state && Number.isFinite(since)) view.stateSinceMs = since;
  if (d.endsAtMs !== undefined) view.endsAtMs = d.endsAtMs;
  if (lastError) view.lastError = lastError;
  if (d.diagnosis && d.status === 'firing') view.diagnosis = diagnosisView(d.diagnosis);
  if (d.health && d.status === 'firing') view.health = d.health;
  if (isDecision(d.type)) {
    const action = firstString(d.values, ['action']) ?? 'action';
    const outcome =
      firstString(d.values, ['outcome', 'result', 'status']) ??
      (d.type === 'remediation.performed' ? 'done' : d.type === 'remediation.skipped' ? 'skipped' : 'failed');
    const reason = firstString(d.values, ['reason', 'why', 'policy']);
    // Only a performed decision can be a dry run; a skip changed nothing whatever the policy's mode, and
    // labelling an enforced policy's skip "dry-run" misleads the reader about what is enforced.
    const dryRun =
      d.type !== 'remediation.performed'
        ? undefined
        : (d.values['dryRun'] ??
          (d.values['outcome'] === 'dry-run' || d.values['mode'] === 'dry-run' ? true : undefined));
    view.remediation = {
      action,
      outcome,
      ...(reason ? { reason: trimText(reason, MAX_ERROR_CHARS) as string } : {}),
      ...(typeof dryRun === 'boolean' ? { dryRun } : {}),
    };
  }
  return view;
}
