/**
 * The notification pipeline (AM `dispatch` + `notify/notify.go`), as stages in `./stages/`, each a
 * function with its own input and output, composed here:
 *
 *   handle(events) = ingest, then flush
 *   ingest: order (drop what is older than what was handled per fingerprint, one-shots already sent)
 *        -> group (route each event, merge it into its group item with conditional writes)
 *   flush:  due groups -> mute (inhibition, maintenance windows, silences, acks)
 *        -> dedup (what each group would say; is it news against the notification log?)
 *        -> storm (per route: the most severe on their own, the rest folded into one digest)
 *        -> per message: claim (send lease, judged again under it) -> message (+ action links)
 *        -> send (retries within the lease's budget) -> record (log, timers) | deadletter
 */
import { randomUUID } from 'node:crypto';
import { sleep as defaultSleep, type Sleep } from '../async/sleep.js';
import type { Config } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import type { JobwatchEvent } from '../events/schema.js';
import type { Logger } from '../observability/logger.js';
import type { Store, StoreItem } from '../state/store.js';
import { createChannel } from './channels/registry.js';
import type { Channel, NotifyResult, SendReason } from './channels/types.js';
import { alertingProblems } from './config.js';
import { clearDeadLetters, type DeadLetter, listDeadLetters } from './deadletters.js';
import { DEFAULT_NOTIFY_RETRY, type RetryPolicy, sendLeaseMs, startSendBudget } from './lease.js';
import { type CompiledRoute, routeTree } from './route.js';
import { silencesFromConfig } from './silences.js';
import { claimGroups, releaseGroups } from './stages/claim.js';
import { recordUndelivered } from './stages/deadletter.js';
import { type Candidate, evaluateGroup, readLogEntries } from './stages/dedup.js';
import { escalate } from './stages/escalate.js';
import { batchByGroup, GROUP_PK, type GroupState, groupTargets, upsertGroup } from './stages/group.js';
import { digestMessage, groupMessage, testMessage, withActionLinks } from './stages/message.js';
import { buildFlushMuter, type FlushMuter } from './stages/mute.js';
import { admitEvents } from './stages/order.js';
import { recordDelivered, recordNothingToSay } from './stages/record.js';
import { sendWithRetry } from './stages/send.js';
import { batchByRoute, stormSplit } from './stages/storm.js';

export { DEADLETTER_PK, type DeadLetter } from './deadletters.js';
export { DEFAULT_NOTIFY_RETRY, type RetryPolicy } from './lease.js';
export { nlogPk } from './stages/dedup.js';
export { GROUP_PK, type GroupState, type StoredAlert } from './stages/group.js';
export { MAX_ALERTS_PER_MESSAGE } from './stages/message.js';
export { FINGERPRINT_PK, type FingerprintRecord, isStale, ONE_SHOT_PK, observedAt } from './stages/order.js';

const MAX_CHANNEL_TIMEOUT_MS = 60_000;

export interface NotifierDeps {
  config: Config;
  store: Store;
  secrets: SecretResolver;
  logger: Logger;
  now: () => number;
  /** Overrides for tests and the demo. */
  retry?: Partial<RetryPolicy>;
  sleep?: Sleep;
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

const detail = (
  c: Pick<Candidate, 'item' | 'firing' | 'resolved'>,
  outcome: NotifyOutcome,
  reason?: string,
): NotifyDetail => ({
  receiver: c.item.data.receiver,
  groupKey: c.item.data.groupKey,
  outcome,
  ...(reason ? { reason } : {}),
  firing: c.firing.length,
  resolved: c.resolved.length,
});

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
  /** Whether any route escalates: without one the flush does not look at groups that are not due. */
  const escalations = [...routesById.values()].some((r) => r.options.escalations.length > 0);
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
  const sendDeps = {
    retry,
    sleep: deps.sleep ?? defaultSleep,
    random: deps.random ?? Math.random,
    logger,
    signal: deps.signal,
  };
  const configSilences = silencesFromConfig(config.silences);
  /** Per receiver: its attempts time out after the channel's timeoutMs, so its lease follows from that. */
  const leaseMsByReceiver = new Map(config.channels.map((c) => [c.name, sendLeaseMs(retry, c.timeoutMs)]));
  /** Every receiver is a configured channel; the fallback is the longest timeout a channel may have. */
  const leaseMsFor = (receiver: string | undefined) =>
    leaseMsByReceiver.get(receiver ?? '') ?? sendLeaseMs(retry, MAX_CHANNEL_TIMEOUT_MS);

  async function ingest(incoming: JobwatchEvent[], nowMs: number): Promise<void> {
    const events = await admitEvents(store, incoming, nowMs);
    const batches = batchByGroup(events, (event) =>
      groupTargets(tree, (name) => channels.has(name), event, logger),
    );
    await Promise.all(batches.map((b) => upsertGroup(store, b.target, b.events, nowMs)));
  }

