/**
 * Silences: "mute alerts whose labels match these matchers, from this time until that time". Modelled on
 * Alertmanager's silence package: every silence has a mandatory end, an author and a comment; an edit that
 * would rewrite history (different matchers, a moved start of an active silence, an expired silence)
 * expires the old silence and creates a new one instead (AM `silence/silence.go` `canUpdate`).
 *
 * Stored under pk `alert#silence`, sk `<id>`; DynamoDB TTL removes an item SILENCE_RETENTION_SEC after
 * its end. Config silences (`silences:` in jobwatch.yml) are merged with stored ones by the notifier.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { JobwatchEvent } from '../events/schema.js';
import type { Store } from '../state/store.js';
import { ignoreWriteConflict, updateWithRetry, WriteConflictError } from '../state/update.js';
import { assignOwn } from '../text/record.js';
import { type Matcher, matcherSchema, matchesAll, matchesOne } from './matchers.js';

export type { Matcher } from './matchers.js';

export const SILENCE_PK = 'alert#silence';
/** Expired silences stay readable (for `jobwatch silence list --expired`) this long after their end. */
export const SILENCE_RETENTION_SEC = 5 * 24 * 3600;
/** The longest a single silence may last; a longer mute is a routing change, not a silence. */
export const MAX_SILENCE_DURATION_MS = 90 * 24 * 3600_000;
const MAX_CONFLICT_RETRIES = 5;

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAtMs: number;
  endsAtMs: number;
  createdBy: string;
  comment: string;
  createdAtMs: number;
  /** Set when someone expired the silence before its planned end. */
  expiredAtMs?: number;
}

export type SilenceState = 'pending' | 'active' | 'expired';

/** A point in time as an ISO 8601 string (with offset) or epoch milliseconds. */
const instantSchema = z.union([
  z.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

/**
 * What an operator submits to create (or, with `id`, edit) a silence. `endsAt` is mandatory: a silence
 * without an end is how outages go unnoticed for a month.
 */
export const silenceInputSchema = z
  .object({
    /** Present to edit an existing silence; see canUpdateSilence for what an edit may change. */
    id: z.string().min(1).max(100).optional(),
    matchers: z.array(matcherSchema).min(1, 'at least one matcher is required'),
    startsAt: instantSchema.optional(),
    endsAt: instantSchema,
    createdBy: z.string().trim().min(1, 'createdBy is required').max(200),
    comment: z.string().trim().min(1, 'a comment saying why is required').max(2000),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.matchers.every((m) => matchesOne(m, {})))
      ctx.addIssue({
        code: 'custom',
        path: ['matchers'],
        message: 'at least one matcher must not match an empty label (this silence would mute everything)',
      });
    if (input.startsAt !== undefined && input.endsAt <= input.startsAt)
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'endsAt must be after startsAt' });
  })
  .transform((input) => ({
    ...(input.id === undefined ? {} : { id: input.id }),
    matchers: input.matchers as Matcher[],
    ...(input.startsAt === undefined ? {} : { startsAtMs: input.startsAt }),
    endsAtMs: input.endsAt,
    createdBy: input.createdBy,
    comment: input.comment,
  }));

export type SilenceInput = z.output<typeof silenceInputSchema>;
export type SilenceInputRaw = z.input<typeof silenceInputSchema>;

/** One rule per sentence; reported as a 400 by the operator API. */
export class SilenceError extends Error {
  override name = 'SilenceError';
}

export function silenceState(silence: Silence, nowMs: number): SilenceState {
  if (silence.endsAtMs <= nowMs) return 'expired';
  if (silence.startsAtMs > nowMs) return 'pending';
  return 'active';
}

/**
 * Whether `next` may overwrite `current` in place (AM `canUpdate`): matchers never change; an active
 * silence keeps its start and may not end in the past; a pending one may not start in the past; an
 * expired one is history and never changes.
 */
export function canUpdateSilence(current: Silence, next: Silence, nowMs: number): boolean {
  if (JSON.stringify(current.matchers) !== JSON.stringify(next.matchers)) return false;
  switch (silenceState(current, nowMs)) {
    case 'active':
      return next.startsAtMs === current.startsAtMs && next.endsAtMs >= nowMs;
    case 'pending':
      return next.startsAtMs >= nowMs;
    case 'expired':
      return false;
  }
}

/** A silence is kept SILENCE_RETENTION_SEC past its end. */
const retainUntilSec = (silence: Silence) => Math.floor(silence.endsAtMs / 1000) + SILENCE_RETENTION_SEC;
const toWrite = (silence: Silence) => ({ next: silence, expiresAtSec: retainUntilSec(silence) });

