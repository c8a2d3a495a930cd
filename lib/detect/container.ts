/** cluster.unhealthy / queue.unhealthy from a container's normalized health. */
import type { EventInput } from '../model/event-input.js';
import type { EventPayload } from '../model/payloads.js';
import type { ContainerSnapshot } from '../model/snapshot.js';
import { type EventContext, type Finding, reconcile } from './conditions.js';
import type { Rules } from './config.js';
import { containerRef, type DetectContext, eventLabels, iso, MAX_HOSTS_LISTED } from './describe.js';
import { thresholdsFor } from './rules.js';
import { compact, type ResourceState, STATE_VERSION } from './state.js';

export function evaluateContainer(
  container: ContainerSnapshot,
  previous: ResourceState | undefined,
  rules: Rules,
  context: DetectContext,
): { state: ResourceState; drafts: EventInput[] } {
  const noun = container.type === 'cluster' ? 'Cluster' : 'Queue';
  const labels = eventLabels(context, container.labels, container.type);
  const jobsOn = context.snapshot.jobs.filter((j) => j.containerKey === container.key);
  const baseValues: EventPayload<'cluster.unhealthy'> = {
    health: container.health,
    vendorState: container.vendorState,
    targetJobCount: context.snapshot.jobs.length,
    jobsOnContainer: jobsOn.length,
  };
  if (container.stateSinceMs !== undefined) baseValues.since = iso(container.stateSinceMs);
  const eventContext: EventContext = {
    provider: context.snapshot.provider,
    targetId: context.target.id,
    region: context.snapshot.region,
    ref: containerRef(container),
    labels,
    ...(container.consoleUrl ? { consoleUrl: container.consoleUrl } : {}),
    baseValues,
  };

  const findings: Finding[] = [];
  if (
    rules.containerHealth.enabled &&
    (container.health === 'UNHEALTHY' || container.health === 'DEGRADED')
  ) {
    const badHosts = (container.hosts ?? []).filter((h) => !h.healthy);
    const values: EventPayload<'cluster.unhealthy'> = { unhealthyHostCount: badHosts.length };
    if (badHosts.length > 0) {
      values.unhealthyHosts = badHosts
        .slice(0, MAX_HOSTS_LISTED)
        .map((h) => `${h.name} (${h.status})`)
        .join(', ');
    }
    const detail = container.detail;
    if (detail) values.detail = detail;
    const hostsText = badHosts.length > 0 ? `; unhealthy hosts: ${values.unhealthyHosts}` : '';
    const affected = jobsOn.length > 0 ? `; ${jobsOn.length} watched job(s) run on it` : '';
    findings.push({
      type: container.type === 'cluster' ? 'cluster.unhealthy' : 'queue.unhealthy',
      severity: container.health === 'UNHEALTHY' ? 'critical' : 'warning',
      title: `${noun} ${container.name} ${container.health}`,
      summary: `${noun} ${container.name} (${container.scope.kind} ${container.scope.name ?? container.scope.id}) is ${
        container.health
      } (vendor state ${container.vendorState})${detail ? `: ${detail}` : ''}${hostsText}${affected}.`,
      values,
      startsAtMs: container.stateSinceMs ?? context.nowMs,
    });
  }

  const reconciled = reconcile({
    previous: previous?.conditions ?? {},
    findings,
    // UNKNOWN health says nothing: an unhealthy cluster stays firing until it is seen healthy.
    held: () => container.health === 'UNKNOWN',
    thresholds: (type, discriminator) => thresholdsFor(rules, type, discriminator),
    context: eventContext,
    nowMs: context.nowMs,
    resolvedTitle: (c) => `${noun} ${container.name} healthy again${c.title ? ` (was: ${c.title})` : ''}`,
  });
  const state: ResourceState = compact({
    v: STATE_VERSION,
    ref: eventContext.ref,
    labels,
    ...(container.consoleUrl ? { consoleUrl: container.consoleUrl } : {}),
    conditions: reconciled.conditions,
  });
  return { state, drafts: reconciled.drafts };
}
