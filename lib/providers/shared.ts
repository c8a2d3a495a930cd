/**
 * Building blocks every provider's collector uses, written once: vendor-response parsing, credential
 * resolution, and turning failures into snapshot errors. Neutral helpers (globs, bounded concurrency) live
 * in lib/text and lib/async, so layers above providers need not import this file.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { issueSummary } from '../config/path.js';
import type { CredentialsRef } from '../config/refs.js';
import { HttpCallError } from '../http/errors.js';
import {
  type CollectionError,
  EVIDENCE,
  type Evidence,
  type JobSnapshot,
  type ProviderId,
  type TargetSnapshot,
} from '../model/snapshot.js';
import { assignOwn } from '../text/record.js';
import { cleanVendorText } from '../text/scrub.js';
import { MAX_ERROR_CHARS, trimText } from '../text/trim.js';
import type { ProviderContext } from './types.js';

/**
 * Validates a vendor response; drift becomes an 'invalid-response' failure naming the first bad fields,
 * so a schema change at the vendor is an event, not a crash.
 */
export function parseVendor<S extends z.ZodType>(schema: S, json: unknown, operation: string): z.infer<S> {
  // An empty body parses to undefined; a schema that accepted it would turn "no answer" into "nothing".
  if (json === undefined) {
    throw new HttpCallError(`${operation}: empty response body (expected a JSON document)`, {
      kind: 'invalid-response',
      operation,
      attempts: 1,
    });
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const where = issueSummary(result.error.issues, 3);
  throw new HttpCallError(`${operation}: unexpected response shape (${where})`, {
    kind: 'invalid-response',
    operation,
    attempts: 1,
  });
}

/**
 * Any failure during collection as a snapshot error; never includes request URLs or credentials
 * (HttpCallError messages are scrubbed when made; any other error's text is scrubbed here).
 */
export function toCollectionError(error: unknown, operation: string, atMs: number): CollectionError {
  if (error instanceof HttpCallError) {
    return {
      kind: error.kind,
      operation: error.operation,
      // Scrubbed when the error was made; cut here, where it enters the snapshot.
      message: trimText(error.message, MAX_ERROR_CHARS) ?? '',
      atMs,
      attempts: error.attempts,
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.vendorCode === undefined ? {} : { vendorCode: error.vendorCode }),
      ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
    };
  }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    kind: 'invalid-response',
    operation,
    message: cleanVendorText(text, MAX_ERROR_CHARS) ?? 'error',
    atMs,
  };
}

/** Vendors send booleans as booleans, strings or numbers; accept every reading. */
export function looseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  }
  return undefined;
}

/** Numbers that arrive as strings ("1562059128000") or numbers; undefined for anything else. */
export function looseNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export interface ResolvedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  securityToken?: string;
}

/**
 * Resolves a target's credential references through ctx.secrets. A failure is an 'auth' HttpCallError
 * whose text is the resolver's, which names the reference (env:NAME), never a value.
 */
export async function resolveCredentials(
  target: { credentials: CredentialsRef },
  ctx: Pick<ProviderContext, 'secrets'>,
): Promise<ResolvedCredentials> {
  const { credentials } = target;
  try {
    const [accessKeyId, secretAccessKey, securityToken] = await Promise.all([
      ctx.secrets(credentials.accessKeyId),
      ctx.secrets(credentials.secretAccessKey),
      credentials.securityToken ? ctx.secrets(credentials.securityToken) : undefined,
    ]);
    return { accessKeyId, secretAccessKey, ...(securityToken ? { securityToken } : {}) };
  } catch (error) {
    // The resolver names the reference that failed and why, never a value: a configuration problem, not
    // the vendor being down. No `credentials:` prefix: the scrubber would read it as a key and redact.
    throw new HttpCallError(error instanceof Error ? error.message : String(error), {
      kind: 'config',
      operation: 'ResolveCredentials',
      attempts: 0,
    });
  }
}

