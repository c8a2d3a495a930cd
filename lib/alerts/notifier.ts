/**
 * The notification pipeline (AM `notify/notify.go`, spelled out in one place):
 *   ingest: drop what is older, by observation, than what was already handled for its fingerprint
 *           (redeliveries, replays), route each event, merge it into its group item (conditional writes,
 *           so concurrent and repeated deliveries converge on one state);
 *   flush:  for each due group: mute (inhibition, maintenance windows, silences), dedup against the
 *           notification log (needsUpdate), fold what exceeds the route's storm cap into one digest, then
 *           per group take a send lease, re-check the log, send with retries, record the log entry;
 *           a notification that still fails is dead-lettered in the Store and reported.
 */
import { randomUUID } from 'node:crypto';
import { sleep as defaultSleep } from '../async/sleep.js';
import type { Config } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import { buildEvent } from '../events/build.js';
import { isDecision } from '../events/payloads.js';
import type { JobwatchEvent } from '../events/schema.js';
import { backoffDelayMs } from '../http/client.js';
import type { Logger } from '../observability/logger.js';
import type { Store, StoreItem } from '../state/store.js';
import { ignoreWriteConflict, updateWithRetry } from '../state/update.js';
import { type Ack, activeAcks, covers } from './acks.js';
import { actionLinks } from './action-links.js';
import { createChannel } from './channels/registry.js';
import type { AlertGroupMessage, AlertView, Channel, NotifyResult, SendReason } from './channels/types.js';
import { alertingProblems } from './config.js';
import { clearDeadLetters, type DeadLetter, listDeadLetters, recordDeadLetter } from './deadletters.js';
import { type DedupReason, type NotificationLogEntry, needsUpdate } from './dedup.js';
import {
  DEFAULT_NOTIFY_RETRY,
  type RetryPolicy,
  type SendBudget,
  sendLeaseMs,
  startSendBudget,
} from './lease.js';
import { alertMuter, type MutableAlert, type Muter } from './mute.js';
import { type CompiledRoute, groupKeyFor, groupLabelsFor, matchRoutes, routeTree } from './route.js';
import { alertLabels, listSilences, silencesFromConfig } from './silences.js';
import { toAlertView } from './view.js';

export const GROUP_PK = 'alert#group';
export const nlogPk = (receiver: string) => `alert#nlog#${receiver}`;
/** Ids of one-shot notifications already sent, so redeliveries are not sent again. */
export const ONE_SHOT_PK = 'alert#oneshot';
/**
 * The latest event handled per fingerprint (status, observation time, id), so a redelivered or replayed
 * event older than what was already handled is ignored even after its group was sent and forgotten.
 */
export const FINGERPRINT_PK = 'alert#fingerprint';
/**
 * What the notifier remembers per fingerprint and per sent one-shot: well beyond any redelivery, the
 * 14-day dead-letter retention and a replay of those dead letters.
 */
const ORDERING_RETENTION_SEC = 30 * 24 * 3600;
/** Alerts listed in one message; the rest are counted ("… and 12 more"). */
export const MAX_ALERTS_PER_MESSAGE = 20;
const NLOG_RETENTION_SEC = 5 * 24 * 3600;
const MAX_CHANNEL_TIMEOUT_MS = 60_000;

export { DEADLETTER_PK, type DeadLetter } from './deadletters.js';
export { DEFAULT_NOTIFY_RETRY, type RetryPolicy } from './lease.js';

export interface NotifierDeps {
  config: Config;
  store: Store;
  secrets: SecretResolver;
  logger: Logger;
  now: () => number;
  /** Overrides for tests and the demo. */
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  signal?: AbortSignal;
}

export type NotifyOutcome = 'sent' | 'failed' | 'dead-lettered' | 'suppressed' | 'skipped' | 'digested';

export interface NotifyDetail {
  receiver: string;
  groupKey: string;
  outcome: NotifyOutcome;
  reason?: SendReason | string;
  firing: number;
  resolved: number;
  /** Failure text; never holds a URL or secret (channels scrub it). */
  error?: string;
  attempts?: number;
}

