/**
 * Rules over one job snapshot: unexpected stops, state changes, stuck jobs, checkpoint failures and
 * stalls, failover bursts and metric thresholds. Cursors (checkpoint ids, failover times) live in the
 * job's stored track so every failure is counted once, by id or time, never once per poll.
 */
import { MAX_RECENT_TIMES } from '../diagnose/health.js';
import { classifyError } from '../diagnose/index.js';
import type { EventInput } from '../model/event-input.js';
import type { EventPayload } from '../model/payloads.js';
import type { JobKind, JobSnapshot, JobState } from '../model/snapshot.js';
import { assignOwn } from '../text/record.js';
import { formatDuration, humanMeasure } from '../text/units.js';
import { type EventContext, type Explained, type Finding, reconcile } from './conditions.js';
import type { ConsoleUrlPlaceholder, Rules } from './config.js';
import {
  type DetectContext,
  describeJob,
  eventLabels,
  iso,
  jobBaseValues,
  jobRefOr,
  unhealthyContainerOf,
} from './describe.js';
import { explainFinding, loopText, MAX_PREVIOUS_STATES } from './diagnosis.js';
import { evidenceHold, missingEvidence } from './evidence.js';
import { type CountedThisPoll, jobHealthFact, nextRecent } from './health.js';
import { metricDiscriminators, thresholdsOf } from './rules.js';
import {
  type ConditionState,
  compact,
  conditionKey,
  type FailoverLoop,
  type JobTrack,
  type ResourceState,
  STATE_VERSION,
  sameLabelsOr,
} from './state.js';

/** Kinds that are expected to finish; `runningMaxSeconds` applies only to these. */
export const BATCH_LIKE_KINDS: ReadonlySet<JobKind> = new Set([
  'flink-batch',
  'spark-batch',
  'sql',
  'mapreduce',
  'hive',
  'spark-sql',
  'distcp',
]);

/** States a job is meant to be in: a change into one of them needs no reminder. */
const SETTLED_STATES: ReadonlySet<JobState> = new Set(['RUNNING', 'SUCCEEDED']);

/** States in which a job that had failed is back to normal ("recovered" rather than "no longer failed"). */
const RECOVERED_STATES: ReadonlySet<JobState> = new Set(['PENDING', 'RUNNING', 'SUCCEEDED']);

/** Checkpoint id cursor meaning "ids are tracked and none has failed yet". */
const NO_FAILED_ID = -1;

/** Failover times kept per job; enough for any sensible burst count. */
const MAX_FAILOVERS_KEPT = 200;

