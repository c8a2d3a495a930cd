/**
 * The dead man's switch: a target whose poll heartbeat (lib/status/health.ts) is older than
 * STALE_AFTER_INTERVALS poll intervals has gone quiet (schedule disabled, the poll function failing before
 * it can report), and a `monitor.stale` finding fires through the normal routes. It resolves with the
 * first heartbeat after that. The flush function runs it every minute; the local runtime's flush timer too.
 *
 * What is firing is remembered per target (pk `monitor#stale`), so each quiet spell fires once and
 * resolves once however many flushes see it. Event ids are derived from the heartbeat that went quiet, so
 * a flush that published and then crashed before remembering re-publishes the same event, not a new one.
 */
import type { Config, TargetConfig } from '../config/schema.js';
import { buildEvent } from '../events/build.js';
import type { EventBus } from '../events/bus.js';
import { DEADLETTER_PKS, publishOrPark } from '../events/publish.js';
import type { JobwatchEvent } from '../events/schema.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../state/store.js';
import {
  intervalMsOf,
  isStale,
  type PollHealth,
  readPollHealth,
  STALE_AFTER_INTERVALS,
} from '../status/health.js';

export const STALE_MONITOR_PK = 'monitor#stale';
/** Forgotten a month after the quiet spell ended (or the target was removed). */
const RETENTION_SEC = 30 * 24 * 3600;

interface StaleState {
  /** The heartbeat that was the last one before the target went quiet. */
  lastPollAtMs: number;
  startsAtMs: number;
}

export interface StaleCheckDeps {
  config: Pick<Config, 'targets' | 'defaults'>;
  store: Store;
  bus: EventBus;
  logger: Logger;
  now: () => number;
}

export interface StaleCheckReport {
  fired: string[];
  resolved: string[];
}

/**
 * Compares each configured target's heartbeat with the clock and publishes `monitor.stale` firing or
 * resolved events for the targets whose state changed. A target never polled yet is not judged: right
 * after a deploy its first poll may simply not have come (the CloudWatch alarm on the poll metric covers a
 * schedule that never ran).
 */
export async function checkStaleTargets(deps: StaleCheckDeps): Promise<StaleCheckReport> {
  const nowMs = deps.now();
  const [heartbeats, remembered] = await Promise.all([
    readPollHealth(deps.store),
    deps.store.query<StaleState>(STALE_MONITOR_PK, { consistent: true }),
  ]);
  const byTarget = new Map(heartbeats.map((h) => [h.targetId, h]));
  const firing = new Map(remembered.map((item) => [item.sk, item.data]));
  const events: JobwatchEvent[] = [];
  const writes: { targetId: string; state?: StaleState }[] = [];

  for (const target of deps.config.targets) {
    const heartbeat = byTarget.get(target.id);
    if (!heartbeat) continue;
    const intervalMs = intervalMsOf(deps.config, target, heartbeat);
    const stale = isStale(heartbeat, intervalMs, nowMs);
    const known = firing.get(target.id);
    if (stale && !known) {
      const startsAtMs = heartbeat.atMs + STALE_AFTER_INTERVALS * intervalMs;
      events.push(staleEvent(target, heartbeat, intervalMs, nowMs, { status: 'firing', startsAtMs }));
      writes.push({ targetId: target.id, state: { lastPollAtMs: heartbeat.atMs, startsAtMs } });
    } else if (!stale && known) {
      events.push(
        staleEvent(target, heartbeat, intervalMs, nowMs, {
          status: 'resolved',
          startsAtMs: known.startsAtMs,
          endsAtMs: heartbeat.atMs,
        }),
      );
      writes.push({ targetId: target.id });
    }
  }
  if (events.length === 0) return { fired: [], resolved: [] };

  // Publish first, then remember: a crash in between re-sends the same event ids, never loses one.
  await publishOrPark(events, deps, { pk: DEADLETTER_PKS.poll, source: 'monitor' });
  await Promise.all(
    writes.map(({ targetId, state }) =>
      state
        ? deps.store.put({
            pk: STALE_MONITOR_PK,
            sk: targetId,
            data: state,
            expiresAtSec: Math.floor(nowMs / 1000) + RETENTION_SEC,
          })
        : deps.store.delete(STALE_MONITOR_PK, targetId),
    ),
  );
  const report = {
    fired: writes.filter((w) => w.state).map((w) => w.targetId),
    resolved: writes.filter((w) => !w.state).map((w) => w.targetId),
  };
  deps.logger.warn('poll heartbeat check', report);
  return report;
}

function staleEvent(
  target: TargetConfig,
  heartbeat: PollHealth,
  intervalMs: number,
  nowMs: number,
  when: { status: 'firing' | 'resolved'; startsAtMs: number; endsAtMs?: number },
): JobwatchEvent {
  const quietMs = nowMs - heartbeat.atMs;
  const minutes = (ms: number) => `${Math.max(1, Math.round(ms / 60_000))} min`;
  return buildEvent({
    type: 'monitor.stale',
    provider: target.provider,
    targetId: target.id,
    region: target.region,
    resource: {
      key: `jobwatch/monitor/${target.id}`,
      kind: 'target',
      name: target.id,
      vendorId: target.id,
      scope: { kind: 'target', id: target.id },
    },
    severity: 'critical',
    status: when.status,
    title:
      when.status === 'firing'
        ? `polls of target ${target.id} stopped arriving (last one ${minutes(quietMs)} ago)`
        : `polls of target ${target.id} are arriving again`,
    summary:
      when.status === 'firing'
        ? `No poll of ${target.id} has finished for ${minutes(quietMs)}, more than ${STALE_AFTER_INTERVALS} poll intervals of ${minutes(intervalMs)}: the schedule may be disabled or the poll function failing before it can report. Its jobs are not being watched.`
        : `A poll of ${target.id} finished again; it had been quiet since ${new Date(when.startsAtMs - STALE_AFTER_INTERVALS * intervalMs).toISOString()}.`,
    labels: { ...target.labels, provider: target.provider, target: target.id, kind: 'target' },
    values: { lastPollAtMs: heartbeat.atMs, intervalMs, missedIntervals: Math.floor(quietMs / intervalMs) },
    startsAtMs: when.startsAtMs,
    ...(when.endsAtMs === undefined ? {} : { endsAtMs: when.endsAtMs }),
    observedAtMs: nowMs,
  });
}
