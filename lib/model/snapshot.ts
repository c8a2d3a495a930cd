/**
 * The normalized snapshot model: what every provider's collector returns for one poll of one target.
 * Detection, routing and remediation only ever see these types, never a vendor response.
 *
 * Time values are epoch milliseconds unless a name says otherwise.
 */
import { z } from 'zod';
import type { FailureKind } from '../http/errors.js';

/**
 * A provider's id (`alibaba-blink`, `huawei-dli`, ...): a validated string, not an enum. Providers plug in
 * through lib/providers/registry.ts (`registerProvider`), which sits above this model; an enum here would be
 * a second list to keep in step with the registry. The model and the event contract check the shape only;
 * whether an id names a registered provider is checked where a user names one, at config load
 * (lib/config/schema.ts), and every event comes from a validated target or names one.
 */
export type ProviderId = string;
export const PROVIDER_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const providerIdSchema = z
  .string()
  .regex(PROVIDER_ID_PATTERN, 'must be a provider id: lowercase letters, digits and dashes');

/** Normalized job state. The verbatim vendor state is always kept next to it. */
export const JOB_STATES = [
  'PENDING',
  'RUNNING',
  'PAUSED',
  'STOPPING',
  'STOPPED',
  'SUCCEEDED',
  'FAILED',
  'UNKNOWN',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States from which a job will not move again without someone acting. */
export const TERMINAL_JOB_STATES: ReadonlySet<JobState> = new Set(['STOPPED', 'SUCCEEDED', 'FAILED']);

export const JOB_KINDS = [
  'flink-stream',
  'flink-batch',
  'spark-batch',
  'spark-streaming',
  'sql',
  'mapreduce',
  'hive',
  'spark-sql',
  'distcp',
  'other',
] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export type ScopeKind = 'project' | 'cluster' | 'queue';

export interface Scope {
  kind: ScopeKind;
  /** Vendor id of the project, cluster or queue. */
  id: string;
  name?: string;
}

/** Identity shared by every snapshot: enough to route, fingerprint and act without vendor knowledge. */
export interface ResourceIdentity {
  /** Stable across polls and processes: `${provider}/${region}/${scope.kind}:${scope.id}/${type}:${vendorId}`. */
  key: string;
  provider: ProviderId;
  /** Name of the configured target that produced the snapshot. */
  targetId: string;
  region: string;
  scope: Scope;
  name: string;
  vendorId: string;
  consoleUrl?: string;
  /** Labels from config and vendor facts (queue, cluster, kind). Never secrets. */
  labels: Record<string, string>;
  /**
   * The tags or labels users keep on the job at the vendor (DLI job tags, Flink deployment labels): only the
   * keys named by `rules.tagLabels` (owner, env by default) reach events; the rest stays in the snapshot.
   */
  vendorTags?: Record<string, string>;
}

export interface CheckpointFailure {
  id: number;
  atMs: number;
  message?: string;
}

export interface CheckpointStats {
  lastCompletedId?: number;
  lastCompletedAtMs?: number;
  lastDurationMs?: number;
  /** Cumulative failed count as the vendor reports it (may reset when an instance restarts). */
  failedCount?: number;
  inProgressCount?: number;
  intervalMs?: number;
  timeoutMs?: number;
  toleratedFailures?: number;
  /** Individual failed checkpoints the vendor listed, so failures are counted by id, not by poll. */
  recentFailures?: CheckpointFailure[];
}

export interface FailoverException {
  atMs: number;
  message: string;
  rootCause?: string;
}

export interface MetricSample {
  name: string;
  value: number;
  unit?: string;
  atMs: number;
}

/** A vendor's own automatic restart, so remediation does not fight it. */
export interface NativeAutoRestart {
  enabled: boolean;
  maxAttempts?: number;
  fromCheckpoint?: boolean;
}

/**
 * What a job snapshot is made of, read by read: its state, its checkpoint statistics, its failover
 * exceptions, its metric samples, and vendor facts from a detail read (queue, native auto-restart). A kind
 * the collector could not read this poll (the read failed, returned garbage, or was skipped because an
 * earlier read failed) is listed in `JobSnapshot.missing`: detection then holds every condition decided
 * from it, since a missing answer is not a healthy one.
 */
export const EVIDENCE = ['state', 'checkpoints', 'failovers', 'metrics', 'details'] as const;
export type Evidence = (typeof EVIDENCE)[number];

export interface JobSnapshot extends ResourceIdentity {
  type: 'job';
  kind: JobKind;
  instanceId?: string;
  state: JobState;
  vendorState: string;
  /**
   * Why the job is in its state when the vendor tells: 'user' for a person's stop or pause, 'system' for
   * failures and vendor-driven transitions. Remediation never acts on a job a person stopped.
   */
  stateCause?: 'user' | 'system';
  stateSinceMs?: number;
  startedAtMs?: number;
  finishedAtMs?: number;
  /** Last error text, trimmed and scrubbed of secrets by the collector. */
  lastError?: string;
  checkpoints?: CheckpointStats;
  /** Failovers the collector saw this poll (detection keeps the cursor, so repeats are harmless). */
  failovers?: FailoverException[];
  metrics?: MetricSample[];
  /** A monotonically increasing progress figure (records, percent), for "running but not progressing". */
  progress?: number;
  autoRestart?: NativeAutoRestart;
  /** Key of the cluster or queue snapshot the job runs on, for context and inhibition. */
  containerKey?: string;
  /**
   * Evidence this poll could not read (see EVIDENCE). Absent when every read the job needed answered; a
   * kind the collector never reads for this job (no checkpoints for a batch job) is not missing.
   */
  missing?: Evidence[];
}

export const CONTAINER_HEALTH = ['HEALTHY', 'DEGRADED', 'UNHEALTHY', 'UNKNOWN'] as const;
export type ContainerHealth = (typeof CONTAINER_HEALTH)[number];

export interface HostStatus {
  name: string;
  status: string;
  healthy: boolean;
}

/** A cluster (MRS) or queue (DLI): something jobs run on. */
export interface ContainerSnapshot extends ResourceIdentity {
  type: 'cluster' | 'queue';
  health: ContainerHealth;
  vendorState: string;
  stateSinceMs?: number;
  detail?: string;
  hosts?: HostStatus[];
  /** Capacity facts, e.g. { cuCount: 16 }. */
  capacity?: Record<string, number>;
}

/** Why a read failed: the HTTP layer's vocabulary, since every collection failure is a failed call or our config. */
export type CollectionErrorKind = FailureKind;

/** A failure of the vendor API itself. Part of the snapshot, never an exception. */
export interface CollectionError {
  kind: CollectionErrorKind;
  /** The vendor operation, e.g. 'ListJob' or 'GET /v1.0/{project_id}/streaming/jobs'. */
  operation: string;
  message: string;
  status?: number;
  vendorCode?: string;
  requestId?: string;
  attempts?: number;
  atMs: number;
}

export interface TargetSnapshot {
  targetId: string;
  provider: ProviderId;
  region: string;
  collectedAtMs: number;
  durationMs: number;
  jobs: JobSnapshot[];
  containers: ContainerSnapshot[];
  errors: CollectionError[];
  /**
   * True when every listing was read to the end and matched the totals the API reported. When false,
   * detection must not treat a missing job as gone.
   */
  complete: boolean;
  /**
   * True when every job listing ended on a total the vendor reported (not on a short page or a single
   * answer), so jobs missing from a complete snapshot are gone on the vendor's word. Absent means not
   * confirmed: detection then holds a mass disappearance of known jobs (`rules.massDisappearance`).
   */
  confirmedByTotals?: boolean;
  /** Vendor API calls made, by operation name. */
  apiCalls: Record<string, number>;
}

export function resourceKey(parts: {
  provider: ProviderId;
  region: string;
  scope: Scope;
  type: 'job' | 'cluster' | 'queue';
  vendorId: string;
}): string {
  // Joined rather than concatenated: one flat string instead of a rope of ten pieces (a key per resource
  // lives as long as its snapshot and state; at 50,000 jobs the ropes were about 20 MB).
  return [
    parts.provider,
    '/',
    parts.region,
    '/',
    parts.scope.kind,
    ':',
    parts.scope.id,
    '/',
    parts.type,
    ':',
    parts.vendorId,
  ].join('');
}
