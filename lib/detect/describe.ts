/** Event identity, labels and wording shared by every rule. */
import type { TargetConfig } from '../config/schema.js';
import type { ResourceRef } from '../events/index.js';
import type { ContainerSnapshot, JobSnapshot, TargetSnapshot } from '../model/snapshot.js';
import { trimText } from '../text/trim.js';
import type { Values } from './conditions.js';

/** Longest error text copied into an event. */
export const MAX_ERROR_CHARS = 300;
/** At most this many host names are listed in a container event. */
export const MAX_HOSTS_LISTED = 10;

export interface DetectContext {
  target: Pick<TargetConfig, 'id' | 'labels' | 'rules' | 'jobRules'>;
  snapshot: TargetSnapshot;
  nowMs: number;
  containers: ReadonlyMap<string, ContainerSnapshot>;
}

export function jobRef(job: JobSnapshot): ResourceRef {
  return {
    key: job.key,
    kind: 'job',
    name: job.name,
    vendorId: job.vendorId,
    ...(job.instanceId === undefined ? {} : { instanceId: job.instanceId }),
    jobKind: job.kind,
    scope: { kind: job.scope.kind, id: job.scope.id, ...(job.scope.name ? { name: job.scope.name } : {}) },
  };
}

export function containerRef(container: ContainerSnapshot): ResourceRef {
  return {
    key: container.key,
    kind: container.type,
    name: container.name,
    vendorId: container.vendorId,
    scope: {
      kind: container.scope.kind,
      id: container.scope.id,
      ...(container.scope.name ? { name: container.scope.name } : {}),
    },
  };
}

export function targetRef(targetId: string, key: string): ResourceRef {
  return { key, kind: 'target', name: targetId, vendorId: targetId, scope: { kind: 'target', id: targetId } };
}

/** target.labels + the resource's labels + {provider, target, kind}; the fixed keys cannot be overridden. */
export function eventLabels(
  context: DetectContext,
  resourceLabels: Record<string, string>,
  kind: ResourceRef['kind'],
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...context.target.labels,
    ...resourceLabels,
    ...extra,
    provider: context.snapshot.provider,
    target: context.target.id,
    kind,
  };
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

export function jobBaseValues(job: JobSnapshot, sinceMs: number, context: DetectContext): Values {
  const values: Values = {
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
  const lastError = cleanText(job.lastError);
  if (lastError) values.lastError = lastError;
  const container = unhealthyContainerOf(job, context);
  if (container) {
    values.container = container.name;
    values.containerHealth = container.health;
  }
  return values;
}

/** Vendor text for an event: single-spaced, trimmed (collectors scrubbed it where it entered). */
export function cleanText(text: string | undefined, max = MAX_ERROR_CHARS): string | undefined {
  return trimText(text, max);
}

/** ISO time for event values; a vendor's garbage timestamp must not throw. */
export function iso(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? 'unknown' : date.toISOString();
}

/** "45 s", "10 min", "2 h 5 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** "orders-etl (flink-stream, project p1)": who, in a summary. */
export function describeJob(job: JobSnapshot): string {
  const scope = `${job.scope.kind} ${job.scope.name ?? job.scope.id}`;
  return `${job.name} (${job.kind}, ${scope}${job.instanceId ? `, instance ${job.instanceId}` : ''})`;
}
