/**
 * A job's health score: 0-100 from the last hour of what detection counted for it, so that "FAILED once an
 * hour ago and fine since" and "fails over every three minutes" read differently before anyone opens a
 * console. The formula is deliberately simple and documented (docs/detection.md, "Health score"): a person
 * must be able to recompute it from the evidence in the alert.
 *
 *   score = 100 - failures - failovers - checkpoints - metrics, at least 0;
 *   at most 20 while the job is FAILED now.
 *
 * | part        | penalty                                                    | at most |
 * |-------------|------------------------------------------------------------|---------|
 * | failures    | 30 per failure (FAILED, or stopped by the system)          | 60      |
 * | failovers   | 4 per failover                                             | 30      |
 * | checkpoints | 5 per failed checkpoint, and 15 while checkpoints stall    | 30      |
 * | metrics     | 20 per metric breaching its threshold now (delay, backlog) | 20      |
 *
 * Grades: 90 and above `healthy`, 60-89 `degraded`, below 60 `unhealthy`. A score computed while some of
 * the job's evidence could not be read is `partial` (it names what is missing): missing evidence is never
 * read as good news, so a partial score is shown as such rather than as healthy.
 */

/** The window the score looks back over. */
export const HEALTH_WINDOW_MS = 60 * 60 * 1000;
/** Times kept per kind: more never lowers the score further (every part is capped well below this). */
export const MAX_RECENT_TIMES = 20;

export const HEALTH_GRADES = ['healthy', 'degraded', 'unhealthy'] as const;
export type HealthGrade = (typeof HEALTH_GRADES)[number];

/** What happened to a job within the window, as times (epoch ms) of each counted occurrence. */
export interface RecentHistory {
  failures?: number[];
  failovers?: number[];
  checkpointFailures?: number[];
}

export interface HealthInput {
  nowMs: number;
  recent: RecentHistory | undefined;
  /** The job is FAILED now (confirmed). */
  failedNow: boolean;
  /** `checkpoint.stalled` is firing now. */
  checkpointsStalled: boolean;
  /** Metrics breaching their threshold now (names, e.g. `delay`). */
  breachingMetrics: readonly string[];
  /** Evidence that could not be read this poll (`state`, `checkpoints`, `failovers`, `metrics`, ...). */
  missing?: readonly string[];
}

export interface HealthPart {
  part: 'failures' | 'failovers' | 'checkpoints' | 'metrics' | 'failed-now';
  penalty: number;
  /** What was counted, in words: "2 failures in the last hour". */
  detail: string;
}

export interface JobHealth {
  score: number;
  grade: HealthGrade;
  /** The parts that cost points, largest first (empty for a perfect score). */
  parts: HealthPart[];
  /** Evidence that was missing when the score was computed: the score may be too high. */
  partial?: string[];
}

/** Points a part costs for each occurrence (a stall counts `stalled`), and at most. */
const PENALTY = {
  failures: { each: 30, max: 60 },
  failovers: { each: 4, max: 30 },
  checkpoints: { each: 5, stalled: 15, max: 30 },
  metrics: { each: 20, max: 20 },
} as const;
/** A job that is FAILED now scores at most this, whatever its history. */
const FAILED_NOW_CAP = 20;

function penalty(part: keyof typeof PENALTY, count: number, extra = 0): number {
  return Math.min(PENALTY[part].max, count * PENALTY[part].each + extra);
}

/** Times within the window ending at `nowMs` (a time in the future, from a vendor clock ahead of ours, counts). */
export function withinWindow(times: readonly number[] | undefined, nowMs: number): number[] {
  if (!times) return [];
  const since = nowMs - HEALTH_WINDOW_MS;
  return times.filter((t) => t > since);
}

/**
 * `times` with `atMs` added (once: a redelivered count of the same occurrence is not a second one), pruned to
 * the window and to the newest `MAX_RECENT_TIMES`, oldest first. Returns the same array when nothing changed,
 * so that a steady poll leaves the stored state equal (and unwritten).
 */
export function addRecent(times: number[] | undefined, atMs: number, nowMs: number): number[] {
  const since = nowMs - HEALTH_WINDOW_MS;
  const adding = atMs > since && !(times?.includes(atMs) ?? false);
  // Of the exact length, since it is kept in the stored state (a filtered copy grows room for 17).
  const kept = new Array<number>(countWithin(times, nowMs) + (adding ? 1 : 0));
  let n = 0;
  if (times) for (const t of times) if (t > since) kept[n++] = t;
  if (adding) kept[n] = atMs;
  // Sorted already in the usual case (times are added in order): no sort's scratch copy then.
  if (!isSorted(kept)) kept.sort((a, b) => a - b);
  const capped = kept.length > MAX_RECENT_TIMES ? kept.slice(-MAX_RECENT_TIMES) : kept;
  return times && sameTimes(times, capped) ? times : capped;
}

