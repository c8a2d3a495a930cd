/**
 * Remediation state in the Store: one record per finding (the idempotency key is the event fingerprint plus
 * startsAtMs) and one ledger per job (the budget and cooldown). Both are written with conditional writes, so
 * two invocations never both believe they own a finding.
 */
import type { JobwatchEvent } from '../events/schema.js';
import type { Store } from '../state/store.js';
import { type UpdateDecision, updateWithRetry } from '../state/update.js';
import type { RemediationMode } from './config.js';
import { EMPTY_LEDGER, type JobLedger, type SkipCode } from './guards.js';

const FINDING_PK = 'remediation#finding';
const LEDGER_PK = 'remediation#job';
const FINDING_RETENTION_SEC = 30 * 24 * 3600;
const LEDGER_GRACE_SEC = 24 * 3600;

export interface FindingRecord {
  state: 'skipped' | 'in-progress' | 'done';
  mode?: RemediationMode;
  policy?: string;
  owner?: string;
  /** While in progress: when the owner's job lease runs out, after which the owner is presumed dead. */
  leaseUntilMs?: number;
  /** Set just before the first vendor call, so an interrupted run knows whether it may have acted. */
  sentAtMs?: number;
  /** The last skip, so a finding seen on every poll is reported once per reason, not once per poll. */
  reasonCode?: SkipCode;
  decision?: 'performed' | 'skipped' | 'failed';
  updatedAtMs: number;
}

/**
 * One finding: an incident (fingerprint and start), or a later occurrence of it (the job failed again while
 * the incident stayed open), which is a finding of its own. Deferrals are kept per incident (no occurrence).
 */
export const findingKey = (fingerprint: string, startsAtMs: number, occurrence = 1) =>
  occurrence > 1 ? `${fingerprint}#${startsAtMs}#${occurrence}` : `${fingerprint}#${startsAtMs}`;
export const jobLeaseName = (jobKey: string) => `remediation#job#${jobKey}`;

export type ClaimResult =
  /** `previous` is the skip this claim replaced, if any, so a repeated skip reason is not re-announced. */
  | { kind: 'claimed'; previous?: FindingRecord }
  /** Someone else decided or is deciding this finding; say nothing more about it. */
  | { kind: 'duplicate'; record: FindingRecord }
  /** A previous owner died after sending an action; its outcome is unknown. */
  | { kind: 'interrupted'; record: FindingRecord };

/**
 * Takes ownership of a finding. A previous skip does not block (the guard may pass now), a dry run does not
 * block an enforce policy, and an owner whose lease ran out before it sent anything is simply replaced.
 */
export function claimFinding(
  store: Store,
  input: {
    fingerprint: string;
    startsAtMs: number;
    occurrence?: number;
    owner: string;
    mode: RemediationMode;
    policy: string;
    leaseUntilMs: number;
    nowMs: number;
  },
): Promise<ClaimResult> {
  const mine: FindingRecord = {
    state: 'in-progress',
    mode: input.mode,
    policy: input.policy,
    owner: input.owner,
    leaseUntilMs: input.leaseUntilMs,
    updatedAtMs: input.nowMs,
  };
  return updateFinding<ClaimResult>(store, input, (record, expiresAtSec) => {
    if (!record) return { next: mine, result: { kind: 'claimed' }, expiresAtSec };
    if (record.state === 'skipped')
      return { next: mine, result: { kind: 'claimed', previous: record }, expiresAtSec };
    if (record.state === 'done') {
      if (record.mode === 'dry-run' && input.mode === 'enforce')
        return { next: mine, result: { kind: 'claimed' }, expiresAtSec };
      return { result: { kind: 'duplicate', record } };
    }
    if ((record.leaseUntilMs ?? 0) > input.nowMs) return { result: { kind: 'duplicate', record } };
    if (record.sentAtMs === undefined) return { next: mine, result: { kind: 'claimed' }, expiresAtSec };
    return {
      next: { ...mine, sentAtMs: record.sentAtMs },
      result: { kind: 'interrupted', record },
      expiresAtSec,
    };
  });
}

/** Updates a finding this owner holds. */
export function updateOwnedFinding(
  store: Store,
  input: { fingerprint: string; startsAtMs: number; occurrence?: number; owner: string },
  patch: Partial<FindingRecord> & { updatedAtMs: number },
): Promise<boolean> {
  return updateFinding<boolean>(store, input, (record) => {
    if (!record || record.owner !== input.owner) return { result: false };
    return { next: { ...record, ...patch }, result: true };
  });
}

/**
 * Notes a skip that happened before any claim. Returns true when it is news (the first skip of this finding,
 * or a different reason than last time); a finding already handled is left alone.
 */
export function recordSkip(
  store: Store,
  input: {
    fingerprint: string;
    startsAtMs: number;
    occurrence?: number;
    code: SkipCode;
    policy: string;
    nowMs: number;
    /** Only a finding never seen before is marked (a stale copy of a known finding changes nothing). */
    onlyIfUnknown?: boolean;
  },
): Promise<boolean> {
  return updateFinding<boolean>(store, input, (record, expiresAtSec) => {
    if (record && (record.state !== 'skipped' || input.onlyIfUnknown)) return { result: false };
    if (record?.reasonCode === input.code) return { result: false };
    return {
      next: {
        state: 'skipped',
        reasonCode: input.code,
        policy: input.policy,
        decision: 'skipped',
        updatedAtMs: input.nowMs,
      },
      result: true,
      expiresAtSec,
    };
  });
}

