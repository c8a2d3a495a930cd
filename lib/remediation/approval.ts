/**
 * Approvals (policy `approval: required`): the remediator records what it would do and waits for a person.
 * One record per finding and policy under `remediation#approval`, moved through its states only by
 * conditional writes (lib/state/update.ts), so however many people press Approve, and however often, one
 * press wins and the action runs once:
 *
 *   pending -> approved -> running -> done       (Approve, then the remediator runs it through every guard)
 *   pending -> rejected                           (Reject)
 *   pending -> expired                            (any answer after the window)
 *
 * A record is never created twice for one finding (ifAbsent), so a redelivered finding does not ask again.
 */
import { createHash } from 'node:crypto';
import type { JobwatchEvent } from '../events/schema.js';
import type { ActionName } from '../providers/types.js';
import type { Store } from '../state/store.js';
import { updateWithRetry } from '../state/update.js';
import { findingKey } from './ledger.js';

const APPROVAL_PK = 'remediation#approval';
/** Kept after the window so a late answer is told "expired", and `approvals` can list what happened. */
const APPROVAL_RETENTION_SEC = 7 * 24 * 3600;

export const APPROVAL_STATES = ['pending', 'approved', 'running', 'done', 'rejected', 'expired'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

export interface ApprovalRecord {
  id: string;
  state: ApprovalState;
  policy: string;
  action: ActionName;
  jobKey: string;
  jobName: string;
  targetId: string;
  /** The finding the action is for, as delivered: the approved run decides on it again, with fresh reads. */
  event: JobwatchEvent;
  requestedAtMs: number;
  expiresAtMs: number;
  /** Who approved or rejected it, and when. */
  decidedBy?: string;
  decidedAtMs?: number;
}

/** One id per finding and policy: "apr-" and 20 hex digits (fits a signed action link's subject). */
export function approvalId(event: JobwatchEvent, policy: string): string {
  const finding = findingKey(event.data.fingerprint, event.data.startsAtMs, event.data.occurrence);
  return `apr-${createHash('sha256').update(`${finding}/${policy}`).digest('hex').slice(0, 20)}`;
}

const expiresAtSec = (record: ApprovalRecord) =>
  Math.floor(record.expiresAtMs / 1000) + APPROVAL_RETENTION_SEC;

/** Records a request; false when this finding already has one (whatever became of it). */
export function requestApproval(store: Store, record: ApprovalRecord): Promise<boolean> {
  return updateWithRetry<ApprovalRecord, boolean>(store, { pk: APPROVAL_PK, sk: record.id }, (current) =>
    current ? { result: false } : { next: record, result: true, expiresAtSec: expiresAtSec(record) },
  );
}

export const APPROVAL_ID = /^apr-[0-9a-f]{20}$/;

export async function readApproval(store: Store, id: string): Promise<ApprovalRecord | undefined> {
  if (!APPROVAL_ID.test(id)) return undefined;
  return (await store.get<ApprovalRecord>(APPROVAL_PK, id, { consistent: true }))?.data;
}

/** Approvals newest first (for `jobwatch remediation approvals` and status views). */
export async function listApprovals(store: Store, limit = 50): Promise<ApprovalRecord[]> {
  const items = await store.query<ApprovalRecord>(APPROVAL_PK, { consistent: true });
  return items
    .map((i) => i.data)
    .sort((a, b) => b.requestedAtMs - a.requestedAtMs)
    .slice(0, limit);
}

export type Transition =
  | { ok: true; record: ApprovalRecord; from: ApprovalState }
  | { ok: false; record: ApprovalRecord | undefined };

/**
 * Moves the record from `from` to the state `next` returns, in one conditional write; the loser of a race
 * sees the winner's state and gets `ok: false`.
 */
export function transitionApproval(
  store: Store,
  id: string,
  from: readonly ApprovalState[],
  next: (record: ApprovalRecord) => ApprovalRecord,
): Promise<Transition> {
  return updateWithRetry<ApprovalRecord, Transition>(store, { pk: APPROVAL_PK, sk: id }, (current) => {
    const record = current?.data;
    if (!record || !from.includes(record.state)) return { result: { ok: false, record } };
    const updated = next(record);
    return {
      next: updated,
      result: { ok: true, record: updated, from: record.state },
      expiresAtSec: expiresAtSec(updated),
    };
  });
}