  async function flushDue(nowMs: number): Promise<NotifyReport> {
    const report = emptyReport();
    const groups = await store.query<GroupState>(GROUP_PK, { consistent: true });
    const due = groups.filter((g) => g.data.nextFlushAtMs <= nowMs);
    const escalating = escalations && groups.length > 0;
    if (due.length === 0 && !escalating) return report;
    const muter = await buildFlushMuter({ config, configSilences, store, logger, groups, nowMs });
    if (escalating) {
      const escalated = await escalate({
        store,
        groups,
        routesById,
        channels,
        muter,
        sendDeps,
        leaseMsFor,
        nowMs,
      });
      for (const e of escalated) {
        if (e.ok) report.sent += 1;
        else {
          report.failed += 1;
          logger.error('escalation not sent; retried next flush', { receiver: e.receiver, error: e.error });
        }
        report.details.push({
          receiver: e.receiver,
          groupKey: `escalation:${e.fingerprint}#${e.step}`,
          outcome: e.ok ? 'sent' : 'failed',
          reason: 'escalation',
          firing: 1,
          resolved: 0,
          ...(e.error ? { error: e.error } : {}),
        });
      }
      if (due.length === 0) return report;
    }
    const logEntryOf = await readLogEntries(store, due);
    const undelivered = await listDeadLetters(store);

    const candidates: Candidate[] = [];
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
      const entry = logEntryOf(item.data);
      const verdict = evaluateGroup({
        group: item.data,
        entry: entry?.data,
        muter,
        sendResolved: channel.sendResolved,
        repeatIntervalMs: route.options.repeatIntervalMs,
        nowMs,
      });
      report.suppressed += verdict.suppressed;
      if (verdict.reason) {
        candidates.push({ item, route, channel, entry, ...verdict, reason: verdict.reason });
        continue;
      }
      await recordNothingToSay({
        store,
        item,
        undelivered,
        nextFlushAtMs: nowMs + route.options.groupIntervalMs,
      });
      if (verdict.suppressed > 0) report.details.push(detail({ item, ...verdict }, 'suppressed'));
    }

    const owner = randomUUID();
    const flush = { owner, muter, undelivered, nowMs };
    for (const batch of batchByRoute(candidates)) {
      const { individual, folded } = stormSplit(batch, (batch[0] as Candidate).route.options.stormCap);
      const results = await Promise.all(individual.map((c) => deliver([c], false, flush)));
      for (const r of results) mergeReports(report, r);
      if (folded.length > 0) {
        logger.warn('storm cap reached; folding groups into one digest', {
          route: (folded[0] as Candidate).route.id,
          folded: folded.length,
        });
        mergeReports(report, await deliver(folded, true, flush));
      }
    }
    return report;
  }

  /**
   * Sends one message for the given groups (one group, or the groups folded into a digest) under their
   * send leases, then records the outcome.
   */
  async function deliver(
    candidates: Candidate[],
    digest: boolean,
    flush: { owner: string; muter: FlushMuter; undelivered: StoreItem<DeadLetter>[]; nowMs: number },
  ): Promise<NotifyReport> {
    const { owner, nowMs } = flush;
    const report = emptyReport();
    const leaseMs = leaseMsFor(candidates[0]?.item.data.receiver);
    // Started before the first lease is taken, so the send ends inside every lease of the batch.
    const budget = startSendBudget(leaseMs);
    const { held, skipped } = await claimGroups({
      store,
      candidates,
      owner,
      leaseMs,
      now: deps.now,
      muter: flush.muter,
      nowMs,
    });
    for (const s of skipped) report.details.push(detail(s.candidate, 'skipped', s.why));
    try {
      if (held.length === 0) return report;
      const first = held[0] as Candidate;
      const messageOf = (c: Candidate) => groupMessage(c, c.channel.sendResolved, nowMs);
      const message = await withActionLinks(
        digest ? digestMessage(held, nowMs) : messageOf(first),
        config.webhook,
        first.channel,
        deps,
        nowMs,
      );
      // All-resolved with send_resolved off: the log is updated, the receiver is not bothered.
      const quiet = !digest && message.firing.length === 0 && !first.channel.sendResolved;
      const outcome = quiet
        ? { result: { ok: true } as NotifyResult, attempts: 0 }
        : await sendWithRetry(first.channel, message, budget, sendDeps);
      if (outcome.result.ok) {
        await recordDelivered({ store, held, digest, undelivered: flush.undelivered, nowMs });
        report.sent += quiet ? 0 : digest ? 1 : held.length;
        for (const c of held)
          report.details.push(
            detail(c, digest ? 'digested' : quiet ? 'skipped' : 'sent', digest ? 'digest' : c.reason),
          );
        return report;
      }
      const failure = outcome.result;
      logger.error('notification failed', {
        receiver: message.receiver,
        groupKey: message.groupKey,
        reason: failure.reason,
        error: failure.error,
        attempts: outcome.attempts,
      });
      await recordUndelivered({
        store,
        held,
        messageOf: digest ? messageOf : () => message,
        failure,
        attempts: outcome.attempts,
        nowMs,
      });
      report.failed += 1;
      report.deadLettered += 1;
      for (const c of held)
        report.details.push({
          ...detail(c, 'dead-lettered', c.reason),
          error: failure.error,
          attempts: outcome.attempts,
        });
      return report;
    } finally {
      await releaseGroups(store, held, owner);
    }
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
      const { result, attempts } = await sendWithRetry(
        channel,
        testMessage(receiver, nowMs),
        startSendBudget(leaseMsFor(receiver)),
        sendDeps,
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