export function evaluateJob(
  job: JobSnapshot,
  previous: ResourceState | undefined,
  rules: Rules,
  context: DetectContext,
): { state: ResourceState; drafts: EventInput[] } {
  const { nowMs } = context;
  const before = previous?.job;
  const instanceChanged =
    before?.instanceId !== undefined && job.instanceId !== undefined && before.instanceId !== job.instanceId;

  const missing = missingEvidence(job);
  // Without state evidence nothing about the state moves, not even a pending change's count.
  const track =
    missing.has('state') && before ? copyTrack(before, NOTHING) : trackState(job, before, rules, nowMs);
  // Since when the job is in its current (possibly not yet confirmed) state.
  const sinceMs =
    job.stateSinceMs ??
    (job.state === track.state
      ? track.sinceMs
      : job.state === track.pendingState
        ? track.pendingSinceMs
        : nowMs) ??
    nowMs;

  const container = unhealthyContainerOf(job, context);
  // Rebuilt every poll, kept as the stored state's own object while unchanged (states share them).
  const labels = sameLabelsOr(
    previous?.labels,
    eventLabels(context, jobLabels(job, rules), 'job', job.kind, container?.name),
  );
  const consoleUrl = rules.consoleUrlTemplate
    ? fillConsoleUrl(rules.consoleUrlTemplate, job)
    : job.consoleUrl;
  const eventContext = new JobEventContext(
    job,
    track,
    rules,
    sinceMs,
    context,
    jobRefOr(previous?.ref, job),
    labels,
    consoleUrl,
  );

  let findings = stateChangedFindings(job, before, track, rules, previous?.conditions ?? {});
  findings = withFindings(findings, jobFailedFindings(job, rules, sinceMs));
  findings = withFindings(findings, stuckFindings(job, rules, sinceMs, track, nowMs));
  // What this poll counted, for the health score's last hour.
  let checkpointFailureTimes = NO_TIMES;
  let failoverTimes = NO_TIMES;
  // Cursors move only on evidence read this poll: failures not read now are counted when they are.
  if (!missing.has('checkpoints')) {
    const checkpoint = checkpointFailures(job, before, instanceChanged, rules, nowMs);
    if (checkpoint.cursor) track.checkpoint = checkpoint.cursor;
    checkpointFailureTimes = checkpoint.countedTimes;
    findings = withFindings(findings, checkpoint.findings);
  }
  findings = withFindings(findings, checkpointStallFindings(job, rules, track, nowMs));
  if (!missing.has('failovers')) {
    const failover = failoverBurst(job, before, instanceChanged, rules, nowMs);
    if (failover.cursor) track.failover = failover.cursor;
    failoverTimes = failover.countedTimes;
    findings = withFindings(findings, failover.findings);
  }
  findings = withFindings(findings, metricFindings(job, rules));
  trackCrashLoop(track, findings, job, rules, sinceMs);
  const counted: CountedThisPoll = { failoverTimes, checkpointFailureTimes };
  if (hasFailure(findings)) counted.failureAtMs = sinceMs;
  const recent = nextRecent(track, counted, nowMs);
  if (recent) track.recent = recent;
  else if (track.recent) delete track.recent;
  const reconciled = reconcile({
    previous: previous?.conditions ?? {},
    findings,
    // A condition whose evidence this poll lacks neither fires nor resolves.
    held: evidenceHold(job, rules),
    thresholds: thresholdsOf(rules),
    context: eventContext,
    nowMs,
  });
  const drafts = reconciled.drafts;

  // Labels and ref hold no undefined (built here, or the stored state's own): only the rest is compacted.
  // One literal per shape (members in the stored order), not members added one by one to a smaller object.
  const state: ResourceState = consoleUrl
    ? {
        v: STATE_VERSION,
        ref: eventContext.ref,
        labels,
        consoleUrl,
        job: compact(track, before),
        conditions: compact(reconciled.conditions, previous?.conditions),
      }
    : {
        v: STATE_VERSION,
        ref: eventContext.ref,
        labels,
        job: compact(track, before),
        conditions: compact(reconciled.conditions, previous?.conditions),
      };
  // The score is computed from the stored state (the same number a status view computes), and goes on every
  // firing event of the job; only computed when there is one (detection's hot path runs for every job).
  if (drafts.some(isFiring)) {
    const fact = jobHealthFact(state, nowMs, missing.size === 0 ? NO_MISSING : [...missing]);
    for (const draft of drafts) if (isFiring(draft)) draft.health = fact;
  }
  return { state, drafts };
}

/**
 * Everything an event of one job on one poll needs, in one object: the job's facts and a finding's
 * diagnosis are made from it only for the events that go out (methods, not closures made per job).
 */
class JobEventContext implements EventContext {
  readonly provider: EventContext['provider'];
  readonly targetId: string;
  readonly region: string;
  readonly consoleUrl: string | undefined;

  constructor(
    readonly job: JobSnapshot,
    readonly track: JobTrack,
    readonly rules: Rules,
    readonly sinceMs: number,
    readonly detect: DetectContext,
    readonly ref: EventContext['ref'],
    readonly labels: Record<string, string>,
    consoleUrl: string | undefined,
  ) {
    this.provider = detect.snapshot.provider;
    this.targetId = detect.target.id;
    this.region = detect.snapshot.region;
    this.consoleUrl = consoleUrl || undefined;
  }

  baseValues(): EventPayload<'job.failed'> {
    return jobBaseValues(this.job, this.sinceMs, this.detect);
  }

  /** Title of a resolve on the job: a job.failed that clears says how the job is now. */
  resolvedTitle(c: ConditionState): string {
    const { job } = this;
    if (c.type !== 'job.failed') return `Resolved: ${c.title ?? c.type}`;
    return RECOVERED_STATES.has(job.state)
      ? `Job ${job.name} recovered (${job.state})`
      : `Job ${job.name} no longer failed (${job.state})`;
  }

  explain(finding: Finding): Explained {
    const { job, track, rules, sinceMs } = this;
    return explainFinding({ finding, job, track, rules, sinceMs, nowMs: this.detect.nowMs });
  }
}

