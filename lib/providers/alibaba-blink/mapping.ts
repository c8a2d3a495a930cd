/**
 * Realtime Compute (Blink) vendor facts -> the normalized model: job states and kinds, checkpoint statistics,
 * failovers and metric samples, each from the document the API answers with. Pure: the collector reads,
 * this file maps.
 */
import { causeLine } from '../../diagnose/index.js';
import type {
  CheckpointFailure,
  CheckpointStats,
  FailoverException,
  JobKind,
  JobState,
  MetricSample,
} from '../../model/snapshot.js';
import { cleanVendorText } from '../../text/scrub.js';
import { MAX_ERROR_CHARS } from '../../text/trim.js';
import { looseNumber } from '../shared.js';
import type { VendorCheckpointEntry, VendorCheckpointsDoc, VendorExceptionsDoc } from './schemas.js';

/**
 * ActualState/ExpectState (digest §7.1) -> normalized state. A paused or terminated ExpectState was set by a
 * person (or an API caller acting for one), so the state's cause is 'user'; remediation leaves those alone.
 */
export function normalizeBlinkState(
  actual: string | undefined,
  expect: string | undefined,
): { state: JobState; stateCause?: 'user' | 'system' } {
  const a = (actual ?? '').toUpperCase();
  const e = (expect ?? '').toUpperCase();
  const byUser = e === 'PAUSED' || e === 'TERMINATED';
  const cause = (fallback: 'user' | 'system' | undefined) =>
    byUser ? { stateCause: 'user' as const } : fallback ? { stateCause: fallback } : {};
  switch (a) {
    case 'WAITING':
      return { state: 'PENDING', ...cause(undefined) };
    case 'RUNNING':
      // Asked to pause or stop and not there yet.
      if (byUser) return { state: 'STOPPING', stateCause: 'user' };
      return { state: 'RUNNING' };
    case 'PAUSED':
      if (e === 'RUNNING') return { state: 'PENDING' }; // resuming
      return { state: 'PAUSED', ...cause('system') };
    case 'TERMINATED':
      return { state: 'STOPPED', ...cause('system') };
    case 'SUCCESS':
      return { state: 'SUCCEEDED' };
    case 'FAILED':
      return { state: 'FAILED', ...cause('system') };
    default:
      // UNKNOWN (committed, never started; DEMO only) and anything new.
      return { state: 'UNKNOWN', ...cause(undefined) };
  }
}

export function blinkJobKind(jobType: string | undefined): JobKind {
  return (jobType ?? '').toUpperCase() === 'FLINK_BATCH' ? 'flink-batch' : 'flink-stream';
}

/** Deep link into the Realtime Compute (Blink exclusive) development console. */
export function blinkConsoleUrl(region: string, project: string, job: string): string {
  return `https://stream.console.aliyun.com/?regionId=${encodeURIComponent(region)}#/project/${encodeURIComponent(project)}/job/${encodeURIComponent(job)}`;
}

/** First line of a stack trace: the exception and its message, which is what a person needs in chat. */
function firstLine(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '');
  return cleanVendorText(line, MAX_ERROR_CHARS);
}

function isFailedEntry(entry: VendorCheckpointEntry): boolean {
  return (
    (entry.status ?? '').toUpperCase() === 'FAILED' || (entry['@class'] ?? '').toLowerCase() === 'failed'
  );
}

/** Median gap between triggers of the listed checkpoints: the configured interval is not in this document. */
function inferIntervalMs(history: VendorCheckpointEntry[]): number | undefined {
  const triggers = history
    .map((h) => h.trigger_timestamp)
    .filter((t): t is number => typeof t === 'number')
    .sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < triggers.length; i++) {
    const gap = (triggers[i] as number) - (triggers[i - 1] as number);
    if (gap > 0) gaps.push(gap);
  }
  if (gaps.length === 0) return undefined;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)];
}

