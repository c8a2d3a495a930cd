/**
 * Stage "group" (ingest, dispatch; AM `dispatch/dispatch.go`): route each event to its receivers' groups
 * and merge it into the group item, and, after a flush decision, move the group's timer on and drop what
 * it has dealt with. Groups live in the Store (pk `alert#group`, sk `<receiver>#<groupKey>`) and are
 * written with conditional writes, so concurrent and repeated deliveries converge on one state.
 */

import { isDecision } from '../../events/payloads.js';
import type { JobwatchEvent } from '../../events/schema.js';
import type { Logger } from '../../observability/logger.js';
import type { Store } from '../../state/store.js';
import { ignoreWriteConflict, updateWithRetry } from '../../state/update.js';
import { type CompiledRoute, groupKeyFor, groupLabelsFor, matchRoutes } from '../route.js';
import { alertLabels } from '../silences.js';
import { byObservation, observedAt } from './order.js';

export const GROUP_PK = 'alert#group';

export interface StoredAlert {
  event: JobwatchEvent;
  /** When jobwatch observed the event (`observedAt`): the order of events of one fingerprint. */
  atMs: number;
}

/** One aggregation group as stored: pk `alert#group`, sk `<receiver>#<groupKey>`. */
export interface GroupState {
  receiver: string;
  routeId: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  alerts: Record<string, StoredAlert>;
  createdAtMs: number;
  /** When the group is next due: created + group_wait, then every group_interval. */
  nextFlushAtMs: number;
}

/** One group an event belongs to. */
export interface GroupTarget {
  sk: string;
  route: CompiledRoute;
  groupKey: string;
  groupLabels: Record<string, string>;
}

/** The groups of `event`: one per matching route with a known receiver, each group once. */
export function groupTargets(
  tree: CompiledRoute,
  hasReceiver: (name: string) => boolean,
  event: JobwatchEvent,
  logger: Logger,
): GroupTarget[] {
  const labels = alertLabels(event);
  const seen = new Set<string>();
  const out: GroupTarget[] = [];
  for (const route of matchRoutes(tree, labels)) {
    const receiver = route.options.receiver;
    if (!receiver) continue;
    if (!hasReceiver(receiver)) {
      logger.error('route names an unknown receiver', { route: route.id, receiver });
      continue;
    }
    const groupLabels = groupLabelsFor(route.options.groupBy, labels);
    const groupKey = groupKeyFor(route.id, groupLabels);
    const sk = `${receiver}#${groupKey}`;
    if (seen.has(sk)) continue;
    seen.add(sk);
    out.push({ sk, route, groupKey, groupLabels });
  }
  return out;
}

/** Events per group they belong to, each group's events oldest first. */
export function batchByGroup(
  events: readonly JobwatchEvent[],
  targetsOf: (event: JobwatchEvent) => GroupTarget[],
): { target: GroupTarget; events: JobwatchEvent[] }[] {
  const byGroup = new Map<string, { target: GroupTarget; events: JobwatchEvent[] }>();
  for (const event of events) {
    for (const target of targetsOf(event)) {
      const entry = byGroup.get(target.sk) ?? { target, events: [] };
      entry.events.push(event);
      byGroup.set(target.sk, entry);
    }
  }
  for (const entry of byGroup.values()) entry.events.sort(byObservation);
  return [...byGroup.values()];
}

/**
 * The group with `events` merged in (a new group when `current` is undefined), or undefined when they
 * change nothing: duplicates, events older than what the group holds, resolutions of alerts it never had.
 */
export function mergeIntoGroup(
  current: GroupState | undefined,
  target: GroupTarget,
  events: readonly JobwatchEvent[],
  nowMs: number,
): GroupState | undefined {
  const state: GroupState = current
    ? structuredClone(current)
    : {
        receiver: target.route.options.receiver,
        routeId: target.route.id,
        groupKey: target.groupKey,
        groupLabels: target.groupLabels,
        alerts: {},
        createdAtMs: nowMs,
        nextFlushAtMs: nowMs + target.route.options.groupWaitMs,
      };
  let changed = false;
  for (const event of events) {
    const fp = event.data.fingerprint;
    const existing = state.alerts[fp];
    const atMs = observedAt(event);
    // Duplicates and stale (out-of-order) deliveries change nothing.
    if (existing && (existing.event.id === event.id || existing.atMs > atMs)) continue;
    if (existing && existing.atMs === atMs && existing.event.data.status === 'resolved') continue;
    // A resolution of something this group never saw firing has nothing to resolve.
    if (!existing && event.data.status === 'resolved') continue;
    state.alerts[fp] = { event, atMs };
    changed = true;
  }
  return changed ? state : undefined;
}

/** Merges events into their group in the Store (re-read and re-merged when another writer came first). */
export async function upsertGroup(
  store: Store,
  target: GroupTarget,
  events: readonly JobwatchEvent[],
  nowMs: number,
): Promise<void> {
  await updateWithRetry<GroupState, void>(store, { pk: GROUP_PK, sk: target.sk }, (current) => {
    const next = mergeIntoGroup(current?.data, target, events, nowMs);
    return next ? { next, result: undefined } : { result: undefined };
  });
}

/**
 * After a flush decision: the group is next due no earlier than `nextFlushAtMs`, and the alerts in
 * `handled` (fingerprint to event id) are dropped unless a newer event arrived meanwhile; a group left
 * empty is deleted. A write lost ten times over is left to the writers that won (the group stays due).
 */
export async function advanceGroup(
  store: Store,
  sk: string,
  handled: ReadonlyMap<string, string>,
  nextFlushAtMs: number,
): Promise<void> {
  await updateWithRetry<GroupState, void>(store, { pk: GROUP_PK, sk }, (current) => {
    if (!current) return { result: undefined };
    const state = structuredClone(current.data);
    for (const [fp, eventId] of handled) {
      if (state.alerts[fp]?.event.id === eventId) delete state.alerts[fp];
    }
    state.nextFlushAtMs = Math.max(state.nextFlushAtMs, nextFlushAtMs);
    return Object.keys(state.alerts).length === 0
      ? { remove: true, result: undefined }
      : { next: state, result: undefined };
  }).catch(ignoreWriteConflict);
}

const handledWhere = (state: GroupState, done: (alert: StoredAlert) => boolean) =>
  new Map(
    Object.values(state.alerts)
      .filter(done)
      .map((a) => [a.event.data.fingerprint, a.event.id]),
  );

/** After a successful send: resolved alerts, and one-shot notifications (remediation decisions), are done. */
export const handledBySend = (state: GroupState): Map<string, string> =>
  handledWhere(state, (a) => a.event.data.status === 'resolved' || isDecision(a.event.data.type));

/** After a flush with nothing to say: resolved alerts are done (the log no longer needs them). */
export const resolvedHandled = (state: GroupState): Map<string, string> =>
  handledWhere(state, (a) => a.event.data.status === 'resolved');