/**
 * `findings` followed by `more`. A rule's findings, when it has any, are a new array of its own: the first
 * non-empty one is taken as it is, so a job with one finding (or none) makes no array to gather them in.
 */
function withFindings(findings: Finding[], more: Finding[]): Finding[] {
  if (more.length === 0) return findings;
  if (findings.length === 0) return more;
  for (const finding of more) findings.push(finding);
  return findings;
}

function hasFailure(findings: readonly Finding[]): boolean {
  for (const finding of findings) if (finding.type === 'job.failed') return true;
  return false;
}

function isFiring(draft: EventInput): boolean {
  return draft.status === 'firing';
}

/**
 * What a rule returns when it has nothing to say (most jobs, every poll): shared and frozen rather than new
 * arrays per job. Callers only read them.
 */
const NO_FINDINGS: Finding[] = Object.freeze([]) as unknown as Finding[];
const NO_TIMES: number[] = Object.freeze([]) as unknown as number[];
const NO_MISSING: readonly string[] = Object.freeze([]);
const NOTHING_COUNTED: { findings: Finding[]; countedTimes: number[] } = Object.freeze({
  findings: NO_FINDINGS,
  countedTimes: NO_TIMES,
});

/** Confirms a state change after `firePolls` polls; UNKNOWN never replaces a known state. */
function trackState(job: JobSnapshot, before: JobTrack | undefined, rules: Rules, nowMs: number): JobTrack {
  // Tracked only where a no-progress limit applies: a progress figure that moves every poll would otherwise
  // rewrite the job's state on every poll for a check nobody asked for (issue 17).
  const tracksProgress =
    job.state === 'RUNNING' && job.progress !== undefined && rules.stuck.noProgressSeconds !== undefined;
  // A copy without the members this poll decides anew (no `delete`: it makes objects slow dictionaries).
  const track: JobTrack = before
    ? copyTrack(before, tracksProgress || job.state === 'UNKNOWN' ? PENDING_MEMBERS : PENDING_AND_PROGRESS)
    : { state: job.state, sinceMs: job.stateSinceMs ?? nowMs };
  if (before && job.state !== before.state && job.state !== 'UNKNOWN') {
    const continued = before.pendingState === job.state;
    const seen = (continued ? (before.pendingSeen ?? 0) : 0) + 1;
    const pendingSinceMs = job.stateSinceMs ?? (continued ? before.pendingSinceMs : undefined) ?? nowMs;
    if (seen >= rules.hysteresis.firePolls) {
      // The newest MAX_PREVIOUS_STATES - 1 earlier ones and the one left now (arrays of their exact length).
      const earlier = before.previousStates ?? [];
      const left: [JobState, number] = [before.state, before.sinceMs];
      const kept = Math.min(earlier.length, MAX_PREVIOUS_STATES - 1);
      // One array of the exact length (not a slice and then a concatenation of it).
      const states = new Array<[JobState, number]>(kept + 1);
      for (let i = 0; i < kept; i++) states[i] = earlier[earlier.length - kept + i] as [JobState, number];
      states[kept] = left;
      track.previousStates = states;
      track.state = job.state;
      track.sinceMs = pendingSinceMs;
    } else {
      track.pendingState = job.state;
      track.pendingSeen = seen;
      track.pendingSinceMs = pendingSinceMs;
    }
  }
  if (job.instanceId !== undefined) track.instanceId = job.instanceId;

  // Progress counts only while RUNNING on the same instance; a new instance starts from scratch.
  const sameInstance = before?.instanceId === undefined || before.instanceId === job.instanceId;
  if (
    tracksProgress &&
    (before?.progress !== job.progress || !sameInstance || before?.progressSinceMs === undefined)
  ) {
    track.progress = job.progress;
    track.progressSinceMs = nowMs;
  }
  return track;
}

const NOTHING: ReadonlySet<string> = new Set();
const PENDING_MEMBERS: ReadonlySet<string> = new Set(['pendingState', 'pendingSeen', 'pendingSinceMs']);
const PENDING_AND_PROGRESS: ReadonlySet<string> = new Set([
  ...PENDING_MEMBERS,
  'progress',
  'progressSinceMs',
]);

/** A shallow copy of the track without the `skipped` members (and without undefined ones). */
function copyTrack(before: JobTrack, skipped: ReadonlySet<string>): JobTrack {
  const copy: Record<string, unknown> = {};
  const from = before as unknown as Record<string, unknown>;
  for (const key in from) {
    if (Object.hasOwn(from, key) && !skipped.has(key) && from[key] !== undefined) copy[key] = from[key];
  }
  return copy as unknown as JobTrack;
}

