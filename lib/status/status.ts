/**
 * What is going on, read from the store the runtime writes: firing alerts (with silence, inhibition and
 * maintenance markers), each target's last poll, job health counts, recent remediation decisions and the
 * silences in force. `jobwatch status` prints it; the status page will render the same object.
 */
import { activeAcks, covers } from '../alerts/acks.js';
import { GROUP_PK } from '../alerts/index.js';
import { alertMuter, type MutableAlert, type MuteReason } from '../alerts/mute.js';
import type { GroupState } from '../alerts/notifier.js';
import {
  alertLabels,
  listSilences,
  type Silence,
  silenceState,
  silencesFromConfig,
} from '../alerts/silences.js';
import type { Config } from '../config/schema.js';
import { isDecision } from '../events/payloads.js';
import type { JobwatchEvent } from '../events/schema.js';
import { type AuditRecord, remediationHistory } from '../remediation/audit.js';
import type { Store } from '../state/store.js';
import { intervalMsOf, isStale, type PollHealth, readPollHealth } from './health.js';

const SEVERITY_ORDER = ['critical', 'warning', 'info'] as const;

export interface FiringAlert {
  fingerprint: string;
  type: string;
  severity: string;
  targetId: string;
  provider: string;
  resourceName: string;
  title: string;
  startsAtMs: number;
  /** Why nobody is told: silence, inhibition or maintenance window. */
  muted?: MuteReason;
  /** What the finding means, when detection diagnosed it. */
  diagnosis?: { category: string; summary: string; hint: string };
  /** The finding's links (vendor console, runbook). */
  links?: { title: string; url: string }[];
  /** Someone works on it: not repeated until it resolves or this ends. */
  acknowledged?: { by: string; untilMs: number; comment: string };
  /** The job's health score when the alert fired, and the line that explains it. */
  health?: { score: number; summary: string };
}

export interface TargetStatus {
  id: string;
  provider: string;
  /** Undefined when no poll of it has been recorded yet. */
  lastPoll?: PollHealth;
  /** Polls are not arriving: the last one is older than STALE_AFTER_INTERVALS intervals. */
  stale: boolean;
  /** Still in the store but no longer in the config (shown so a removed target is not a mystery). */
  configured: boolean;
}

export interface StatusView {
  nowMs: number;
  firing: FiringAlert[];
  targets: TargetStatus[];
  remediations: AuditRecord[];
  silences: (Silence & { state: 'pending' | 'active' })[];
}

export async function readStatus(options: {
  config: Pick<Config, 'targets' | 'silences' | 'inhibitRules' | 'maintenanceWindows' | 'defaults'>;
  store: Store;
  nowMs: number;
  remediationLimit?: number;
}): Promise<StatusView> {
  const { config, store, nowMs } = options;
  const [groups, stored, health, remediations] = await Promise.all([
    store.query<GroupState>(GROUP_PK, { consistent: true }),
    listSilences(store, nowMs),
    readPollHealth(store),
    remediationHistory(store, { limit: options.remediationLimit ?? 10 }),
  ]);
  const acks = await activeAcks(store, nowMs);
  const latest = new Map<string, { event: JobwatchEvent; atMs: number }>();
  for (const group of groups)
    for (const alert of Object.values(group.data.alerts)) {
      const known = latest.get(alert.event.data.fingerprint);
      if (!known || alert.atMs > known.atMs) latest.set(alert.event.data.fingerprint, alert);
    }
  const firingEvents = [...latest.values()]
    .map((a) => a.event)
    .filter((e) => e.data.status === 'firing' && !isDecision(e.data.type));
  const sources: MutableAlert[] = firingEvents.map((e) => ({
    fingerprint: e.data.fingerprint,
    labels: alertLabels(e),
    firing: true,
  }));
  const silences = [...silencesFromConfig(config.silences), ...stored];
  const muter = alertMuter(config, sources, silences, nowMs);
  const firing = firingEvents
    .map((e): FiringAlert => {
      const muted = muter.mutes({ fingerprint: e.data.fingerprint, labels: alertLabels(e), firing: true });
      const ack = acks.get(e.data.fingerprint);
      const acknowledged =
        ack && covers(ack, e.data.startsAtMs, nowMs)
          ? { by: ack.createdBy, untilMs: ack.untilMs, comment: ack.comment }
          : undefined;
      return {
        fingerprint: e.data.fingerprint,
        type: e.data.type,
        severity: e.data.severity,
        targetId: e.data.targetId,
        provider: e.data.provider,
        resourceName: e.data.resource.name,
        title: e.data.title,
        startsAtMs: e.data.startsAtMs,
        ...(muted ? { muted } : {}),
        ...(e.data.health ? { health: { score: e.data.health.score, summary: e.data.health.summary } } : {}),
        ...(e.data.diagnosis
          ? {
              diagnosis: {
                category: e.data.diagnosis.category,
                summary: e.data.diagnosis.summary,
                hint: e.data.diagnosis.hint,
              },
            }
          : {}),
        ...(e.data.links.length > 0 ? { links: e.data.links } : {}),
        ...(acknowledged ? { acknowledged } : {}),
      };
    })
    .sort(
      (a, b) =>
        SEVERITY_ORDER.indexOf(a.severity as 'info') - SEVERITY_ORDER.indexOf(b.severity as 'info') ||
        a.startsAtMs - b.startsAtMs ||
        a.fingerprint.localeCompare(b.fingerprint),
    );

  const byId = new Map(health.map((h) => [h.targetId, h]));
  const ids = [...new Set([...config.targets.map((t) => t.id), ...health.map((h) => h.targetId)])].sort();
  const targets = ids.map((id): TargetStatus => {
    const target = config.targets.find((t) => t.id === id);
    const lastPoll = byId.get(id);
    return {
      id,
      provider: target?.provider ?? lastPoll?.provider ?? 'unknown',
      ...(lastPoll ? { lastPoll } : {}),
      stale: isStale(lastPoll, intervalMsOf(config, target, lastPoll), nowMs),
      configured: target !== undefined || config.targets.length === 0,
    };
  });

  const inForce = silences.flatMap((s) => {
    const state = silenceState(s, nowMs);
    return state === 'expired' ? [] : [{ ...s, state }];
  });
  return { nowMs, firing, targets, remediations, silences: inForce };
}
