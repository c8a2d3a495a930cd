/**
 * Stage "escalate" (flush): a critical alert still firing and not acknowledged `afterMs` after it started is
 * also sent to the route step's receiver (on-call, then a manager). One record per route, alert and step
 * (pk `alert#escalation`) is written before the send with a condition, so two flushers escalate once; a
 * failed send removes it and the next flush tries again. Silenced or inhibited alerts do not escalate
 * (someone decided they need no one), and neither do acknowledged or resolved ones: that is how it stops.
 */
import { ConditionFailedError, type Store, type StoreItem } from '../../state/store.js';
import { covers } from '../acks.js';
import type { AlertGroupMessage, Channel } from '../channels/types.js';
import { startSendBudget } from '../lease.js';
import type { CompiledRoute } from '../route.js';
import { alertLabels } from '../silences.js';
import { toAlertView } from '../view.js';
import type { GroupState } from './group.js';
import type { FlushMuter } from './mute.js';
import { type SendDeps, sendWithRetry } from './send.js';

export const ESCALATION_PK = 'alert#escalation';
/** Escalation records outlive any alert that could still escalate. */
const RETENTION_SEC = 30 * 24 * 3600;

export interface EscalationRecord {
  routeId: string;
  fingerprint: string;
  step: number;
  receiver: string;
  atMs: number;
}

export interface EscalateInput {
  store: Store;
  groups: readonly StoreItem<GroupState>[];
  routesById: ReadonlyMap<string, CompiledRoute>;
  channels: ReadonlyMap<string, Channel>;
  muter: FlushMuter;
  sendDeps: SendDeps;
  leaseMsFor: (receiver: string) => number;
  nowMs: number;
}

export interface EscalationResult {
  receiver: string;
  fingerprint: string;
  step: number;
  ok: boolean;
  error?: string;
}

export async function escalate(input: EscalateInput): Promise<EscalationResult[]> {
  const { store, nowMs, muter } = input;
  const due: {
    routeId: string;
    receiver: string;
    step: number;
    afterMs: number;
    group: GroupState;
    fp: string;
  }[] = [];
  const seen = new Set<string>();
  for (const { data: group } of input.groups) {
    const steps = input.routesById.get(group.routeId)?.options.escalations ?? [];
    if (steps.length === 0) continue;
    for (const { event } of Object.values(group.alerts)) {
      const d = event.data;
      if (d.status !== 'firing' || d.severity !== 'critical') continue;
      if (covers(muter.acks.get(d.fingerprint), d.startsAtMs, nowMs)) continue;
      if (muter.mutes({ fingerprint: d.fingerprint, labels: alertLabels(event), firing: true })) continue;
      steps.forEach((step, i) => {
        const key = escalationKey(group.routeId, d.fingerprint, i);
        if (nowMs - d.startsAtMs < step.afterMs || seen.has(key)) return;
        seen.add(key);
        due.push({
          routeId: group.routeId,
          receiver: step.receiver,
          step: i,
          afterMs: step.afterMs,
          group,
          fp: d.fingerprint,
        });
      });
    }
  }
  if (due.length === 0) return [];
  const done = new Set(
    (
      await store.getMany<EscalationRecord>(
        due.map((d) => ({ pk: ESCALATION_PK, sk: escalationKey(d.routeId, d.fp, d.step) })),
        { consistent: true },
      )
    ).map((item) => item.sk),
  );
  const results: EscalationResult[] = [];
  for (const d of due) {
    const sk = escalationKey(d.routeId, d.fp, d.step);
    const channel = input.channels.get(d.receiver);
    if (done.has(sk) || !channel) continue;
    try {
      await store.put<EscalationRecord>(
        {
          pk: ESCALATION_PK,
          sk,
          data: { routeId: d.routeId, fingerprint: d.fp, step: d.step, receiver: d.receiver, atMs: nowMs },
          expiresAtSec: Math.floor(nowMs / 1000) + RETENTION_SEC,
        },
        { ifAbsent: true },
      );
    } catch (error) {
      if (error instanceof ConditionFailedError) continue; // another flusher escalates it
      throw error;
    }
    const stored = d.group.alerts[d.fp];
    if (!stored) continue;
    const minutes = Math.round(d.afterMs / 60_000);
    const message: AlertGroupMessage = {
      receiver: d.receiver,
      groupKey: `escalation:${sk}`,
      groupLabels: { ...d.group.groupLabels, escalation: `not acknowledged after ${minutes} min` },
      reason: 'escalation',
      status: 'firing',
      firing: [toAlertView(stored.event)],
      resolved: [],
      omitted: 0,
      nowMs,
    };
    const outcome = await sendWithRetry(
      channel,
      message,
      startSendBudget(input.leaseMsFor(d.receiver)),
      input.sendDeps,
    );
    if (outcome.result.ok) {
      results.push({ receiver: d.receiver, fingerprint: d.fp, step: d.step, ok: true });
      continue;
    }
    // Not sent: forget the step so the next flush escalates again.
    await store.delete(ESCALATION_PK, sk).catch(() => undefined);
    results.push({
      receiver: d.receiver,
      fingerprint: d.fp,
      step: d.step,
      ok: false,
      error: outcome.result.error,
    });
  }
  return results;
}

function escalationKey(routeId: string, fingerprint: string, step: number): string {
  return `${routeId}#${fingerprint}#${step}`;
}