/**
 * job.state_changed, informational. A change into RUNNING or SUCCEEDED is news once and resolves after
 * `resolvePolls`; a change into any other state stays firing while the job stays there (the router may
 * remind), and the next change resolves it and fires anew. So every firing event gets its resolve.
 */
function stateChangedFindings(
  job: JobSnapshot,
  before: JobTrack | undefined,
  track: JobTrack,
  rules: Rules,
  conditions: Readonly<Record<string, ConditionState>>,
): Finding[] {
  if (!rules.stateChanged.enabled) return NO_FINDINGS;
  const changed = before !== undefined && track.state !== before.state;
  // Without a change this poll, the finding only keeps an open one alive (never opens one on first sight).
  if (!changed && (SETTLED_STATES.has(track.state) || !conditions[conditionKey('job.state_changed')]))
    return NO_FINDINGS;
  const from = changed ? before.state : 'previous state';
  const cause = job.stateCause ? ` (by ${job.stateCause})` : '';
  return [
    {
      type: 'job.state_changed',
      severity: 'info',
      title: `Job ${job.name} ${from} → ${track.state}${cause}`,
      summary: `${describeJob(job)} moved from ${from} to ${track.state} (vendor state ${job.vendorState})${cause}.`,
      values: { from, to: track.state, expected: !isUnexpectedStop(track.state, job.stateCause) },
      startsAtMs: track.sinceMs,
      occurrence: `${track.state}@${track.sinceMs}`,
    },
  ];
}

/** FAILED, or STOPPED by the system, is unexpected; a person's stop or pause, or a stop of unknown cause, is not. */
function isUnexpectedStop(state: JobState, cause: JobSnapshot['stateCause']): boolean {
  return state === 'FAILED' || (state === 'STOPPED' && cause === 'system');
}

function jobFailedFindings(job: JobSnapshot, rules: Rules, sinceMs: number): Finding[] {
  if (!rules.jobFailed.enabled || !isUnexpectedStop(job.state, job.stateCause)) return NO_FINDINGS;
  const failed = job.state === 'FAILED';
  const error = job.lastError;
  const findings: Finding[] = [
    {
      type: 'job.failed',
      severity: rules.jobFailed.severity,
      title: failed ? `Job ${job.name} FAILED` : `Job ${job.name} stopped unexpectedly`,
      summary: `${describeJob(job)} is ${job.state} (vendor state ${job.vendorState}) since ${iso(sinceMs)}${
        job.autoRestart?.enabled ? '; the vendor will restart it automatically' : ''
      }${error ? `. Last error: ${error}` : '.'}`,
      values: {},
      startsAtMs: job.finishedAtMs ?? sinceMs,
    },
  ];
  // A new instance failing again is a new failure, even when no poll saw it running in between.
  if (job.instanceId !== undefined) (findings[0] as Finding).occurrence = job.instanceId;
  return findings;
}

function stuckFindings(
  job: JobSnapshot,
  rules: Rules,
  sinceMs: number,
  track: JobTrack,
  nowMs: number,
): Finding[] {
  const { stuck } = rules;
  if (!stuck.enabled) return NO_FINDINGS;
  // Only the states a limit applies to get past here (a RUNNING job without limits, on every poll, does not).
  if (
    job.state !== 'PENDING' &&
    job.state !== 'STOPPING' &&
    (job.state !== 'RUNNING' ||
      (stuck.noProgressSeconds === undefined &&
        (stuck.runningMaxSeconds === undefined || !BATCH_LIKE_KINDS.has(job.kind))))
  )
    return NO_FINDINGS;
  const findings: Finding[] = [];
  const at = { job, rules, nowMs, findings };
  if (job.state === 'PENDING' || job.state === 'STOPPING') {
    stuckFor(at, job.state.toLowerCase(), `stuck ${job.state}`, sinceMs, stuck.pendingMaxSeconds);
  }
  if (job.state === 'RUNNING' && stuck.runningMaxSeconds !== undefined && BATCH_LIKE_KINDS.has(job.kind)) {
    const runningSinceMs = job.startedAtMs ?? sinceMs;
    stuckFor(at, 'running-too-long', 'running', runningSinceMs, stuck.runningMaxSeconds);
  }
  if (
    job.state === 'RUNNING' &&
    stuck.noProgressSeconds !== undefined &&
    track.progressSinceMs !== undefined
  ) {
    stuckFor(at, 'no-progress', 'made no progress', track.progressSinceMs, stuck.noProgressSeconds);
    const last = findings.at(-1);
    if (last?.type === 'job.stuck' && last.discriminator === 'no-progress' && track.progress !== undefined)
      last.values.progress = track.progress;
  }
  return findings;
}