function toItem(silence: Silence) {
  return { pk: SILENCE_PK, sk: silence.id, data: silence, expiresAtSec: retainUntilSec(silence) };
}

function validateTimes(input: SilenceInput, startsAtMs: number, nowMs: number): void {
  if (input.endsAtMs <= nowMs) throw new SilenceError('endsAt is in the past: the silence would never apply');
  if (input.endsAtMs <= startsAtMs) throw new SilenceError('endsAt must be after startsAt');
  if (input.endsAtMs - startsAtMs > MAX_SILENCE_DURATION_MS)
    throw new SilenceError(`a silence may last at most ${MAX_SILENCE_DURATION_MS / 86_400_000} days`);
}

/**
 * Creates a silence, or edits the one named by `input.id`. An edit that canUpdateSilence allows is written
 * in place (conditional on the version read); any other edit expires the old silence and creates a new one
 * with a new id, so what was muted when stays on record.
 *
 * @example
 * const silence = await createSilence(store, silenceInputSchema.parse({
 *   matchers: [{ name: 'job', op: '=~', value: 'etl-.*' }], endsAt: '2026-11-23T08:00:00Z',
 *   createdBy: 'ana', comment: 'planned backfill' }), now());
 */
export async function createSilence(store: Store, input: SilenceInput, nowMs: number): Promise<Silence> {
  // Like AM, a start in the past means "from now".
  const startsAtMs = Math.max(input.startsAtMs ?? nowMs, nowMs);
  const draft = (id: string, createdAtMs: number, start: number): Silence => ({
    id,
    matchers: input.matchers.map((m) => ({ name: m.name, value: m.value, op: m.op })),
    startsAtMs: start,
    endsAtMs: input.endsAtMs,
    createdBy: input.createdBy,
    comment: input.comment,
    createdAtMs,
  });

  if (input.id !== undefined) {
    // An edit in place, or the old silence expired and a new one created (AM's rule, canUpdateSilence).
    const edited = await updateWithRetry<Silence, Silence | undefined>(
      store,
      { pk: SILENCE_PK, sk: input.id },
      (current) => {
        if (!current) return { result: undefined };
        const existing = current.data;
        // An edit of an active silence keeps its start unless the caller asked for another.
        const start =
          input.startsAtMs === undefined && silenceState(existing, nowMs) === 'active'
            ? existing.startsAtMs
            : startsAtMs;
        const next = draft(existing.id, existing.createdAtMs, start);
        if (canUpdateSilence(existing, next, nowMs)) {
          validateTimes(input, next.startsAtMs, nowMs);
          return { ...toWrite(next), result: next };
        }
        validateTimes(input, startsAtMs, nowMs);
        if (silenceState(existing, nowMs) === 'expired') return { result: undefined };
        return { ...toWrite(expiredNow(existing, nowMs)), result: undefined };
      },
      { maxAttempts: MAX_CONFLICT_RETRIES },
    ).catch(ignoreWriteConflict);
    if (edited) return edited;
  }

  validateTimes(input, startsAtMs, nowMs);
  const silence = draft(randomUUID(), nowMs, startsAtMs);
  await store.put(toItem(silence), { ifAbsent: true });
  return silence;
}

/** Silences in the Store, oldest first; expired ones only when asked for. */
export async function listSilences(
  store: Store,
  nowMs: number,
  options: { includeExpired?: boolean } = {},
): Promise<Silence[]> {
  const items = await store.query<Silence>(SILENCE_PK, { consistent: true });
  return items
    .map((item) => item.data)
    .filter((s) => options.includeExpired || silenceState(s, nowMs) !== 'expired')
    .sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id));
}

/**
 * Ends a silence now. A pending silence becomes one that starts and ends now (it never applied). Returns
 * the silence as stored afterwards, or undefined when there is no such silence. Expiring an expired
 * silence changes nothing.
 */
export async function expireSilence(store: Store, id: string, nowMs: number): Promise<Silence | undefined> {
  try {
    return await updateWithRetry<Silence, Silence | undefined>(
      store,
      { pk: SILENCE_PK, sk: id },
      (current) => {
        if (!current) return { result: undefined };
        if (silenceState(current.data, nowMs) === 'expired') return { result: current.data };
        const expired = expiredNow(current.data, nowMs);
        return { ...toWrite(expired), result: expired };
      },
      { maxAttempts: MAX_CONFLICT_RETRIES },
    );
  } catch (error) {
    if (error instanceof WriteConflictError)
      throw new SilenceError(`silence ${id} is being changed concurrently; try again`);
    throw error;
  }
}

