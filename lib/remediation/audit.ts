/**
 * The audit trail: every decision (acted, skipped with its reason, failed) with who, what, when and outcome.
 * Kept under `remediation#audit` (time-ordered) plus two indexes, by job key and by job name, so
 * `jobwatch remediation history --job J` reads one partition.
 */
import { DECISION_OUTCOMES } from '../model/payloads.js';
import type { ProviderId } from '../model/snapshot.js';
import type { ActionName } from '../providers/types.js';
import type { PutInput, Store } from '../state/store.js';
import type { RemediationMode } from './config.js';
import type { SkipCode } from './guards.js';

const AUDIT_PK = 'remediation#audit';
const byJobKeyPk = (jobKey: string) => `remediation#audit#job#${jobKey}`;
const byJobNamePk = (name: string) => `remediation#audit#name#${name}`;

export const REMEDIATION_DECISIONS = ['performed', 'skipped', 'failed'] as const;
export type RemediationDecision = (typeof REMEDIATION_DECISIONS)[number];

/** What became of a decision: the event payload's vocabulary, recorded as it is. */
export const OUTCOMES = DECISION_OUTCOMES;
export type Outcome = (typeof OUTCOMES)[number];

export interface AuditRecord {
  /** Id of the remediation event published for this decision. */
  id: string;
  atMs: number;
  decision: RemediationDecision;
  mode: RemediationMode;
  policy: string;
  action: ActionName;
  outcome: Outcome;
  reason: string;
  reasonCode?: SkipCode;
  /** "2/3": this attempt against the job's budget. */
  attempt?: string;
  /** Who decided: the remediator and its invocation. */
  actor: string;
  job: {
    key: string;
    name: string;
    kind: 'job' | 'cluster' | 'queue';
    provider: ProviderId;
    targetId: string;
    vendorId: string;
  };
  trigger: { type: string; fingerprint: string; startsAtMs: number; severity: string; eventId: string };
  finalState?: string;
  durationMs?: number;
  /** For a policy in approval mode: the approval this decision belongs to, and who answered it. */
  approval?: { id: string; by?: string };
}

const sortKey = (record: AuditRecord) => `${String(record.atMs).padStart(15, '0')}#${record.id}`;

export async function writeAudit(store: Store, record: AuditRecord, retentionDays: number): Promise<void> {
  const expiresAtSec = Math.floor(record.atMs / 1000) + retentionDays * 24 * 3600;
  const sk = sortKey(record);
  const items: PutInput<AuditRecord>[] = [
    AUDIT_PK,
    byJobKeyPk(record.job.key),
    byJobNamePk(record.job.name),
  ].map((pk) => ({ pk, sk, data: record, expiresAtSec }));
  await store.putMany(items);
}

/**
 * Newest first. `jobKey` is a resource key (`huawei-dli/cn-north-4/...`) or a job name; without it, every job.
 *
 * @example
 * const records = await remediationHistory(store, { jobKey: 'etl-orders', limit: 20 });
 * console.log(formatHistory(records));
 */
export async function remediationHistory(
  store: Store,
  options: { jobKey?: string; limit?: number } = {},
): Promise<AuditRecord[]> {
  const limit = options.limit ?? 50;
  if (!options.jobKey) {
    const items = await store.query<AuditRecord>(AUDIT_PK, { descending: true, limit });
    return items.map((i) => i.data);
  }
  const [byKey, byName] = await Promise.all([
    store.query<AuditRecord>(byJobKeyPk(options.jobKey), { descending: true, limit }),
    store.query<AuditRecord>(byJobNamePk(options.jobKey), { descending: true, limit }),
  ]);
  const seen = new Set<string>();
  return [...byKey, ...byName]
    .filter((item) => !seen.has(item.sk) && seen.add(item.sk))
    .sort((a, b) => (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : 0))
    .slice(0, limit)
    .map((i) => i.data);
}

const COLUMNS = ['TIME (UTC)', 'DECISION', 'MODE', 'ACTION', 'JOB', 'ATTEMPT', 'OUTCOME', 'POLICY', 'REASON'];

/** A plain table for a terminal, newest first as given; the reason column is last so it may run long. */
export function formatHistory(records: AuditRecord[]): string {
  if (records.length === 0) return 'No remediation decisions recorded.';
  const rows = records.map((r) => [
    new Date(r.atMs).toISOString().replace('T', ' ').slice(0, 19),
    r.decision,
    r.mode,
    r.action,
    `${r.job.targetId}/${r.job.name}`,
    r.attempt ?? '-',
    r.outcome,
    r.policy,
    r.reason,
  ]);
  const widths = COLUMNS.map((title, i) =>
    i === COLUMNS.length - 1 ? 0 : Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(COLUMNS), ...rows.map(line)].join('\n');
}
