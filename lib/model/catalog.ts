/**
 * The event catalog. Every finding jobwatch makes is one of these types; a condition that clears is the
 * same type with status 'resolved' and the same fingerprint (so "job recovered" is a resolved job.failed).
 */
export const EVENT_TYPES = {
  'job.failed': 'A job reached FAILED, or stopped when nobody asked it to.',
  'job.state_changed': 'A job moved between normalized states (informational).',
  'job.stuck': 'A job has not left PENDING/STARTING, or has made no progress, for longer than allowed.',
  'checkpoint.failed': 'New checkpoint failures, counted by checkpoint id.',
  'checkpoint.stalled': 'No completed checkpoint for longer than the stall limit.',
  'failover.burst': 'N or more new failovers within the window while the job stays RUNNING.',
  'metric.threshold': 'A metric breached its threshold for N consecutive polls.',
  'cluster.unhealthy': 'An MRS cluster (or its hosts) is abnormal, failed or frozen.',
  'queue.unhealthy': 'A DLI queue is restarting, failed or otherwise unavailable.',
  'source.unreachable': 'The vendor API itself failed: down, slow, throttled, or answered garbage.',
  'monitor.stale':
    "jobwatch itself went quiet: a target's polls stopped arriving (its last poll is older than 3 intervals).",
  'remediation.performed': 'An automatic action was taken (or would be, in dry-run) and verified.',
  'remediation.skipped': 'A policy matched but a guardrail prevented the action; the reason is given.',
  'remediation.failed': 'An automatic action failed or could not be verified; a person is needed.',
} as const;

export type EventType = keyof typeof EVENT_TYPES;
export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const EVENT_STATUSES = ['firing', 'resolved'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];