/** The snapshot error of a poll that could not start: credentials or endpoint unresolved. */
export function setupFailure(error: unknown, atMs: number): CollectionError {
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof HttpCallError && error.kind === 'config')
    return {
      kind: 'config',
      operation: error.operation,
      message: cleanVendorText(detail, 300) ?? 'error',
      atMs,
    };
  return {
    kind: 'config',
    operation: 'ResolveCredentials',
    message: `credentials or endpoint could not be resolved: ${cleanVendorText(detail, 300) ?? 'error'}`,
    atMs,
  };
}

/** A target's snapshot before anything is read: complete until a listing or call says otherwise. */
export function emptySnapshot(
  target: { id: string; provider: ProviderId; region: string },
  nowMs: number,
): TargetSnapshot {
  return {
    targetId: target.id,
    provider: target.provider,
    region: target.region,
    collectedAtMs: nowMs,
    durationMs: 0,
    jobs: [],
    containers: [],
    errors: [],
    complete: true,
    apiCalls: {},
  };
}

/**
 * One poll of one target around the provider's reads: an empty snapshot, a failure escaping the reads as its
 * error (a poll never throws), the jobs in key order where the provider asks for it, and the duration.
 * Every job listing is read by readPages, which calls a listing complete only on the total the vendor
 * reported: a complete snapshot's missing jobs are gone on the vendor's word (`confirmedByTotals`).
 */
export async function collectTarget(
  target: { id: string; provider: ProviderId; region: string },
  ctx: Pick<ProviderContext, 'now'>,
  read: (snapshot: TargetSnapshot) => Promise<void>,
  options: { sortJobs?: boolean } = {},
): Promise<TargetSnapshot> {
  const startedMs = ctx.now();
  const snapshot = emptySnapshot(target, startedMs);
  try {
    await read(snapshot);
  } catch (error) {
    snapshot.errors.push(toCollectionError(error, 'collect', ctx.now()));
    snapshot.complete = false;
  }
  if (options.sortJobs) snapshot.jobs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  snapshot.confirmedByTotals = snapshot.complete;
  snapshot.durationMs = ctx.now() - startedMs;
  return snapshot;
}

/**
 * Clients kept per key (endpoint, scope and credentials, hashed), so warm Lambdas reuse keep-alive pools;
 * the oldest is closed when the cache is full.
 */
export function createClientCache<C extends { close(): Promise<void> }>(max = 64) {
  const clients = new Map<string, C>();
  return (keyParts: readonly string[], make: () => C): C => {
    const key = createHash('sha256').update(keyParts.join('\u0000')).digest('hex');
    let client = clients.get(key);
    if (!client) {
      if (clients.size >= max) {
        const [oldestKey, oldest] = clients.entries().next().value as [string, C];
        clients.delete(oldestKey);
        void oldest.close().catch(() => undefined);
      }
      client = make();
      clients.set(key, client);
    }
    return client;
  };
}

/**
 * The job copied member by member, its labels too: what a collector keeps of a job it built. Mapping code
 * builds jobs by spreading vendor facts into literals (`{ ...identity, type, ...(x ? { x } : {}) }`); with
 * many shapes flowing through those sites V8 gives each such object (and each labels object) a hidden class
 * of its own, which lives as long as the snapshot: about 0.7 KB per job. Copies made member by member share
 * hidden classes. The copy is made where the job is built, so the spread literal dies young; a copy of the
 * whole snapshot after the poll (as before issue 17's memory pass) kept both in the old generation until
 * the next full collection: every job twice at the end of a cold poll.
 */
export function plainJob(job: JobSnapshot): JobSnapshot {
  const copy = assignOwn({}, job) as JobSnapshot;
  copy.labels = assignOwn({}, job.labels);
  return copy;
}

/**
 * Records that this poll could not read some of a job's evidence (a failed, garbled or empty per-job read):
 * detection then holds every condition decided from it. Kept in the model's order whatever order the reads
 * fail in, so snapshots compare equal across runs.
 */
export function markMissing(snap: JobSnapshot, ...evidence: Evidence[]): void {
  const missing = new Set([...(snap.missing ?? []), ...evidence]);
  snap.missing = EVIDENCE.filter((e) => missing.has(e));
}
