/**
 * Acknowledgements: "someone works on this alert". One record per alert fingerprint (pk `alert#ack`, sk
 * the fingerprint) with an end; while it holds, the notifier does not repeat that firing alert. It holds
 * for one firing episode only (the alert's `startsAtMs`): an alert that resolves and fires again is news.
 * Every acknowledgement is also appended to the ack log (pk `alert#acklog`), the audit trail of who
 * acknowledged what, kept ACK_LOG_RETENTION_SEC.
 */
import { z } from 'zod';
import type { Store } from '../state/store.js';

export const ACK_PK = 'alert#ack';
export const ACK_LOG_PK = 'alert#acklog';
export const DEFAULT_ACK_DURATION_MS = 4 * 3600_000;
/** Longer than this is not "working on it" any more: silence it or fix the rule. */
export const MAX_ACK_DURATION_MS = 7 * 24 * 3600_000;
export const ACK_LOG_RETENTION_SEC = 90 * 24 * 3600;

export interface Ack {
  fingerprint: string;
  /** The firing episode acknowledged (the alert's startsAtMs when acknowledged). */
  startsAtMs: number;
  untilMs: number;
  createdBy: string;
  comment: string;
  createdAtMs: number;
  /** What was acknowledged, for people reading the log. */
  targetId: string;
  resourceName: string;
  title: string;
  /** How it came in: the CLI, the operator API, an action link or a chat button. */
  via: 'cli' | 'api' | 'link' | 'slack' | 'feishu';
}

/** What an operator submits: a fingerprint or a job (resource name or key), how long, who and why. */
export const ackInputSchema = z
  .object({
    alert: z.string().trim().min(1, 'a fingerprint or job name is required').max(512),
    durationMs: z
      .number()
      .int()
      .min(60_000, 'at least one minute')
      .max(MAX_ACK_DURATION_MS, 'at most 7 days')
      .default(DEFAULT_ACK_DURATION_MS),
    createdBy: z.string().trim().min(1, 'createdBy is required').max(200),
    comment: z.string().trim().max(2000).default(''),
  })
  .strict();
export type AckInput = z.output<typeof ackInputSchema>;

export class AckError extends Error {
  override name = 'AckError';
}

/** Acknowledgements still in force, by fingerprint. */
export async function activeAcks(store: Store, nowMs: number): Promise<Map<string, Ack>> {
  const items = await store.query<Ack>(ACK_PK, { consistent: true });
  return new Map(items.filter((i) => i.data.untilMs > nowMs).map((i) => [i.sk, i.data]));
}

/** Whether an ack covers this firing episode of the alert at `nowMs`. */
export function covers(ack: Ack | undefined, startsAtMs: number, nowMs: number): boolean {
  return ack !== undefined && ack.untilMs > nowMs && ack.startsAtMs === startsAtMs;
}

/** The ack log, newest first. */
export async function ackHistory(store: Store, limit = 50): Promise<Ack[]> {
  const items = await store.query<Ack>(ACK_LOG_PK, { descending: true, limit });
  return items.map((i) => i.data);
}
