/**
 * The diagnosis of a job finding: what kind of failure it is (the classifier on the finding's error text),
 * its root cause (the innermost exception, or the first exception of a failover loop) and the evidence a
 * person needs before opening the console: the last state transitions, the time in the current state, the
 * instance, the failovers in the window, the last good checkpoint and the metric values that fired.
 * Built only when an event goes out (findings carry it lazily), from text the collectors already scrubbed.
 */
import { type Classification, classifyError, type DiagnosisCategory } from '../diagnose/index.js';
import type { EventDiagnosis, EvidenceItem } from '../model/event-input.js';
import type { JobSnapshot } from '../model/snapshot.js';
import { flat } from '../text/flat.js';
import { formatDuration } from '../text/units.js';
import type { Finding } from './conditions.js';
import type { Rules } from './config.js';
import { iso } from './describe.js';
import type { JobTrack } from './state.js';

/** Earlier states kept per job (in stored state): with the current one, the transitions shown as evidence. */
export const MAX_PREVIOUS_STATES = 2;
/** Longest loop root cause kept in stored state. */
export const MAX_LOOP_TEXT_CHARS = 300;
const MAX_EVIDENCE_ITEMS = 10;
const MAX_EVIDENCE_VALUE_CHARS = 200;

/** Link of an event: a console deep link, a runbook. */
export interface EventLink {
  title: string;
  url: string;
}

const NO_LINKS: EventLink[] = Object.freeze([]) as unknown as EventLink[];

export interface DiagnosisInput {
  finding: Finding;
  job: JobSnapshot;
  track: JobTrack;
  rules: Rules;
  sinceMs: number;
  nowMs: number;
}

/** The finding's diagnosis and the runbook link configured for its category (or for the job). */
export function explainFinding(input: DiagnosisInput): { diagnosis: EventDiagnosis; links: EventLink[] } {
  const diagnosis = diagnoseFinding(input);
  const runbook = input.rules.runbooks?.[diagnosis.category] ?? input.rules.runbooks?.default;
  return { diagnosis, links: runbook ? [{ title: 'runbook', url: runbook }] : NO_LINKS };
}

export function diagnoseFinding(input: DiagnosisInput): EventDiagnosis {
  const { finding, job, track } = input;
  const loop = finding.type === 'failover.burst' ? track.failover?.loop : undefined;
  const crash = finding.type === 'job.failed' && (track.crash?.count ?? 0) > 1 ? track.crash : undefined;
  const text = loop?.text ?? crash?.text ?? errorTextOf(finding, job);
  const verdict = withFallback(classifyError(text), finding, input);
  let summary = verdict.summary;
  if (crash) summary = `crash loop: failed ${crash.count} times, the first: ${verdict.summary}`;
  if (loop && finding.type === 'failover.burst') {
    const n = track.failover?.recentMs.length ?? loop.count;
    const windowText = formatDuration(input.rules.failover.windowSeconds * 1000);
    const alike = loop.same >= loop.count ? 'all' : `${loop.same} of ${loop.count} like the first`;
    summary = `${n} failovers in ${windowText}, ${alike}: ${verdict.summary}`;
  }
  const diagnosis = {
    category: verdict.category,
    summary: flat(summary),
    hint: verdict.hint,
  } as EventDiagnosis;
  if (verdict.rootCause) diagnosis.rootCause = verdict.rootCause;
  diagnosis.evidence = evidenceOf(input);
  return diagnosis;
}

/** The error text a finding is about: its checkpoint or failover message, else the job's last error. */
function errorTextOf(finding: Finding, job: JobSnapshot): string | undefined {
  if (finding.type === 'checkpoint.failed') return finding.values.lastCheckpointError ?? job.lastError;
  if (finding.type === 'failover.burst') return finding.values.lastFailoverError ?? job.lastError;
  return job.lastError;
}

