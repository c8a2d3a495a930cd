import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { NotifyReport } from '../alerts/index.js';
import type { RemediationReport } from '../remediation/index.js';
import type { PollReport } from '../runtime/pipeline.js';
import { METRIC, METRIC_UNIT } from './observability.js';

/** Poll duration, API calls and errors per provider, and events by type, for one target's poll. */
export function recordPoll(metrics: Metrics, report: PollReport): void {
  const perProvider = metrics.singleMetric();
  perProvider.addDimension('provider', report.provider);
  perProvider.addMetric(METRIC.pollDuration, METRIC_UNIT.Milliseconds, report.totalMs);
  perProvider.addMetric(
    METRIC.apiCalls,
    METRIC_UNIT.Count,
    Object.values(report.apiCalls).reduce((a, b) => a + b, 0),
  );
  perProvider.addMetric(METRIC.apiErrors, METRIC_UNIT.Count, report.errors);
  perProvider.addMetric(METRIC.pollErrors, METRIC_UNIT.Count, report.ok ? 0 : 1);
  // Per target: the dashboard's poll duration and calls, and the heartbeat the PollsMissing alarm watches.
  const perTarget = metrics.singleMetric();
  perTarget.addDimension('target', report.targetId);
  perTarget.addMetric(METRIC.pollsCompleted, METRIC_UNIT.Count, 1);
  perTarget.addMetric(METRIC.pollDuration, METRIC_UNIT.Milliseconds, report.totalMs);
  perTarget.addMetric(
    METRIC.apiCalls,
    METRIC_UNIT.Count,
    Object.values(report.apiCalls).reduce((a, b) => a + b, 0),
  );
  for (const [kind, count] of Object.entries(report.errorKinds ?? {})) {
    const byKind = metrics.singleMetric();
    byKind.addDimension('provider', report.provider);
    byKind.addDimension('kind', kind);
    byKind.addMetric(METRIC.apiErrors, METRIC_UNIT.Count, count);
  }
  recordEvents(
    metrics,
    report.events.map((e) => e.data.type),
  );
  metrics.addMetric(METRIC.eventsDeadLettered, METRIC_UNIT.Count, report.deadLettered);
}

export function recordEvents(metrics: Metrics, types: string[]): void {
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  for (const [type, count] of counts) {
    const byType = metrics.singleMetric();
    byType.addDimension('type', type);
    byType.addMetric(METRIC.events, METRIC_UNIT.Count, count);
  }
}

export function recordNotify(metrics: Metrics, report: Pick<NotifyReport, 'sent' | 'failed'>): void {
  metrics.addMetric(METRIC.notificationsSent, METRIC_UNIT.Count, report.sent);
  metrics.addMetric(METRIC.notificationsFailed, METRIC_UNIT.Count, report.failed);
}

/** Remediation decisions by outcome (performed, skipped, failed, duplicate, error). */
export function recordRemediation(metrics: Metrics, report: RemediationReport): void {
  const counts = new Map<string, number>();
  for (const { decision } of report.decisions) counts.set(decision, (counts.get(decision) ?? 0) + 1);
  for (const [outcome, count] of counts) {
    const byOutcome = metrics.singleMetric();
    byOutcome.addDimension('outcome', outcome);
    byOutcome.addMetric(METRIC.remediations, METRIC_UNIT.Count, count);
  }
}