export function toCheckpointStats(doc: VendorCheckpointsDoc): CheckpointStats {
  const history = doc.history ?? [];
  const completed =
    doc.latest?.completed ?? history.find((h) => !isFailedEntry(h) && h.status === 'COMPLETED');
  const failures = new Map<number, CheckpointFailure>();
  for (const entry of [...(doc.latest?.failed ? [doc.latest.failed] : []), ...history]) {
    if (!isFailedEntry(entry) || entry.id === undefined) continue;
    const message = cleanVendorText(entry.failure_message, MAX_ERROR_CHARS);
    failures.set(entry.id, {
      id: entry.id,
      atMs: entry.failure_timestamp ?? entry.latest_ack_timestamp ?? entry.trigger_timestamp ?? 0,
      ...(message ? { message } : {}),
    });
  }
  const stats: CheckpointStats = {};
  if (completed?.id !== undefined) stats.lastCompletedId = completed.id;
  const completedAt = completed?.latest_ack_timestamp ?? completed?.trigger_timestamp;
  if (completedAt !== undefined) stats.lastCompletedAtMs = completedAt;
  if (completed?.end_to_end_duration !== undefined) stats.lastDurationMs = completed.end_to_end_duration;
  if (doc.counts?.failed !== undefined) stats.failedCount = doc.counts.failed;
  if (doc.counts?.in_progress !== undefined) stats.inProgressCount = doc.counts.in_progress;
  const intervalMs = inferIntervalMs(history);
  if (intervalMs !== undefined) stats.intervalMs = intervalMs;
  if (failures.size > 0) stats.recentFailures = [...failures.values()].sort((a, b) => a.id - b.id);
  return stats;
}

/** One failover per distinct timestamp (the root exception and its task exceptions share one). */
export function toFailovers(doc: VendorExceptionsDoc): FailoverException[] {
  const byTime = new Map<number, FailoverException>();
  // The first line is usually a restart wrapper; the chain's innermost cause is what failed.
  const rootCause = causeLine(doc['root-exception']);
  if (doc.timestamp !== undefined && (doc['root-exception'] || (doc['all-exceptions'] ?? []).length > 0)) {
    byTime.set(doc.timestamp, {
      atMs: doc.timestamp,
      message: firstLine(doc['root-exception']) ?? 'failover',
      ...(rootCause ? { rootCause } : {}),
    });
  }
  for (const item of doc['all-exceptions'] ?? []) {
    const atMs = item.timestamp ?? doc.timestamp;
    if (atMs === undefined || byTime.has(atMs)) continue;
    const message = firstLine(item.exception) ?? 'failover';
    const task = cleanVendorText(item.task, 120);
    byTime.set(atMs, { atMs, message: task ? `${task}: ${message}` : message });
  }
  return [...byTime.values()].sort((a, b) => a.atMs - b.atMs);
}

/** Units from the manual's metric table (Metric名称对应表), where it gives one. */
const METRIC_UNITS: Record<string, string> = {
  delay: 'ms',
  fetched_delay: 'ms',
  no_data_delay: 'ms',
  lastCheckpointDuration: 'ms',
  watermarkLatency: 'ms',
  'input.tt.readLatency': 'ms',
  lastCheckpointSize: 'byte',
  'inBps.rate': 'byte/s',
  'tps.rate': 'records/s',
  'sink.outTps.rate': 'records/s',
};

/** Latest point of each series, named by the configured metric (`blink.{p}.{j}.` stripped). */
export function toMetricSamples(
  metrics: { MetricName: string; Dps?: Record<string, unknown> | null; Summary?: number }[],
  wanted: readonly string[],
  prefix: string,
  nowMs: number,
): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const metric of metrics) {
    const name = metricNameOf(metric.MetricName, wanted, prefix);
    let latest: { atMs: number; value: number } | undefined;
    for (const [key, raw] of Object.entries(metric.Dps ?? {})) {
      const t = looseNumber(key);
      const value = looseNumber(raw);
      if (t === undefined || value === undefined) continue;
      // dps keys are epoch seconds (manual example); accept milliseconds too.
      const atMs = t < 1e12 ? t * 1000 : t;
      if (!latest || atMs > latest.atMs) latest = { atMs, value };
    }
    if (!latest && metric.Summary !== undefined) latest = { atMs: nowMs, value: metric.Summary };
    const unit = METRIC_UNITS[name];
    if (latest) samples.push({ name, value: latest.value, atMs: latest.atMs, ...(unit ? { unit } : {}) });
  }
  return samples;
}

/** The metric's short name: `blink.{p}.{j}.` stripped, or the wanted name it ends with. */
export function metricNameOf(full: string, wanted: readonly string[], prefix: string): string {
  if (full.startsWith(prefix)) return full.slice(prefix.length);
  return wanted.find((w) => full === w || full.endsWith(`.${w}`)) ?? full;
}