/** The history pruned to the window; `undefined` when nothing is left (nothing stored for a quiet job). */
export function pruneRecent(recent: RecentHistory | undefined, nowMs: number): RecentHistory | undefined {
  if (!recent) return undefined;
  // Every time still inside the hour (the usual case on every poll): the same object, nothing made.
  const since = nowMs - HEALTH_WINDOW_MS;
  if (
    allAfter(recent.failures, since) &&
    allAfter(recent.failovers, since) &&
    allAfter(recent.checkpointFailures, since)
  )
    return recent;
  const next: RecentHistory = {};
  let changed = false;
  for (const key of ['failures', 'failovers', 'checkpointFailures'] as const) {
    const before = recent[key];
    if (!before) continue;
    const kept = withinWindow(before, nowMs);
    if (kept.length !== before.length) changed = true;
    if (kept.length > 0) next[key] = kept.length === before.length ? before : kept;
  }
  if (!changed) return recent;
  return Object.keys(next).length > 0 ? next : undefined;
}

/** The parts that count occurrences, and the noun of one (a table made once, not per call). */
const COUNTED_PARTS = [
  ['failures', 'failure'],
  ['failovers', 'failover'],
] as const;

export function jobHealth(input: HealthInput): JobHealth {
  const { nowMs, recent } = input;
  const parts: HealthPart[] = [];
  // Counted in place, not filtered into arrays: this runs for every firing event of a poll.
  for (const [part, noun] of COUNTED_PARTS) {
    const count = countWithin(recent?.[part], nowMs);
    if (count > 0)
      parts.push({ part, penalty: penalty(part, count), detail: `${plural(count, noun)} in the last hour` });
  }
  const checkpointFailures = countWithin(recent?.checkpointFailures, nowMs);
  if (checkpointFailures > 0 || input.checkpointsStalled) {
    const counted =
      checkpointFailures > 0 ? `${plural(checkpointFailures, 'failed checkpoint')} in the last hour` : '';
    const stalled = input.checkpointsStalled ? 'checkpoints stalled now' : '';
    parts.push({
      part: 'checkpoints',
      penalty: penalty(
        'checkpoints',
        checkpointFailures,
        input.checkpointsStalled ? PENALTY.checkpoints.stalled : 0,
      ),
      detail: counted && stalled ? `${counted}, ${stalled}` : counted || stalled,
    });
  }
  if (input.breachingMetrics.length > 0)
    parts.push({
      part: 'metrics',
      penalty: penalty('metrics', input.breachingMetrics.length),
      detail: `breaching now: ${input.breachingMetrics.join(', ')}`,
    });
  let lost = 0;
  for (const p of parts) lost += p.penalty;
  let score = Math.max(0, 100 - lost);
  if (input.failedNow && score > FAILED_NOW_CAP) {
    parts.push({ part: 'failed-now', penalty: score - FAILED_NOW_CAP, detail: 'the job is FAILED now' });
    score = FAILED_NOW_CAP;
  }
  byPenaltyDescending(parts);
  const health: JobHealth = { score, grade: gradeOf(score), parts };
  if (input.missing && input.missing.length > 0) health.partial = [...input.missing];
  return health;
}

export function gradeOf(score: number): HealthGrade {
  if (score >= 90) return 'healthy';
  if (score >= 60) return 'degraded';
  return 'unhealthy';
}

/** One line for a message or a status view: "health 42/100 (unhealthy): 2 failures in the last hour, ...". */
export function describeHealth(health: JobHealth): string {
  const why = health.parts.map((p) => `${p.detail} (-${p.penalty})`).join('; ');
  const partial = health.partial ? ` [partial: ${health.partial.join(', ')} unread]` : '';
  return `health ${health.score}/100 (${health.grade})${why ? `: ${why}` : ''}${partial}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function allAfter(times: readonly number[] | undefined, since: number): boolean {
  if (!times) return true;
  for (const t of times) if (!(t > since)) return false;
  return true;
}

/**
 * `parts.sort((a, b) => b.penalty - a.penalty)` done in place by insertion (stable, like sort): there are at
 * most five parts, and the builtin sort makes a scratch copy per call (about 1 KB) on every firing event.
 */
function byPenaltyDescending(parts: HealthPart[]): void {
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] as HealthPart;
    let j = i - 1;
    while (j >= 0 && (parts[j] as HealthPart).penalty < part.penalty) {
      parts[j + 1] = parts[j] as HealthPart;
      j--;
    }
    parts[j + 1] = part;
  }
}

/** How many of `times` are within the window ending at `nowMs` (as `withinWindow(...).length`). */
export function countWithin(times: readonly number[] | undefined, nowMs: number): number {
  if (!times) return 0;
  const since = nowMs - HEALTH_WINDOW_MS;
  let n = 0;
  for (const t of times) if (t > since) n++;
  return n;
}

function isSorted(times: readonly number[]): boolean {
  for (let i = 1; i < times.length; i++)
    if (!((times[i - 1] as number) <= (times[i] as number))) return false;
  return true;
}

function sameTimes(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