/** A job.stuck finding when the job has been in `what` since `referenceMs` for longer than the limit. */
function stuckFor(
  at: { job: JobSnapshot; rules: Rules; nowMs: number; findings: Finding[] },
  discriminator: string,
  what: string,
  referenceMs: number,
  limitSeconds: number,
): void {
  const ageMs = at.nowMs - referenceMs;
  if (ageMs <= limitSeconds * 1000) return;
  const detail = `${what} for ${formatDuration(ageMs)}`;
  at.findings.push({
    type: 'job.stuck',
    discriminator,
    severity: at.rules.stuck.severity,
    title: `Job ${at.job.name} ${detail}`,
    summary: `${describeJob(at.job)} ${detail} (limit ${formatDuration(limitSeconds * 1000)}).`,
    values: { stuckSeconds: Math.round(ageMs / 1000), limitSeconds },
    startsAtMs: referenceMs + limitSeconds * 1000,
  });
}

/**
 * New failed checkpoints, by id past the stored cursor, or by the growth of the cumulative count when the
 * vendor lists no ids (whichever is larger, since a vendor may list only the latest failure). A new
 * instance, a dropping count or a dropping completed id means the counters restarted: everything the
 * new counters show is new. The first sight of a job only sets the baseline.
 */
function checkpointFailures(
  job: JobSnapshot,
  before: JobTrack | undefined,
  instanceChanged: boolean,
  rules: Rules,
  nowMs: number,
): { findings: Finding[]; cursor?: JobTrack['checkpoint']; countedTimes: number[] } {
  const stats = job.checkpoints;
  if (!stats) return NOTHING_COUNTED;
  const listed = stats.recentFailures;
  const prev = before?.checkpoint;
  const reset =
    instanceChanged ||
    movedOn(prev?.instanceId, job.instanceId) ||
    (stats.failedCount !== undefined &&
      prev?.failedCount !== undefined &&
      stats.failedCount < prev.failedCount) ||
    (stats.lastCompletedId !== undefined &&
      prev?.lastCompletedId !== undefined &&
      stats.lastCompletedId < prev.lastCompletedId);
  // -1 means "ids are tracked and none has failed yet": every listed id is new.
  const idCursor = reset ? NO_FAILED_ID : prev?.maxFailedId;

  const cursor: NonNullable<JobTrack['checkpoint']> = {};
  const cursorInstance = job.instanceId ?? prev?.instanceId;
  if (cursorInstance !== undefined) cursor.instanceId = cursorInstance;
  const maxFailedId = listed ? Math.max(idCursor ?? NO_FAILED_ID, ...listed.map((f) => f.id)) : idCursor;
  if (maxFailedId !== undefined) cursor.maxFailedId = maxFailedId;
  const failedCount = stats.failedCount ?? (reset ? undefined : prev?.failedCount);
  if (failedCount !== undefined) cursor.failedCount = failedCount;
  // A floor, not the latest id: ids falling below the first one seen on this history mean it restarted.
  // Kept as it is while checkpoints advance, so a healthy running job's state is not rewritten every poll.
  const lastCompletedId = reset ? stats.lastCompletedId : (prev?.lastCompletedId ?? stats.lastCompletedId);
  if (lastCompletedId !== undefined) cursor.lastCompletedId = lastCompletedId;

  if (!prev) return { findings: [], cursor, countedTimes: [] };

  const counted =
    listed && idCursor !== undefined ? listed.filter((f) => f.id > idCursor).sort((a, b) => a.id - b.id) : [];
  let countDelta = 0;
  if (stats.failedCount !== undefined) {
    if (reset) countDelta = stats.failedCount;
    else if (prev.failedCount !== undefined) countDelta = stats.failedCount - prev.failedCount;
  }
  const failed = Math.max(counted.length, countDelta);
  // Failures known only by the count's growth have no time of their own: this poll's, one ms apart.
  const countedTimes = [
    ...counted.map((f) => f.atMs),
    ...Array.from({ length: boundedExtra(failed - counted.length) }, (_, i) => nowMs - i),
  ];
  if (!rules.checkpoint.enabled || failed < rules.checkpoint.failuresToFire)
    return { findings: [], cursor, countedTimes };

  const newest = counted.at(-1);
  const message = newest?.message;
  const values: EventPayload<'checkpoint.failed'> = { failedCheckpoints: failed };
  if (counted.length > 0)
    values.failedCheckpointIds = counted
      .map((f) => f.id)
      .slice(-10)
      .join(',');
  if (stats.failedCount !== undefined) values.failedCount = stats.failedCount;
  if (message) values.lastCheckpointError = message;
  const plural = failed === 1 ? '' : 's';
  return {
    cursor,
    countedTimes,
    findings: [
      {
        type: 'checkpoint.failed',
        severity: rules.checkpoint.severity,
        title: `${failed} checkpoint${plural} failed on ${job.name}`,
        summary: `${describeJob(job)}: ${failed} new failed checkpoint${plural} since the last poll${
          message ? `; latest: ${message}` : ''
        }.`,
        values,
        startsAtMs: counted.length > 0 ? Math.min(...counted.map((f) => f.atMs)) : nowMs,
      },
    ],
  };
}