/**
 * One conditional read-modify-write of a finding's record, retried on a concurrent write; `decide` gets the
 * record (if any) and the TTL a record written for this finding takes.
 */
function updateFinding<R>(
  store: Store,
  finding: { fingerprint: string; startsAtMs: number; occurrence?: number },
  decide: (record: FindingRecord | undefined, expiresAtSec: number) => UpdateDecision<FindingRecord, R>,
): Promise<R> {
  const expiresAtSec = Math.floor(finding.startsAtMs / 1000) + FINDING_RETENTION_SEC;
  return updateWithRetry<FindingRecord, R>(
    store,
    { pk: FINDING_PK, sk: findingKey(finding.fingerprint, finding.startsAtMs, finding.occurrence) },
    (current) => decide(current?.data, expiresAtSec),
  );
}

export async function readLedger(store: Store, jobKey: string): Promise<JobLedger> {
  const item = await store.get<JobLedger>(LEDGER_PK, jobKey, { consistent: true });
  return item?.data ?? EMPTY_LEDGER;
}

/** Appends an action (or an escalation) to the job's ledger, dropping entries older than `keepMs`. */
export function updateLedger(
  store: Store,
  jobKey: string,
  change: { action?: JobLedger['actions'][number]; escalatedAtMs?: number },
  keepMs: number,
  nowMs: number,
): Promise<JobLedger> {
  return updateWithRetry<JobLedger, JobLedger>(store, { pk: LEDGER_PK, sk: jobKey }, (current) => {
    const ledger = current?.data ?? EMPTY_LEDGER;
    const actions = [...ledger.actions, ...(change.action ? [change.action] : [])].filter(
      (a) => a.atMs > nowMs - keepMs,
    );
    const escalatedAtMs = change.escalatedAtMs ?? ledger.escalatedAtMs;
    const next: JobLedger = { actions, ...(escalatedAtMs === undefined ? {} : { escalatedAtMs }) };
    // A day of slack: the Store hides expired items by its own clock, which may run behind ours (sandbox).
    return { next, result: next, expiresAtSec: Math.floor((nowMs + keepMs) / 1000) + LEDGER_GRACE_SEC };
  });
}

const DEFERRED_PK = 'remediation#deferred';
const DEFERRED_RETENTION_SEC = 24 * 3600;

/**
 * A finding skipped for a reason that passes with time (cooldown, lock, time window, blast radius). Detection
 * publishes a finding once, so without this a cooled-down job would never be acted on; with it, later
 * invocations look again until the finding is decided or resolves.
 */
export interface DeferredFinding {
  event: JobwatchEvent;
  code: SkipCode;
  /** Not worth looking again before this (the end of a cooldown). */
  retryAtMs: number;
  deferredAtMs: number;
}

export async function deferFinding(
  store: Store,
  input: { event: JobwatchEvent; code: SkipCode; retryAtMs: number; nowMs: number },
): Promise<void> {
  const { event } = input;
  await store.put<DeferredFinding>({
    pk: DEFERRED_PK,
    sk: findingKey(event.data.fingerprint, event.data.startsAtMs),
    data: { event, code: input.code, retryAtMs: input.retryAtMs, deferredAtMs: input.nowMs },
    expiresAtSec: Math.floor(input.nowMs / 1000) + DEFERRED_RETENTION_SEC,
  });
}

export function dropDeferred(store: Store, fingerprint: string, startsAtMs: number): Promise<void> {
  return store.delete(DEFERRED_PK, findingKey(fingerprint, startsAtMs));
}

/** Deferred findings due for another look, oldest first. */
export async function dueDeferred(store: Store, nowMs: number, limit = 100): Promise<JobwatchEvent[]> {
  const items = await store.query<DeferredFinding>(DEFERRED_PK, { consistent: true });
  return items
    .filter((item) => item.data.retryAtMs <= nowMs)
    .sort((a, b) => a.data.deferredAtMs - b.data.deferredAtMs)
    .slice(0, limit)
    .map((item) => item.data.event);
}

/** Skips that pass with time: the finding is looked at again by later invocations until decided or resolved. */
const DEFERRABLE: ReadonlySet<SkipCode> = new Set([
  'cooldown',
  'locked',
  'time-window',
  'blast-radius',
  'vendor-read-failed',
]);

/**
 * Keeps a finding for another look when its skip passes with time (after a cooldown, at the end of the
 * job's last action plus the cooldown; otherwise on the next invocation); forgets it otherwise.
 */
export async function deferOrDrop(
  store: Store,
  input: { event: JobwatchEvent; code: SkipCode; cooldownSeconds: number; ledger?: JobLedger; nowMs: number },
): Promise<void> {
  const { event, code, nowMs } = input;
  if (!DEFERRABLE.has(code)) return dropDeferred(store, event.data.fingerprint, event.data.startsAtMs);
  const lastMs = input.ledger?.actions.at(-1)?.atMs;
  const retryAtMs =
    code === 'cooldown' && lastMs !== undefined ? lastMs + input.cooldownSeconds * 1000 : nowMs;
  await deferFinding(store, { event, code, retryAtMs, nowMs });
}