/** The silence ended now; a pending one starts and ends now (it never applied). */
function expiredNow(silence: Silence, nowMs: number): Silence {
  return { ...silence, startsAtMs: Math.min(silence.startsAtMs, nowMs), endsAtMs: nowMs, expiredAtMs: nowMs };
}

/** Silences written in jobwatch.yml: same fields as the API, with a stable id derived from the content. */
export const configSilenceSchema = silenceInputSchema;

/** Turns config silences into Silence records (id `config-<hash>`, createdAt = start). */
export function silencesFromConfig(inputs: readonly SilenceInput[]): Silence[] {
  return inputs.map((input) => {
    const startsAtMs = input.startsAtMs ?? 0;
    const id =
      input.id ??
      `config-${createHash('sha256')
        .update(JSON.stringify([input.matchers, startsAtMs, input.endsAtMs]))
        .digest('hex')
        .slice(0, 12)}`;
    return {
      id,
      matchers: input.matchers,
      startsAtMs,
      endsAtMs: input.endsAtMs,
      createdBy: input.createdBy,
      comment: input.comment,
      createdAtMs: startsAtMs,
    };
  });
}

/** The active silences that mute a label set (empty when none do). */
/** The first of `silencedBy(silences, labels, nowMs)`, without the list of them all (once per alert). */
export function firstSilence(
  silences: readonly Silence[],
  labels: Record<string, string>,
  nowMs: number,
): Silence | undefined {
  for (const s of silences)
    if (silenceState(s, nowMs) === 'active' && matchesAll(s.matchers, labels)) return s;
  return undefined;
}

export function silencedBy(
  silences: readonly Silence[],
  labels: Record<string, string>,
  nowMs: number,
): Silence[] {
  return silences.filter((s) => silenceState(s, nowMs) === 'active' && matchesAll(s.matchers, labels));
}

/**
 * The labels matchers (routes, silences, inhibit rules) see for an event: the event's own labels, then
 * the built-ins, which win so that an event label cannot pretend to be another alert:
 * `alertname` (event type), `severity`, `status`, `provider`, `target`, `region`, `resource` (name),
 * `kind` (job/cluster/queue/target), `job` (name, for job events), `scope_kind`/`scope` and
 * `cluster`/`queue` (for resources on or being a cluster/queue), and `container` (a cluster's or queue's
 * own name, matching the `container` label detection puts on the jobs running on it).
 */
export function alertLabels(event: JobwatchEvent): Record<string, string> {
  const d = event.data;
  // Not a spread: members added to a spread copy cost microseconds each in V8 (once per event).
  const labels: Record<string, string> = assignOwn({}, d.labels);
  labels['alertname'] = d.type;
  labels['severity'] = d.severity;
  labels['status'] = d.status;
  labels['provider'] = d.provider;
  labels['target'] = d.targetId;
  labels['region'] = d.region;
  labels['resource'] = d.resource.name;
  labels['kind'] = d.resource.kind;
  labels['scope_kind'] = d.resource.scope.kind;
  labels['scope'] = d.resource.scope.name ?? d.resource.scope.id;
  if (d.resource.kind === 'job') labels['job'] = d.resource.name;
  if (d.resource.kind === 'cluster' || d.resource.kind === 'queue') {
    labels[d.resource.kind] = d.resource.name;
    // Detection labels a job event with its unhealthy cluster's or queue's name as `container`.
    labels['container'] ??= d.resource.name;
  }
  if (d.resource.scope.kind === 'cluster' || d.resource.scope.kind === 'queue')
    labels[d.resource.scope.kind] ??= d.resource.scope.name ?? d.resource.scope.id;
  return labels;
}

/**
 * Silences one alert (its type, target and resource) for `durationMs` from `nowMs`: what the Silence
 * button of a chat message and of an action link do.
 */
export function silenceAlert(
  store: Store,
  event: JobwatchEvent,
  silence: { nowMs: number; durationMs: number; createdBy: string; comment: string },
): Promise<Silence> {
  return createSilence(
    store,
    silenceInputSchema.parse({
      matchers: [
        { name: 'alertname', op: '=', value: event.data.type },
        { name: 'target', op: '=', value: event.data.targetId },
        { name: 'resource', op: '=', value: event.data.resource.name },
      ],
      startsAt: silence.nowMs,
      endsAt: silence.nowMs + silence.durationMs,
      createdBy: silence.createdBy,
      comment: silence.comment,
    }),
    silence.nowMs,
  );
}