/** A finding whose text says nothing known still has a kind: a stalled checkpoint is a checkpoint problem. */
function withFallback(verdict: Classification, finding: Finding, input: DiagnosisInput): Classification {
  if (verdict.category !== 'unknown') return verdict;
  const fallback = FALLBACKS[finding.type]?.(finding, input);
  if (!fallback) return verdict;
  return {
    ...verdict,
    category: fallback.category,
    summary: fallback.summary,
    hint: fallback.hint,
  };
}

type Fallback = (
  finding: Finding,
  input: DiagnosisInput,
) => { category: DiagnosisCategory; summary: string; hint: string } | undefined;

const CHECKPOINT_HINT =
  'Check checkpoint duration against its timeout, backpressure and state size, and that the state backend storage is reachable.';

const FALLBACKS: Partial<Record<Finding['type'], Fallback>> = {
  'checkpoint.failed': (finding) => ({
    category: 'checkpoint',
    summary: finding.title,
    hint: CHECKPOINT_HINT,
  }),
  'checkpoint.stalled': (finding) => ({
    category: 'checkpoint',
    summary: finding.title,
    hint: CHECKPOINT_HINT,
  }),
  'job.stuck': (finding) =>
    finding.discriminator === 'pending'
      ? {
          category: 'resources',
          summary: finding.title,
          hint: 'A job that stays PENDING usually waits for room on its queue or cluster: check free CUs/slots and the queue state.',
        }
      : undefined,
  'metric.threshold': (finding) => ({
    category: 'unknown',
    summary: finding.title,
    hint: 'Compare the metric with its usual range, then look at upstream volume, backpressure and the latest failovers.',
  }),
};

function evidenceOf(input: DiagnosisInput): EvidenceItem[] {
  const { finding, job, track, sinceMs, nowMs } = input;
  // Gathered in one array reused from event to event; the event keeps an exact-size copy.
  const items = scratchItems;
  items.length = 0;

  items.push(stateItem(job.state, sinceMs, nowMs));
  // The transitions newest first: each earlier state to the one after it, the last to the current state.
  const earlier = track.previousStates ?? [];
  let to: string = track.state;
  let atMs = track.sinceMs;
  for (let i = earlier.length - 1; i >= 0; i--) {
    const [from, fromMs] = earlier[i] as [string, number];
    items.push(transitionItem(from, to, atMs));
    to = from;
    atMs = fromMs;
  }
  if (job.instanceId !== undefined) addEvidence(items, 'instance', job.instanceId);
  const failovers = track.failover?.recentMs ?? [];
  if (failovers.length > 0) {
    const windowText = formatDuration(input.rules.failover.windowSeconds * 1000);
    addEvidence(items, 'failovers', `${failovers.length} in the last ${windowText}`, failovers.at(-1));
  }
  const checkpoints = job.checkpoints;
  if (checkpoints?.lastCompletedAtMs !== undefined) {
    const id = checkpoints.lastCompletedId === undefined ? '' : `#${checkpoints.lastCompletedId} `;
    addEvidence(
      items,
      'last good checkpoint',
      `${id}at ${iso(checkpoints.lastCompletedAtMs)} (${formatDuration(nowMs - checkpoints.lastCompletedAtMs)} ago)`,
      checkpoints.lastCompletedAtMs,
    );
  } else if (checkpoints?.lastCompletedId !== undefined) {
    addEvidence(items, 'last good checkpoint', `#${checkpoints.lastCompletedId}`);
  }
  if (finding.type === 'job.failed' && track.crash && track.crash.count > 1) {
    const windowText = formatDuration(input.rules.failover.windowSeconds * 1000);
    addEvidence(
      items,
      'crash loop',
      `${track.crash.count} failures, each within ${windowText} of the one before`,
    );
  }
  if (finding.type === 'metric.threshold') {
    const { metric, value, threshold, direction, unit } = finding.values;
    const u = typeof unit === 'string' ? ` ${unit}` : '';
    addEvidence(items, 'metric', `${metric} = ${value}${u} (${direction} ${threshold}${u})`);
  }
  if (job.autoRestart) {
    const max = job.autoRestart.maxAttempts === undefined ? '' : ` (max ${job.autoRestart.maxAttempts})`;
    addEvidence(items, 'vendor auto-restart', `${job.autoRestart.enabled ? 'on' : 'off'}${max}`);
  }
  const kept = items.slice(0, MAX_EVIDENCE_ITEMS);
  items.length = 0;
  return kept;
}

