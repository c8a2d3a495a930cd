/** source.unreachable: the vendor API itself failing, one condition per target. */
import type { EventInput } from '../model/event-input.js';
import type { EventPayload } from '../model/payloads.js';
import type { CollectionError } from '../model/snapshot.js';
import { type EventContext, type Finding, reconcile } from './conditions.js';
import type { Rules } from './config.js';
import { type DetectContext, eventLabels, targetRef } from './describe.js';
import { thresholdsFor } from './rules.js';
import { compact, conditionKey, type ResourceState, STATE_VERSION } from './state.js';

/** Operations named in a summary; the rest are counted. */
const MAX_OPERATIONS_LISTED = 5;

export function evaluateSource(
  key: string,
  previous: ResourceState | undefined,
  rules: Rules,
  context: DetectContext,
): { state: ResourceState; drafts: EventInput[] } {
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
    const values: EventPayload<'source.unreachable'> = {
      errorCount: snapshot.errors.length,
      operations: [...byOperation.keys()].join(', '),
      kinds: kinds.join(', '),
      pollsFailing,
    };
    const statuses = [...new Set(snapshot.errors.flatMap((e) => (e.status === undefined ? [] : [e.status])))];
    if (statuses.length > 0) values.statuses = statuses.join(', ');
    const message = first?.message;
    if (message) values.lastError = message;
    const configOnly = snapshot.errors.every((e) => e.kind === 'config');
    values.reason = first ? collectionErrorReason(first) : 'unknown';
    findings.push({
      type: 'source.unreachable',
      severity: pollsFailing >= rules.sourceUnreachable.criticalAfterPolls ? 'critical' : 'warning',
      // A secret that does not resolve is ours to fix, not the vendor being down: the title says which.
      title: configOnly
        ? `configuration problem for target ${target.id}: ${values.reason}`
        : `${snapshot.provider} API failing for target ${target.id}: ${values.reason}`,
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
    // Failing polls are counted up to the escalation to critical, no further.
    thresholds: (type, discriminator) => ({
      ...thresholdsFor(rules, type, discriminator),
      countPolls: rules.sourceUnreachable.criticalAfterPolls,
    }),
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
  return { state, drafts: reconciled.drafts };
}

/**
 * Why a call failed, in the words an on-call engineer needs first: DNS, refused, TLS, timeout, throttled,
 * HTTP status with the vendor's code, or the configuration reference that did not resolve.
 */
export function collectionErrorReason(error: CollectionError): string {
  const code = error.vendorCode ? ` ${error.vendorCode}` : '';
  const status = error.status === undefined ? '' : `HTTP ${error.status}`;
  const text = error.message ?? '';
  switch (error.kind) {
    case 'config':
      return cleanConfigText(text);
    case 'unreachable':
      if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'DNS lookup failed';
      if (/ECONNREFUSED/.test(text)) return 'connection refused';
      if (/ECONNRESET|socket hang up|UND_ERR_SOCKET/.test(text)) return 'connection reset';
      if (/CERT|TLS|SSL|self.signed/i.test(text)) return 'TLS handshake failed';
      return 'network unreachable';
    case 'timeout':
      return 'timed out';
    case 'throttled':
      return `throttled (${status || 'HTTP 429'}${code})`;
    case 'auth':
      return `authentication refused (${status || 'auth'}${code})`;
    case 'server-error':
      return `vendor server error (${status || '5xx'}${code})`;
    case 'client-error':
      return `request refused (${status || '4xx'}${code})`;
    case 'invalid-response':
      return 'unexpected response (schema drift or garbage)';
    case 'incomplete':
      return 'listing incomplete';
  }
}

/** Our own message naming a reference; only whitespace is folded and the length capped. */
function cleanConfigText(text: string): string {
  const folded = text
    .replace(/^credentials: /, '')
    .replace(/\s+/g, ' ')
    .trim();
  return folded.length > 200 ? `${folded.slice(0, 197)}...` : folded || 'configuration problem';
}
