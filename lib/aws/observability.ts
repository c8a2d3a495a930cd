import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { JobwatchEvent } from '../events/schema.js';

export const SERVICE_NAME = 'jobwatch';
/** The CloudWatch namespace of every EMF metric jobwatch emits. */
export const METRICS_NAMESPACE = 'jobwatch';

/**
 * EMF metric names, made once so dashboards and alarms (serverless.yml) and the code agree. Dimensions:
 * `service` (always), plus `provider`, `type`, `channel` or `outcome` as noted.
 */
export const METRIC = {
  /** Milliseconds one target's poll took; dimension provider, and target. */
  pollDuration: 'PollDuration',
  /** Vendor API calls made; dimension provider, and target. */
  apiCalls: 'ApiCalls',
  /** Vendor API calls that failed (after retries); dimension provider, and provider + kind. */
  apiErrors: 'ApiErrors',
  /** One per finished poll; dimension target. The dead man's switch alarm watches for it going missing. */
  pollsCompleted: 'PollsCompleted',
  /** Polls that ended in source.unreachable or threw; dimension provider. */
  pollErrors: 'PollErrors',
  /** Events published; dimension type. */
  events: 'Events',
  /** Events the bus refused (dead-lettered to the store). */
  eventsDeadLettered: 'EventsDeadLettered',
  notificationsSent: 'NotificationsSent',
  notificationsFailed: 'NotificationsFailed',
  /** Remediation decisions; dimension outcome (performed, skipped, failed). */
  remediations: 'Remediations',
} as const;

export const METRIC_UNIT = MetricUnit;

/**
 * Powertools structured logger (JSON lines with level, timestamp, service, cold start, request id).
 * Satisfies `lib/observability/logger.ts`'s Logger. Level from POWERTOOLS_LOG_LEVEL (default INFO).
 *
 * @example
 * const logger = createLambdaLogger();
 * logger.appendKeys(eventLogKeys(event)); // fingerprint and target on every line of this invocation
 */
export function createLambdaLogger(options: { persistentKeys?: Record<string, string> } = {}): Logger {
  return new Logger({
    serviceName: SERVICE_NAME,
    ...(options.persistentKeys ? { persistentKeys: options.persistentKeys } : {}),
  });
}

/**
 * EMF metrics in namespace `jobwatch`. Call `publishStoredMetrics()` at the end of each invocation (the
 * Powertools middleware does it for wrapped handlers).
 */
export function createLambdaMetrics(options: { defaultDimensions?: Record<string, string> } = {}): Metrics {
  return new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: SERVICE_NAME,
    ...(options.defaultDimensions ? { defaultDimensions: options.defaultDimensions } : {}),
  });
}

/** The log keys that tie a line to a finding: the event's fingerprint, target, type and status. */
export function eventLogKeys(event: JobwatchEvent): Record<string, string> {
  return {
    fingerprint: event.data.fingerprint,
    targetId: event.data.targetId,
    eventType: event.data.type,
    eventStatus: event.data.status,
  };
}