/**
 * No completed checkpoint for max(interval, timeout) x (tolerated failures + 2), or `stallAfterSeconds`,
 * counted from the later of the last completed checkpoint and the start of the current run.
 */
function checkpointStallFindings(job: JobSnapshot, rules: Rules, track: JobTrack, nowMs: number): Finding[] {
  const stats = job.checkpoints;
  if (!rules.checkpoint.enabled || !stats || job.state !== 'RUNNING') return NO_FINDINGS;
  const derivedMs =
    stats.intervalMs !== undefined
      ? Math.max(stats.intervalMs, stats.timeoutMs ?? 0) * ((stats.toleratedFailures ?? 0) + 2)
      : undefined;
  const limitMs =
    rules.checkpoint.stallAfterSeconds !== undefined ? rules.checkpoint.stallAfterSeconds * 1000 : derivedMs;
  if (limitMs === undefined || limitMs <= 0) return NO_FINDINGS;
  const referenceMs =
    maxOf(stats.lastCompletedAtMs, job.stateSinceMs ?? job.startedAtMs) ??
    (track.state === 'RUNNING' ? track.sinceMs : nowMs);
  const ageMs = nowMs - referenceMs;
  if (ageMs <= limitMs) return NO_FINDINGS;
  const values: EventPayload<'checkpoint.stalled'> = {
    lastCheckpointAgeSeconds: Math.round(ageMs / 1000),
    stallLimitSeconds: Math.round(limitMs / 1000),
  };
  if (stats.lastCompletedId !== undefined) values.lastCompletedId = stats.lastCompletedId;
  if (stats.lastCompletedAtMs !== undefined) values.lastCompletedAt = iso(stats.lastCompletedAtMs);
  if (stats.intervalMs !== undefined) values.intervalSeconds = Math.round(stats.intervalMs / 1000);
  if (stats.inProgressCount !== undefined) values.inProgressCount = stats.inProgressCount;
  const what = stats.lastCompletedAtMs === undefined ? 'No completed checkpoint' : 'No new checkpoint';
  return [
    {
      type: 'checkpoint.stalled',
      severity: rules.checkpoint.severity,
      title: `${what} on ${job.name} for ${formatDuration(ageMs)}`,
      summary: `${describeJob(job)} is RUNNING but has completed no checkpoint for ${formatDuration(ageMs)} (limit ${formatDuration(limitMs)}).`,
      values,
      startsAtMs: referenceMs + limitMs,
    },
  ];
}

/**
 * Counts failovers newer than the job's cursor and keeps their times while they are inside the window.
 * A new instance re-baselines: the history it reports at first sight does not count. A job seen for the
 * first time counts only failovers inside the window.
 */