export interface NotifyReport {
  sent: number;
  failed: number;
  /** Firing alerts held back by inhibition, maintenance windows or silences in groups that were due. */
  suppressed: number;
  deadLettered: number;
  details: NotifyDetail[];
}

export interface Notifier {
  /** Ingests events (at-least-once: the same event may arrive twice, concurrently) and sends due groups. */
  handle(events: JobwatchEvent[]): Promise<NotifyReport>;
  /** Sends groups that are due even with no new event (scheduled). */
  flush(): Promise<NotifyReport>;
  /** `jobwatch alert test <receiver>`: sends a test message through one receiver. */
  test(receiver: string): Promise<NotifyReport>;
  close(): Promise<void>;
}

/** The flush's view of muting, plus the acknowledgements in force (they stop repeats, not first sends). */
type FlushMuter = Muter & { acks: Map<string, Ack> };

interface StoredAlert {
  event: JobwatchEvent;
  /** When jobwatch observed the event (`observedAt`): the order of events of one fingerprint. */
  atMs: number;
}

/** The latest event the notifier accepted for one fingerprint: pk `alert#fingerprint`, sk the fingerprint. */
export interface FingerprintRecord {
  status: JobwatchEvent['data']['status'];
  observedAtMs: number;
  eventId: string;
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

export class NotifierError extends Error {
  override name = 'NotifierError';
}

const emptyReport = (): NotifyReport => ({ sent: 0, failed: 0, suppressed: 0, deadLettered: 0, details: [] });

function mergeReports(into: NotifyReport, from: NotifyReport): NotifyReport {
  into.sent += from.sent;
  into.failed += from.failed;
  into.suppressed += from.suppressed;
  into.deadLettered += from.deadLettered;
  into.details.push(...from.details);
  return into;
}

/**
 * When jobwatch observed an event: detection's poll clock (`observedAtMs`), else the event time (webhook
 * ingest, older producers). Never the vendor's failure time alone, which lies before a resolve seen earlier.
 */
export const observedAt = (event: JobwatchEvent) => event.data.observedAtMs ?? Date.parse(event.time);

/**
 * Whether `event` is older than what was already handled for its fingerprint. At the same observation a
 * resolve wins over a different firing event; the same event again is not older (ingest is idempotent).
 */
export function isStale(event: JobwatchEvent, handled: FingerprintRecord | undefined): boolean {
  if (!handled) return false;
  const atMs = observedAt(event);
  if (atMs !== handled.observedAtMs) return atMs < handled.observedAtMs;
  return event.id !== handled.eventId && handled.status === 'resolved';
}

/** Oldest first; at the same observation a resolve counts as the later event (it wins, as in `isStale`). */
const byObservation = (a: JobwatchEvent, b: JobwatchEvent) =>
  observedAt(a) - observedAt(b) ||
  (a.data.status === b.data.status ? 0 : a.data.status === 'resolved' ? 1 : -1);
const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;

/** Finds routes for `events` and merges them into groups; exported for the flush-only Lambda and tests. */
export function createNotifier(deps: NotifierDeps): Notifier {
  const { config, store, logger } = deps;
  const tree: CompiledRoute = routeTree(config);
  const routesById = new Map<string, CompiledRoute>();
  const index = (route: CompiledRoute) => {
    routesById.set(route.id, route);
    route.routes.forEach(index);
  };
  index(tree);
  const channels = new Map<string, Channel>();
  for (const channelConfig of config.channels)
    channels.set(
      channelConfig.name,
      createChannel(channelConfig, {
        secrets: deps.secrets,
        logger,
        now: deps.now,
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
      }),
    );
  for (const problem of alertingProblems(config)) logger.error('alerting config problem', { problem });
  const retry: RetryPolicy = { ...DEFAULT_NOTIFY_RETRY, ...deps.retry };
  const sleep = deps.sleep ?? defaultSleep;
  const random = deps.random ?? Math.random;
  const configSilences = silencesFromConfig(config.silences);
  /** Per receiver: its attempts time out after the channel's timeoutMs, so its lease follows from that. */
  const leaseMsByReceiver = new Map(config.channels.map((c) => [c.name, sendLeaseMs(retry, c.timeoutMs)]));

  /** Every receiver is a configured channel; the fallback is the longest timeout a channel may have. */
  const leaseMsFor = (receiver: string | undefined) =>
    leaseMsByReceiver.get(receiver ?? '') ?? sendLeaseMs(retry, MAX_CHANNEL_TIMEOUT_MS);

  // ---- ingest ----------------------------------------------------------------------------------------

  function groupsFor(event: JobwatchEvent) {
    const labels = alertLabels(event);
    const seen = new Set<string>();
    const out: { sk: string; route: CompiledRoute; groupKey: string; groupLabels: Record<string, string> }[] =
      [];
    for (const route of matchRoutes(tree, labels)) {
      const receiver = route.options.receiver;
      if (!receiver) continue;
      if (!channels.has(receiver)) {
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

  /** Merges events into one group with a conditional write; re-reads and re-merges on conflict. */
  async function upsertGroup(
    target: { sk: string; route: CompiledRoute; groupKey: string; groupLabels: Record<string, string> },
    events: JobwatchEvent[],
    nowMs: number,
  ): Promise<void> {
    await updateWithRetry<GroupState, void>(store, { pk: GROUP_PK, sk: target.sk }, (current) => {
      const state: GroupState = current
        ? structuredClone(current.data)
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
      return changed ? { next: state, result: undefined } : { result: undefined };
    });
  }

  /**
   * Drops what is older than what was already handled for its fingerprint, and records the newest of the
   * rest (conditional writes, so concurrent invocations agree on one order).
   */
  async function admitInOrder(events: JobwatchEvent[], nowMs: number): Promise<Set<JobwatchEvent>> {
    const byFingerprint = new Map<string, JobwatchEvent[]>();
    for (const event of events) {
      const list = byFingerprint.get(event.data.fingerprint) ?? [];
      list.push(event);
      byFingerprint.set(event.data.fingerprint, list);
    }
    const admitted = new Set<JobwatchEvent>();
    if (byFingerprint.size === 0) return admitted;
    const records = await store.getMany<FingerprintRecord>(
      [...byFingerprint.keys()].map((sk) => ({ pk: FINGERPRINT_PK, sk })),
      { consistent: true },
    );
    const recordOf = new Map(records.map((r) => [r.sk, r]));
    const expiresAtSec = Math.floor(nowMs / 1000) + ORDERING_RETENTION_SEC;
    await Promise.all(
      [...byFingerprint].map(async ([fp, list]) => {
        list.sort(byObservation);
        const fresh = await updateWithRetry<FingerprintRecord, JobwatchEvent[]>(
          store,
          { pk: FINGERPRINT_PK, sk: fp },
          (current) => {
            const fresh = list.filter((e) => !isStale(e, current?.data));
            const newest = fresh.at(-1);
            if (!newest || current?.data.eventId === newest.id) return { result: fresh };
            const record: FingerprintRecord = {
              status: newest.data.status,
              observedAtMs: observedAt(newest),
              eventId: newest.id,
            };
            return { next: record, expiresAtSec, result: fresh };
          },
          { known: { item: recordOf.get(fp) } },
        );
        for (const event of fresh) admitted.add(event);
      }),
    );
    return admitted;
  }

  async function ingest(incoming: JobwatchEvent[], nowMs: number): Promise<void> {
    const oneShots = incoming.filter((e) => isDecision(e.data.type));
    const alreadySent = new Set(
      oneShots.length === 0
        ? []
        : (await store.getMany(oneShots.map((e) => ({ pk: ONE_SHOT_PK, sk: e.id })))).map((item) => item.sk),
    );
    const inOrder = await admitInOrder(
      incoming.filter((e) => !isDecision(e.data.type)),
      nowMs,
    );
    const events = incoming.filter((e) =>
      isDecision(e.data.type) ? !alreadySent.has(e.id) : inOrder.has(e),
    );
    const byGroup = new Map<
      string,
      { target: ReturnType<typeof groupsFor>[number]; events: JobwatchEvent[] }
    >();
    for (const event of events) {
      for (const target of groupsFor(event)) {
        const entry = byGroup.get(target.sk) ?? { target, events: [] };
        entry.events.push(event);
        byGroup.set(target.sk, entry);
      }
    }
    for (const entry of byGroup.values()) entry.events.sort(byObservation);
    await Promise.all([...byGroup.values()].map((e) => upsertGroup(e.target, e.events, nowMs)));
  }

  // ---- action links ----------------------------------------------------------------------------------

  /**
   * With `webhook.publicUrl` and `webhook.actionLinkKey`, every firing alert of a message gets signed links
   * to the confirm page (Acknowledge, Silence 1 h / 4 h). A key that cannot be read costs the links, never
   * the message.
   */
  async function withActionLinks(message: AlertGroupMessage, nowMs: number): Promise<AlertGroupMessage> {
    const publicUrl = config.webhook?.publicUrl;
    const keyRef = config.webhook?.actionLinkKey;
    // Receivers with callbacks carry buttons instead (see channels/interactive.ts).
    if (!publicUrl || !keyRef || message.firing.length === 0 || channels.get(message.receiver)?.interactive)
      return message;
    let key: string;
    try {
      key = await deps.secrets(keyRef);
    } catch (error) {
      logger.warn('action link key could not be read; sending without action links', {
        error: describeError(error),
      });
      return message;
    }
    return {
      ...message,
      firing: message.firing.map((view) => ({
        ...view,
        links: [...view.links, ...actionLinks(publicUrl, key, view.fingerprint, nowMs)],
      })),
    };
  }

  // ---- flush -----------------------------------------------------------------------------------------

  interface Candidate {
    item: StoreItem<GroupState>;
    route: CompiledRoute;
    channel: Channel;
    entry: StoreItem<NotificationLogEntry> | undefined;
    reason: DedupReason;
    firing: AlertView[];
    resolved: AlertView[];
    suppressed: number;
  }

  async function buildMuter(groups: StoreItem<GroupState>[], nowMs: number): Promise<FlushMuter> {
    const sources: MutableAlert[] = groups.flatMap((g) =>
      Object.values(g.data.alerts).map((a) => ({
        fingerprint: a.event.data.fingerprint,
        labels: alertLabels(a.event),
        firing: a.event.data.status === 'firing',
      })),
    );
    let stored: Awaited<ReturnType<typeof listSilences>> = [];
    try {
      stored = await listSilences(store, nowMs);
    } catch (error) {
      logger.warn('stored silences could not be read; using config silences only', {
        error: describeError(error),
      });
    }
    let acks: Awaited<ReturnType<typeof activeAcks>> = new Map();
    try {
      acks = await activeAcks(store, nowMs);
    } catch (error) {
      logger.warn('acknowledgements could not be read; repeating as if none', {
        error: describeError(error),
      });
    }
    return Object.assign(alertMuter(config, sources, [...configSilences, ...stored], nowMs), { acks });
  }

  function evaluate(
    item: StoreItem<GroupState>,
    entry: StoreItem<NotificationLogEntry> | undefined,
    muter: FlushMuter,
    nowMs: number,
  ): { reason: DedupReason | undefined; firing: AlertView[]; resolved: AlertView[]; suppressed: number } {
    const route = routesById.get(item.data.routeId);
    const channel = channels.get(item.data.receiver);
    const known = new Set(entry?.data.firing ?? []);
    const firing: AlertView[] = [];
    const resolved: AlertView[] = [];
    let suppressed = 0;
    for (const alert of Object.values(item.data.alerts)) {
      const event = alert.event;
      if (event.data.status === 'firing') {
        const muted = muter.mutes({
          fingerprint: event.data.fingerprint,
          labels: alertLabels(event),
          firing: true,
        });
        if (muted) suppressed++;
        else firing.push(toAlertView(event));
      } else if (known.has(event.data.fingerprint)) {
        // Only resolutions of alerts this receiver was told about are news to it.
        resolved.push(toAlertView(event));
      }
    }
    const order = (a: AlertView, b: AlertView) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.startsAtMs - b.startsAtMs;
    firing.sort(order);
    resolved.sort(order);
    const reason =
      route && channel
        ? needsUpdate({
            entry: entry?.data,
            firing: new Set(firing.map((a) => a.fingerprint)),
            resolved: new Set(resolved.map((a) => a.fingerprint)),
            acknowledged: new Set(
              firing
                .filter((a) => covers(muter.acks.get(a.fingerprint), a.startsAtMs, nowMs))
                .map((a) => a.fingerprint),
            ),
            sendResolved: channel.sendResolved,
            repeatIntervalMs: route.options.repeatIntervalMs,
            nowMs,
          })
        : undefined;
    return { reason, firing, resolved, suppressed };
  }

  function messageFor(
    c: Pick<Candidate, 'item' | 'reason' | 'firing' | 'resolved'>,
    nowMs: number,
  ): AlertGroupMessage {
    const showResolved = channels.get(c.item.data.receiver)?.sendResolved ?? true;
    const resolved = showResolved ? c.resolved : [];
    const firing = c.firing.slice(0, MAX_ALERTS_PER_MESSAGE);
    const resolvedShown = resolved.slice(0, Math.max(0, MAX_ALERTS_PER_MESSAGE - firing.length));
    return {
      receiver: c.item.data.receiver,
      groupKey: c.item.data.groupKey,
      groupLabels: c.item.data.groupLabels,
      reason: c.reason,
      status: c.firing.length > 0 ? 'firing' : 'resolved',
      firing,
      resolved: resolvedShown,
      omitted: c.firing.length - firing.length + resolved.length - resolvedShown.length,
      nowMs,
    };
  }

  /**
   * Sends with retries and backoff; honours Retry-After up to retry.maxRetryAfterMs. Within `budget` only:
   * each attempt is cut off when it runs out, and no wait starts that would end after it.
   */
  async function sendWithRetry(
    channel: Channel,
    message: AlertGroupMessage,
    budget: SendBudget,
  ): Promise<{ result: NotifyResult; attempts: number }> {
    let result: NotifyResult = { ok: false, retry: false, reason: 'client-error', error: 'not attempted' };
    for (let attempt = 1; attempt <= retry.maxAttempts; attempt++) {
      try {
        result = await channel.notify(message, budget.signal(deps.signal));
      } catch (error) {
        // Channels should not throw; if one does, its text may hold anything, so it is not reported.
        logger.error('channel threw', { channel: channel.name, error: (error as Error)?.name });
        result = {
          ok: false,
          retry: false,
          reason: 'client-error',
          error: `${channel.name}: channel failed`,
        };
      }
      if (result.ok || !result.retry || attempt === retry.maxAttempts) return { result, attempts: attempt };
      if (result.retryAfterMs !== undefined && result.retryAfterMs > retry.maxRetryAfterMs)
        return { result, attempts: attempt };
      const delay = Math.max(result.retryAfterMs ?? 0, backoffDelayMs(attempt, retry, random));
      // Past the budget the lease may lapse and another notifier send the same message: stop here, the
      // group is tried again at its next interval.
      if (delay >= budget.remainingMs()) return { result, attempts: attempt };
      try {
        await sleep(delay, deps.signal);
      } catch {
        return { result, attempts: attempt };
      }
    }
    return { result, attempts: retry.maxAttempts };
  }

  /** After a flush decision: next due time, and resolved alerts the log has dealt with are dropped. */
  async function advanceGroup(sk: string, handledResolved: Map<string, string>, nextFlushAtMs: number) {
    await updateWithRetry<GroupState, void>(store, { pk: GROUP_PK, sk }, (current) => {
      if (!current) return { result: undefined };
      const state = structuredClone(current.data);
      for (const [fp, eventId] of handledResolved) {
        // Only if no newer event for this alert arrived meanwhile.
        if (state.alerts[fp]?.event.id === eventId) delete state.alerts[fp];
      }
      state.nextFlushAtMs = Math.max(state.nextFlushAtMs, nextFlushAtMs);
      return Object.keys(state.alerts).length === 0
        ? { remove: true, result: undefined }
        : { next: state, result: undefined };
    }).catch(ignoreWriteConflict);
  }

  /**
   * Sends one message for the given groups under their send leases. Each group's log is re-read under
   * the lease, so of two concurrent invocations only one sends; a stale decision is dropped.
   */
  async function deliver(
    candidates: Candidate[],
    digest: boolean,
    owner: string,
    muter: FlushMuter,
    undelivered: readonly StoreItem<DeadLetter>[],
    nowMs: number,
  ): Promise<NotifyReport> {
    const report = emptyReport();
    const held: Candidate[] = [];
    const leaseMs = leaseMsFor(candidates[0]?.item.data.receiver);
    // Started before the first lease is taken, so the send ends inside every lease of the batch.
    const budget = startSendBudget(leaseMs);
    for (const c of candidates) {
      // The clock now, not the flush's start: a digest's leases are taken after the individual sends.
      const lease = await store.acquireLease(`alert#send#${c.item.sk}`, owner, leaseMs, deps.now());
      if (!lease.acquired) {
        report.details.push(detail(c, 'skipped', 'another invocation is sending this group'));
        continue;
      }
      const entry = await store.get<NotificationLogEntry>(
        nlogPk(c.item.data.receiver),
        c.item.data.groupKey,
        {
          consistent: true,
        },
      );
      const group = await store.get<GroupState>(GROUP_PK, c.item.sk, { consistent: true });
      const fresh = group ? evaluate(group, entry, muter, nowMs) : undefined;
      if (!group || !fresh?.reason) {
        await store.releaseLease(`alert#send#${c.item.sk}`, owner);
        report.details.push(detail(c, 'skipped', 'already notified'));
        continue;
      }
      held.push({ ...c, item: group, entry, ...fresh, reason: fresh.reason });
    }
    try {
      if (held.length === 0) return report;
      const first = held[0] as Candidate;
      const channel = first.channel;
      let message: AlertGroupMessage;
      if (digest) {
        message = {
          receiver: first.item.data.receiver,
          groupKey: `digest:${first.route.id}`,
          groupLabels: { route: first.route.id },
          reason: 'digest',
          status: held.some((c) => c.firing.length > 0) ? 'firing' : 'resolved',
          // The most severe alerts of the folded groups, then one line per group.
          firing: held.flatMap((c) => c.firing).slice(0, MAX_ALERTS_PER_MESSAGE),
          resolved: [],
          digest: held.map((c) => ({
            groupLabels: c.item.data.groupLabels,
            firing: c.firing.length,
            resolved: c.resolved.length,
          })),
          omitted: Math.max(0, held.reduce((n, c) => n + c.firing.length, 0) - MAX_ALERTS_PER_MESSAGE),
          nowMs,
        };
      } else {
        message = messageFor(first, nowMs);
      }
      message = await withActionLinks(message, nowMs);
      // All-resolved with send_resolved off: the log is updated, the receiver is not bothered.
      const quiet = !digest && message.firing.length === 0 && !channel.sendResolved;
      const outcome = quiet
        ? { result: { ok: true } as NotifyResult, attempts: 0 }
        : await sendWithRetry(channel, message, budget);
      if (outcome.result.ok) {
        for (const c of held) {
          const logEntry: NotificationLogEntry = {
            firing: c.firing.map((a) => a.fingerprint),
            resolved: c.resolved.map((a) => a.fingerprint),
            sentAtMs: nowMs,
            reason: digest ? 'digest' : c.reason,
          };
          const route = c.route.options;
          await store.put({
            pk: nlogPk(c.item.data.receiver),
            sk: c.item.data.groupKey,
            data: logEntry,
            expiresAtSec: Math.floor((nowMs + route.repeatIntervalMs) / 1000) + NLOG_RETENTION_SEC,
          });
          await rememberOneShots(c.item.data, nowMs);
          await advanceGroup(c.item.sk, handledBySend(c.item.data), nowMs + route.groupIntervalMs);
          if (!quiet) report.sent += digest ? 0 : 1;
          report.details.push(
            detail(c, digest ? 'digested' : quiet ? 'skipped' : 'sent', digest ? 'digest' : c.reason),
          );
        }
        if (digest) report.sent += 1;
        await clearDeadLetters(
          store,
          undelivered,
          held.map((c) => c.item.sk),
        );
        return report;
      }
      const failure = outcome.result;
      report.failed += 1;
      logger.error('notification failed', {
        receiver: message.receiver,
        groupKey: message.groupKey,
        reason: failure.reason,
        error: failure.error,
        attempts: outcome.attempts,
      });
      await recordDeadLetter(store, {
        groups: held.map((c) => ({
          sk: c.item.sk,
          receiver: c.item.data.receiver,
          groupKey: c.item.data.groupKey,
          message: digest ? messageFor(c, nowMs) : message,
        })),
        failure,
        attempts: outcome.attempts,
        nowMs,
      });
      report.deadLettered += 1;
      for (const c of held) {
        // Tried again at the next group interval; the log is untouched, so the decision stands.
        await advanceGroup(c.item.sk, new Map(), nowMs + c.route.options.groupIntervalMs);
        report.details.push({
          ...detail(c, 'dead-lettered', c.reason),
          error: failure.error,
          attempts: outcome.attempts,
        });
      }
      return report;
    } finally {
      await Promise.all(held.map((c) => store.releaseLease(`alert#send#${c.item.sk}`, owner)));
    }
  }

  /**
   * One-shot notifications leave their group once sent, so a late redelivery of the same event could open
   * it again; a short-lived record of each sent one-shot id makes ingest ignore it.
   */
  async function rememberOneShots(state: GroupState, nowMs: number): Promise<void> {
    const ids = Object.values(state.alerts)
      .filter((a) => isDecision(a.event.data.type))
      .map((a) => a.event.id);
    await store.putMany(
      ids.map((id) => ({
        pk: ONE_SHOT_PK,
        sk: id,
        data: { sentAtMs: nowMs },
        expiresAtSec: Math.floor(nowMs / 1000) + ORDERING_RETENTION_SEC,
      })),
    );
  }

  /** After a successful send: resolved alerts, and one-shot notifications (remediation decisions), are done. */
  function handledBySend(state: GroupState): Map<string, string> {
    return new Map(
      Object.values(state.alerts)
        .filter((a) => a.event.data.status === 'resolved' || isDecision(a.event.data.type))
        .map((a) => [a.event.data.fingerprint, a.event.id]),
    );
  }

  function resolvedHandled(state: GroupState): Map<string, string> {
    return new Map(
      Object.values(state.alerts)
        .filter((a) => a.event.data.status === 'resolved')
        .map((a) => [a.event.data.fingerprint, a.event.id]),
    );
  }

  function detail(c: Candidate, outcome: NotifyOutcome, reason?: string): NotifyDetail {
    return {
      receiver: c.item.data.receiver,
      groupKey: c.item.data.groupKey,
      outcome,
      ...(reason ? { reason } : {}),
      firing: c.firing.length,
      resolved: c.resolved.length,
    };
  }

  async function flushDue(nowMs: number): Promise<NotifyReport> {
    const report = emptyReport();
    const groups = await store.query<GroupState>(GROUP_PK, { consistent: true });
    const due = groups.filter((g) => g.data.nextFlushAtMs <= nowMs);
    if (due.length === 0) return report;
    const muter = await buildMuter(groups, nowMs);
    const entries = await store.getMany<NotificationLogEntry>(
      due.map((g) => ({ pk: nlogPk(g.data.receiver), sk: g.data.groupKey })),
    );
    const entryByKey = new Map(entries.map((e) => [`${e.pk}|${e.sk}`, e]));
    const undelivered = await listDeadLetters(store);

    const byRoute = new Map<string, Candidate[]>();
    for (const item of due) {
      const route = routesById.get(item.data.routeId);
      const channel = channels.get(item.data.receiver);
      if (!route || !channel) {
        // The config changed under this group; its alerts will arrive again on a current route.
        logger.warn('dropping group of a route or receiver no longer configured', { group: item.sk });
        await store.delete(GROUP_PK, item.sk, { ifVersion: item.version }).catch(() => undefined);
        await clearDeadLetters(store, undelivered, [item.sk]);
        continue;
      }
      const entry = entryByKey.get(`${nlogPk(item.data.receiver)}|${item.data.groupKey}`);
      const evaluated = evaluate(item, entry, muter, nowMs);
      report.suppressed += evaluated.suppressed;
      if (!evaluated.reason) {
        // Nothing to say (all muted, resolved before first send, nothing new): move the timer, drop
        // resolved alerts the log no longer needs.
        await advanceGroup(item.sk, resolvedHandled(item.data), nowMs + route.options.groupIntervalMs);
        // What failed to go out earlier is no longer news (resolved before it was ever delivered, muted).
        await clearDeadLetters(store, undelivered, [item.sk]);
        if (evaluated.suppressed > 0)
          report.details.push({
            receiver: item.data.receiver,
            groupKey: item.data.groupKey,
            outcome: 'suppressed',
            firing: evaluated.firing.length,
            resolved: evaluated.resolved.length,
          });
        continue;
      }
      const key = `${route.id}|${item.data.receiver}`;
      const list = byRoute.get(key) ?? [];
      list.push({ item, route, channel, entry, ...evaluated, reason: evaluated.reason });
      byRoute.set(key, list);
    }

    const owner = randomUUID();
    for (const candidates of byRoute.values()) {
      const cap = (candidates[0] as Candidate).route.options.stormCap;
      candidates.sort(
        (a, b) =>
          Math.min(...a.firing.map((f) => SEVERITY_RANK[f.severity]), 3) -
            Math.min(...b.firing.map((f) => SEVERITY_RANK[f.severity]), 3) ||
          a.item.data.createdAtMs - b.item.data.createdAtMs,
      );
      const individual = candidates.length > cap ? candidates.slice(0, cap - 1) : candidates;
      const folded = candidates.length > cap ? candidates.slice(cap - 1) : [];
      const results = await Promise.all(
        individual.map((c) => deliver([c], false, owner, muter, undelivered, nowMs)),
      );
      for (const r of results) mergeReports(report, r);
      if (folded.length > 0) {
        logger.warn('storm cap reached; folding groups into one digest', {
          route: (folded[0] as Candidate).route.id,
          folded: folded.length,
        });
        mergeReports(report, await deliver(folded, true, owner, muter, undelivered, nowMs));
      }
    }
    return report;
  }

  return {
    async handle(events) {
      const nowMs = deps.now();
      await ingest(events, nowMs);
      return flushDue(nowMs);
    },
    flush() {
      return flushDue(deps.now());
    },
    async test(receiver) {
      const channel = channels.get(receiver);
      if (!channel)
        throw new NotifierError(
          `no receiver named '${receiver}'; configured: ${[...channels.keys()].join(', ') || 'none'}`,
        );
      const nowMs = deps.now();
      const event = buildEvent({
        type: 'job.failed',
        provider: 'alibaba-blink',
        targetId: 'jobwatch-test',
        region: 'test',
        resource: {
          key: 'test/job:jobwatch-test',
          kind: 'job',
          name: 'jobwatch-test-message',
          vendorId: 'test',
          scope: { kind: 'target', id: 'test' },
        },
        severity: 'info',
        status: 'firing',
        title: 'Test message from jobwatch',
        summary: `This is a test of receiver ${receiver}. No job is affected.`,
        extras: { restarts: 0, maxRestarts: 0 },
        startsAtMs: nowMs,
      });
      const message: AlertGroupMessage = {
        receiver,
        groupKey: 'test',
        groupLabels: { alertname: 'jobwatch test' },
        reason: 'test',
        status: 'firing',
        firing: [toAlertView(event)],
        resolved: [],
        omitted: 0,
        nowMs,
      };
      const { result, attempts } = await sendWithRetry(
        channel,
        message,
        startSendBudget(leaseMsFor(receiver)),
      );
      const report = emptyReport();
      const base = { receiver, groupKey: 'test', reason: 'test', firing: 1, resolved: 0, attempts };
      if (result.ok) {
        report.sent = 1;
        report.details.push({ ...base, outcome: 'sent' });
      } else {
        report.failed = 1;
        report.details.push({ ...base, outcome: 'failed', error: result.error });
      }
      return report;
    },
    async close() {
      await Promise.all([...channels.values()].map((c) => c.close?.()));
    },
  };
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
