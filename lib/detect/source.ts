/** source.unreachable: the vendor API itself failing, one condition per target. */
import type { JobwatchEvent } from '../events/index.js';
import { type EventContext, type Finding, reconcile, type Values } from './conditions.js';
import type { Rules } from './config.js';
import { cleanText, type DetectContext, eventLabels, targetRef } from './describe.js';
import { thresholdsFor } from './rules.js';
import { compact, conditionKey, type ResourceState, STATE_VERSION } from './state.js';

/** Operations named in a summary; the rest are counted. */
const MAX_OPERATIONS_LISTED = 5;

export function evaluateSource(
  key: string,
  previous: ResourceState | undefined,
  rules: Rules,
  context: DetectContext,
): { state: ResourceState; events: JobwatchEvent[] } {
  const { snapshot, target } = context;
  const labels = eventLabels(context, {}, 'target');
  const eventContext: EventContext = {
    provider: snapshot.provider,
    targetId: target.id,
    region: snapshot.region,
    ref: targetRef(target.id, key),
    labels,
    baseValues: { targetJobCount: snapshot.jobs.length, complete: snapshot.complete },
  };

  const findings: Finding[] = [];
  if (rules.sourceUnreachable.enabled && snapshot.errors.length > 0) {
    const byOperation = new Map<string, Set<string>>();
    for (const error of snapshot.errors) {
      const kinds = byOperation.get(error.operation) ?? new Set<string>();
      kinds.add(error.kind);
      byOperation.set(error.operation, kinds);
    }
    const operations = [...byOperation.entries()].map(([op, kinds]) => `${op} (${[...kinds].join(', ')})`);
    const listed = operations.slice(0, MAX_OPERATIONS_LISTED).join(', ');
    const more =
      operations.length > MAX_OPERATIONS_LISTED
        ? ` and ${operations.length - MAX_OPERATIONS_LISTED} more`
        : '';
    const kinds = [...new Set(snapshot.errors.map((e) => e.kind))];
    const first = snapshot.errors[0];
    const previousSeen = previous?.conditions[conditionKey('source.unreachable')]?.seen ?? 0;
    const pollsFailing = previousSeen + 1;
    const values: Values = {
      errorCount: snapshot.errors.length,
      operations: [...byOperation.keys()].join(', '),
      kinds: kinds.join(', '),
      pollsFailing,
    };
    const statuses = [...new Set(snapshot.errors.flatMap((e) => (e.status === undefined ? [] : [e.status])))];
    if (statuses.length > 0) values.statuses = statuses.join(', ');
    const message = cleanText(first?.message);
    if (message) values.lastError = message;
    findings.push({
      type: 'source.unreachable',
      severity: pollsFailing >= rules.sourceUnreachable.criticalAfterPolls ? 'critical' : 'warning',
      title: `${snapshot.provider} API failing for target ${target.id}`,
      summary: `${snapshot.errors.length} failed call(s) to ${snapshot.provider} (${snapshot.region}): ${listed}${more}${
        snapshot.complete ? '' : '; the snapshot is incomplete, so missing jobs are kept as they were'
      }.`,
      values,
      startsAtMs: Math.min(...snapshot.errors.map((e) => e.atMs)),
    });
  }

  const reconciled = reconcile({
    previous: previous?.conditions ?? {},
    findings,
    thresholds: (type, discriminator) => thresholdsFor(rules, type, discriminator),
    context: eventContext,
    nowMs: context.nowMs,
    resolvedTitle: () => `${snapshot.provider} API reachable again for target ${target.id}`,
  });
  const state: ResourceState = compact({
    v: STATE_VERSION,
    ref: eventContext.ref,
    labels,
    conditions: reconciled.conditions,
  });
  return { state, events: reconciled.events };
}
