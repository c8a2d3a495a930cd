/** Event identity, labels and wording shared by every rule. */
import type { TargetConfig } from '../config/schema.js';
import type { ResourceRef } from '../model/event-input.js';
import type { EventPayload } from '../model/payloads.js';
import type { ContainerSnapshot, JobSnapshot, TargetSnapshot } from '../model/snapshot.js';
import { assignOwn } from '../text/record.js';
import { isoTime } from '../text/time.js';

/** At most this many host names are listed in a container event. */
export const MAX_HOSTS_LISTED = 10;

export interface DetectContext {
  target: Pick<TargetConfig, 'id' | 'labels' | 'rules' | 'jobRules'>;
  snapshot: TargetSnapshot;
  nowMs: number;
  containers: ReadonlyMap<string, ContainerSnapshot>;
}

export function jobRef(job: JobSnapshot): ResourceRef {
  const ref: ResourceRef = {
    key: job.key,
    kind: 'job',
    name: job.name,
    vendorId: job.vendorId,
  } as ResourceRef;
  if (job.instanceId !== undefined) ref.instanceId = job.instanceId;
  ref.jobKind = job.kind;
  ref.scope = scopeRef(job.scope);
  return ref;
}

/**
 * `previous` when it is the reference `jobRef(job)` would make (the same members, as `sameRefOr` compares
 * them), else that new reference: a job's reference is compared where it comes from, not built every poll.
 */
export function jobRefOr(previous: ResourceRef | undefined, job: JobSnapshot): ResourceRef {
  const scope = previous?.scope;
  if (
    previous === undefined ||
    previous.key !== job.key ||
    previous.kind !== 'job' ||
    previous.name !== job.name ||
    previous.vendorId !== job.vendorId ||
    previous.instanceId !== job.instanceId ||
    previous.jobKind !== job.kind ||
    typeof scope !== 'object' ||
    scope === null ||
    scope.kind !== job.scope.kind ||
    scope.id !== job.scope.id ||
    scope.name !== (job.scope.name ? job.scope.name : undefined) ||
    memberCount(previous) !== (job.instanceId === undefined ? 6 : 7) ||
    memberCount(scope) !== (job.scope.name ? 3 : 2)
  )
    return jobRef(job);
  return previous;
}

function memberCount(value: object): number {
  let n = 0;
  for (const key in value) if (Object.hasOwn(value, key)) n++;
  return n;
}

export function containerRef(container: ContainerSnapshot): ResourceRef {
  return {
    key: container.key,
    kind: container.type,
    name: container.name,
    vendorId: container.vendorId,
    scope: scopeRef(container.scope),
  };
}

function scopeRef(scope: JobSnapshot['scope']): ResourceRef['scope'] {
  const ref: ResourceRef['scope'] = { kind: scope.kind, id: scope.id };
  if (scope.name) ref.name = scope.name;
  return ref;
}

export function targetRef(targetId: string, key: string): ResourceRef {
  return { key, kind: 'target', name: targetId, vendorId: targetId, scope: { kind: 'target', id: targetId } };
}

/** target.labels + the resource's labels + {provider, target, kind}; the fixed keys cannot be overridden. */
export function eventLabels(
  context: DetectContext,
  resourceLabels: Record<string, string>,
  kind: ResourceRef['kind'],
  jobKind?: string,
  container?: string,
): Record<string, string> {
  // Assigned in a loop rather than spread: this runs for every resource on every poll.
  const labels: Record<string, string> = assignOwn({}, context.target.labels);
  assignOwn(labels, resourceLabels);
  if (jobKind !== undefined) labels['jobKind'] = jobKind;
  if (container !== undefined) labels['container'] = container;
  labels['provider'] = context.snapshot.provider;
  labels['target'] = context.target.id;
  labels['kind'] = kind;
  return labels;
}

/** The container a job runs on, when it is known and not healthy (for context and inhibition). */
export function unhealthyContainerOf(
  job: JobSnapshot,
  context: DetectContext,
): ContainerSnapshot | undefined {
  if (!job.containerKey) return undefined;
  const container = context.containers.get(job.containerKey);
  return container && (container.health === 'UNHEALTHY' || container.health === 'DEGRADED')
    ? container
    : undefined;
}

export function jobBaseValues(
  job: JobSnapshot,
  sinceMs: number,
  context: DetectContext,
): EventPayload<'job.failed'> {
  const values: EventPayload<'job.failed'> = {
    state: job.state,
    vendorState: job.vendorState,
    since: iso(sinceMs),
    targetJobCount: context.snapshot.jobs.length,
  };
  if (job.stateCause) values.stateCause = job.stateCause;
  if (job.autoRestart) values.autoRestart = job.autoRestart.enabled;
  // What this poll could not read, so a reader (or a remediation guard) knows the facts are partial.
  if (job.missing && job.missing.length > 0)
    values.missingEvidence = [...new Set(job.missing)].sort().join(',');
  if (job.startedAtMs !== undefined) values.startedAt = iso(job.startedAtMs);
  if (job.finishedAtMs !== undefined) values.finishedAt = iso(job.finishedAtMs);
  // Scrubbed, single-spaced and cut to MAX_ERROR_CHARS by the collector, where it entered.
  if (job.lastError) values.lastError = job.lastError;
  const container = unhealthyContainerOf(job, context);
  if (container) {
    values.container = container.name;
    values.containerHealth = container.health;
  }
  return values;
}

/** ISO time for event values; a vendor's garbage timestamp must not throw. */
export function iso(ms: number): string {
  // The range a Date can hold (ECMAScript TimeClip).
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? isoTime(ms) : 'unknown';
}

/** "orders-etl (flink-stream, project p1)": who, in a summary. */
export function describeJob(job: JobSnapshot): string {
  const scope = `${job.scope.kind} ${job.scope.name ?? job.scope.id}`;
  return `${job.name} (${job.kind}, ${scope}${job.instanceId ? `, instance ${job.instanceId}` : ''})`;
}