function failoverBurst(
  job: JobSnapshot,
  before: JobTrack | undefined,
  instanceChanged: boolean,
  rules: Rules,
  nowMs: number,
): { findings: Finding[]; cursor?: JobTrack['failover']; countedTimes: number[] } {
  const { failover } = rules;
  const windowMs = failover.windowSeconds * 1000;
  const prev = before?.failover;
  const listed = job.failovers;
  // Nothing listed and nothing remembered (most jobs, every poll): no cursor, nothing counted (burstCount >= 1).
  if (!listed && !prev) return NOTHING_COUNTED;
  const listedMax = listed && listed.length > 0 ? Math.max(...listed.map((f) => f.atMs)) : undefined;

  // The cursor remembers its instance: a restart seen while no failovers were listed still re-baselines.
  const rebaseline = instanceChanged || movedOn(prev?.instanceId, job.instanceId);
  let recentMs = rebaseline ? [] : [...(prev?.recentMs ?? [])];
  let cursorMs = prev?.cursorMs;
  let fresh: NonNullable<JobSnapshot['failovers']> = [];
  if (listed) {
    if (rebaseline) {
      cursorMs = maxOf(cursorMs, listedMax);
    } else {
      fresh = listed.filter((f) =>
        cursorMs === undefined ? f.atMs > nowMs - windowMs : f.atMs > (cursorMs as number),
      );
      cursorMs = maxOf(cursorMs, listedMax);
    }
  }
  const loopBefore = recentMs.some((t) => t > nowMs - windowMs) ? prev?.loop : undefined;
  recentMs = [...new Set([...recentMs, ...fresh.map((f) => f.atMs)])]
    .filter((t) => t > nowMs - windowMs)
    .sort((a, b) => a - b)
    .slice(-MAX_FAILOVERS_KEPT);
  const loop = recentMs.length > 0 ? failoverLoop(loopBefore, fresh, nowMs - windowMs) : undefined;
  // The cursor moves to a new instance only with a listing to baseline on; until then the next listing re-baselines.
  const cursorInstance = listed ? (job.instanceId ?? prev?.instanceId) : prev?.instanceId;
  const cursor =
    listed || prev
      ? {
          ...(cursorMs === undefined ? {} : { cursorMs }),
          recentMs,
          ...(cursorInstance === undefined ? {} : { instanceId: cursorInstance }),
          ...(loop ? { loop } : {}),
        }
      : undefined;

  const countedTimes = fresh.map((f) => f.atMs);
  if (!failover.enabled || job.state !== 'RUNNING' || recentMs.length < failover.burstCount) {
    return { findings: [], countedTimes, ...(cursor ? { cursor } : {}) };
  }
  const latest = [...fresh, ...(listed ?? [])].reduce<(typeof fresh)[number] | undefined>(
    (a, f) => (a === undefined || f.atMs > a.atMs ? f : a),
    undefined,
  );
  const message = latest?.rootCause ?? latest?.message;
  const values: EventPayload<'failover.burst'> = {
    newFailovers: recentMs.length,
    windowSeconds: failover.windowSeconds,
    burstCount: failover.burstCount,
    lastFailoverAt: iso(recentMs.at(-1) as number),
  };
  if (message) values.lastFailoverError = message;
  const n = recentMs.length;
  return {
    ...(cursor ? { cursor } : {}),
    countedTimes,
    findings: [
      {
        type: 'failover.burst',
        severity: failover.severity,
        title: `${n} failovers in ${formatDuration(windowMs)} on ${job.name}`,
        summary: `${describeJob(job)} failed over ${n} times in the last ${formatDuration(windowMs)} while RUNNING (limit ${failover.burstCount})${
          message ? `; latest: ${message}` : ''
        }.`,
        values,
        startsAtMs: recentMs.at(-1) as number,
      },
    ],
  };
}

/** Counts a new failure into the job's crash loop, or starts a loop when the last failure is too old. */
function trackCrashLoop(
  track: JobTrack,
  findings: Finding[],
  job: JobSnapshot,
  rules: Rules,
  sinceMs: number,
) {
  const windowMs = rules.failover.windowSeconds * 1000;
  const crash = track.crash;
  if (!hasFailure(findings) || crash?.lastMs === sinceMs) return;
  if (crash && sinceMs > crash.lastMs && sinceMs - crash.lastMs <= windowMs) {
    const next = assignOwn({} as typeof crash, crash);
    next.count = crash.count + 1;
    next.lastMs = sinceMs;
    track.crash = next;
    return;
  }
  const text = job.lastError ? loopText({ message: job.lastError }) : undefined;
  track.crash = text ? { text, count: 1, lastMs: sinceMs } : { count: 1, lastMs: sinceMs };
}

