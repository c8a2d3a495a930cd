/**
 * Stage "mute" (flush; AM `notify/mute.go`, inhibit and silence stages): what holds alerts back at this
 * flush: inhibition by the firing alerts of every group, maintenance windows, config and stored silences,
 * plus the acknowledgements in force (they stop repeats, not first sends). A store read that fails costs
 * its part (stored silences, acks), never the flush.
 */
import type { Logger } from '../../observability/logger.js';
import type { Store, StoreItem } from '../../state/store.js';
import { type Ack, activeAcks } from '../acks.js';
import type { InhibitRule, MaintenanceWindow } from '../config.js';
import { alertMuter, type MutableAlert, type Muter } from '../mute.js';
import { alertLabels, listSilences, type Silence } from '../silences.js';
import type { GroupState } from './group.js';

/** The flush's view of muting, plus the acknowledgements in force. */
export type FlushMuter = Muter & { acks: Map<string, Ack> };

export interface MuteInput {
  config: { inhibitRules: readonly InhibitRule[]; maintenanceWindows: readonly MaintenanceWindow[] };
  /** Silences from the config (always in force, whatever the store says). */
  configSilences: readonly Silence[];
  store: Store;
  logger: Logger;
  /** Every group in the store, due or not: any firing alert may inhibit others. */
  groups: readonly StoreItem<GroupState>[];
  nowMs: number;
}

export async function buildFlushMuter(input: MuteInput): Promise<FlushMuter> {
  const { store, logger, nowMs } = input;
  const sources: MutableAlert[] = input.groups.flatMap((g) =>
    Object.values(g.data.alerts).map((a) => ({
      fingerprint: a.event.data.fingerprint,
      labels: alertLabels(a.event),
      firing: a.event.data.status === 'firing',
    })),
  );
  let stored: Silence[] = [];
  try {
    stored = await listSilences(store, nowMs);
  } catch (error) {
    logger.warn('stored silences could not be read; using config silences only', {
      error: describeError(error),
    });
  }
  let acks = new Map<string, Ack>();
  try {
    acks = await activeAcks(store, nowMs);
  } catch (error) {
    logger.warn('acknowledgements could not be read; repeating as if none', { error: describeError(error) });
  }
  return Object.assign(alertMuter(input.config, sources, [...input.configSilences, ...stored], nowMs), {
    acks,
  });
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