const scratchItems: EvidenceItem[] = [];

/** One evidence item: single-spaced, trimmed, capped at MAX_EVIDENCE_VALUE_CHARS. */
function addEvidence(items: EvidenceItem[], label: string, value: string, atMs?: number): void {
  items.push(evidenceItem(label, value, atMs));
}

function evidenceItem(label: string, value: string, atMs?: number): EvidenceItem {
  const flat = NEEDS_SPACING.test(value) ? value.replace(/\s+/g, ' ').trim() : value;
  const capped =
    flat.length > MAX_EVIDENCE_VALUE_CHARS ? `${flat.slice(0, MAX_EVIDENCE_VALUE_CHARS - 1)}…` : flat;
  const at = atMs !== undefined && Number.isSafeInteger(atMs) ? atMs : undefined;
  return sharedItem(label, capped, at);
}

/**
 * The `state` item, "FAILED for 0 s (since ...)". The jobs of one poll that changed state at its time ask
 * for the same one, one after another: the last one made answers them without writing its text again.
 */
function stateItem(state: string, sinceMs: number, nowMs: number): EvidenceItem {
  const last = lastState;
  if (last !== undefined && last.state === state && last.sinceMs === sinceMs && last.nowMs === nowMs)
    return last.item;
  const item = evidenceItem(
    'state',
    `${state} for ${formatDuration(nowMs - sinceMs)} (since ${iso(sinceMs)})`,
    sinceMs,
  );
  lastState = { state, sinceMs, nowMs, item };
  return item;
}

let lastState: { state: string; sinceMs: number; nowMs: number; item: EvidenceItem } | undefined;

/** A `transition` item, "RUNNING → FAILED at ..."; the last few made answer again (a job shows two). */
function transitionItem(from: string, to: string, atMs: number): EvidenceItem {
  for (const known of lastTransitions)
    if (known.atMs === atMs && known.from === from && known.to === to) return known.item;
  const item = evidenceItem('transition', `${from} → ${to} at ${iso(atMs)}`, atMs);
  if (lastTransitions.length >= 4) lastTransitions.shift();
  lastTransitions.push({ from, to, atMs, item });
  return item;
}

const lastTransitions: { from: string; to: string; atMs: number; item: EvidenceItem }[] = [];

/**
 * An equal item made earlier, or a new one. Events never change their evidence, and the items of one poll
 * repeat from job to job (the jobs that failed at this poll's time say "FAILED for 0 s (since ...)" and
 * "RUNNING → FAILED at ..."): a failing fleet's events share them instead of each keeping its own copy
 * (with its text) until it is sent. Keyed by the value, the label and time checked.
 */
function sharedItem(label: string, value: string, atMs: number | undefined): EvidenceItem {
  const known = sharedItems.get(value);
  if (known !== undefined && known.label === label && known.atMs === atMs) return known;
  const item: EvidenceItem = { label, value };
  if (atMs !== undefined) item.atMs = atMs;
  if (sharedItems.size >= MAX_SHARED_ITEMS) sharedItems.clear();
  sharedItems.set(value, item);
  return item;
}

const MAX_SHARED_ITEMS = 10_000;
const sharedItems = new Map<string, EvidenceItem>();

/** Text that single-spacing and trimming would change: a whitespace other than a space, two in a row, or at an end. */
const NEEDS_SPACING = /[^\S ]|\s\s|^\s|\s$/;

/** The stored first exception of a failover loop, built from what the collector listed. */
export function loopText(failover: { message: string; rootCause?: string | undefined }): string {
  const text = failover.rootCause ?? failover.message;
  return text.length > MAX_LOOP_TEXT_CHARS ? `${text.slice(0, MAX_LOOP_TEXT_CHARS - 1)}…` : text;
}