/**
 * The loop the window's failovers belong to: it goes on while the window never empties, and its first
 * exception stays its root cause. Each new failover counts, and counts as `same` when it classifies like it.
 */
function failoverLoop(
  before: FailoverLoop | undefined,
  fresh: NonNullable<JobSnapshot['failovers']>,
  windowStartMs: number,
): FailoverLoop | undefined {
  let loop = before ? { ...before } : undefined;
  let first = loop ? classifyError(loop.text).category : undefined;
  for (const failover of [...fresh].sort((a, b) => a.atMs - b.atMs)) {
    if (failover.atMs <= windowStartMs) continue;
    const text = loopText(failover);
    const category = classifyError(text).category;
    if (!loop) {
      loop = { text, count: 1, same: 1 };
      first = category;
    } else {
      loop.count += 1;
      if (category === first) loop.same += 1;
    }
  }
  return loop;
}

/** The latest sample of each configured metric against its threshold; a missing sample breaches nothing. */
function metricFindings(job: JobSnapshot, rules: Rules): Finding[] {
  if (rules.metrics.length === 0) return NO_FINDINGS;
  const discriminators = metricDiscriminators(rules);
  const findings: Finding[] = [];
  rules.metrics.forEach((rule, i) => {
    const sample = (job.metrics ?? [])
      .filter((m) => m.name === rule.name && Number.isFinite(m.value))
      .reduce<NonNullable<JobSnapshot['metrics']>[number] | undefined>(
        (a, m) => (a === undefined || m.atMs > a.atMs ? m : a),
        undefined,
      );
    if (!sample) return;
    const above = rule.above !== undefined && sample.value > rule.above;
    const below = rule.below !== undefined && sample.value < rule.below;
    if (!above && !below) return;
    const threshold = (above ? rule.above : rule.below) as number;
    const measure = (value: number) => humanMeasure(value, sample.unit);
    findings.push({
      type: 'metric.threshold',
      discriminator: discriminators[i] as string,
      severity: rule.severity,
      title: `${rule.name} ${above ? 'above' : 'below'} ${measure(threshold)} on ${job.name}`,
      summary: `${describeJob(job)}: ${rule.name} is ${measure(sample.value)}, ${above ? 'above' : 'below'} ${measure(threshold)} for ${rule.forPolls} or more polls.`,
      values: {
        metric: rule.name,
        value: sample.value,
        threshold,
        direction: above ? 'above' : 'below',
        forPolls: rule.forPolls,
        ...(sample.unit ? { unit: sample.unit } : {}),
      },
      startsAtMs: sample.atMs,
    });
  });
  return findings;
}

/** How many count-only failures to remember: a vendor count may be garbage (NaN, Infinity, fractional). */
function boundedExtra(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.min(MAX_RECENT_TIMES, Math.floor(n)) : 0;
}

/**
 * The job's event labels: vendor facts, then the owner/env the vendor's tags give (`rules.tagLabels`), then
 * the configured labels, which win (a deliberate `owner` in jobwatch.yml beats a stale tag).
 */
function jobLabels(job: JobSnapshot, rules: Rules): Record<string, string> {
  const tags = job.vendorTags;
  if (!tags && !rules.labels) return job.labels;
  const fromTags: Record<string, string> = {};
  if (tags)
    for (const [label, key] of Object.entries(rules.tagLabels)) {
      const value = tags[key];
      if (value) fromTags[label] = value;
    }
  return assignOwn(assignOwn(assignOwn({}, job.labels), fromTags), rules.labels);
}

/** A console link template filled from the job, every value URL-encoded; an unknown value is left empty. */
export function fillConsoleUrl(template: string, job: JobSnapshot): string {
  const values: Record<ConsoleUrlPlaceholder, string | undefined> = {
    provider: job.provider,
    targetId: job.targetId,
    region: job.region,
    scopeId: job.scope.id,
    scopeName: job.scope.name,
    name: job.name,
    vendorId: job.vendorId,
    instanceId: job.instanceId,
  };
  return template.replace(/\{([^}]*)\}/g, (_, name: string) =>
    encodeURIComponent(values[name as ConsoleUrlPlaceholder] ?? ''),
  );
}

/** Both instance ids known and different. */
function movedOn(before: string | undefined, now: string | undefined): boolean {
  return before !== undefined && now !== undefined && before !== now;
}

function maxOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}
