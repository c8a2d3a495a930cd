/**
 * What detection remembers between polls, per resource. Everything here is plain JSON (it is stored as a
 * DynamoDB item) and small: identity for resolves after a resource is gone, a few cursors, and one entry
 * per condition that is pending or firing.
 */
import type { RecentHistory } from '../diagnose/health.js';
import type { EventType, Severity } from '../model/catalog.js';
import type { ResourceRef } from '../model/event-input.js';
import type { JobState } from '../model/snapshot.js';

export const STATE_VERSION = 1;

/** One condition (a finding of one type, optionally discriminated) on one resource. */
export interface ConditionState {
  type: EventType;
  discriminator?: string;
  /** Consecutive polls the condition has been seen (kept while firing, through noisy absent polls). */
  seen: number;
  /** Consecutive polls it has been absent while firing; resolves at `resolvePolls`. */
  absent: number;
  firing: boolean;
  /** When the condition started: vendor time when known, else the first poll that saw it. */
  startsAtMs: number;
  /** First poll of the current absent streak: the resolve's endsAtMs. */
  clearedAtMs?: number;
  /** Severity and title of the firing event, repeated in the resolve. */
  severity?: Severity;
  title?: string;
  /**
   * The finding's occurrence (the failing instance, the state entered). A change while firing is the same
   * incident happening again: it stays open and counts one more occurrence, it does not resolve.
   */
  occurrence?: string;
  /** Occurrences of the incident while it stayed open (absent: 1); events carry it as `occurrence`. */
  occurrences?: number;
  /** Observation time of the last event emitted for this condition: the next one is always later. */
  observedAtMs?: number;
}

export interface JobTrack {
  /** Confirmed normalized state (a change is confirmed after `firePolls` polls). */
  state: JobState;
  /** When the confirmed state began: vendor time when known, else the poll that confirmed it. */
  sinceMs: number;
  /** A state change seen but not yet confirmed: which state, for how many polls, since when. */
  pendingState?: JobState;
  pendingSeen?: number;
  pendingSinceMs?: number;
  instanceId?: string;
  progress?: number;
  progressSinceMs?: number;
  /**
   * Checkpoint cursors: highest failed checkpoint id counted, last cumulative failed count, last completed
   * id, and the instance they belong to.
   */
  checkpoint?: { maxFailedId?: number; failedCount?: number; lastCompletedId?: number; instanceId?: string };
  /** Failover cursor (newest `atMs` counted), times of counted failovers still inside the window, instance. */
  failover?: { cursorMs?: number; recentMs: number[]; instanceId?: string; loop?: FailoverLoop };
  /**
   * The states before the current one and when each began, oldest first (evidence for diagnoses: with
   * `state` and `sinceMs` they give the last transitions). Tuples, since the stored state must stay small.
   */
  previousStates?: [JobState, number][];
  /**
   * A crash loop: failures (FAILED or stopped by the system) each within the failover window of the one
   * before. `text` is the first failure's error (the loop's root cause), `count` the failures so far,
   * `lastMs` when the latest one began (a failure is new when it began at another time).
   */
  crash?: { text?: string; count: number; lastMs: number };
  /**
   * Times of the failures, failovers and failed checkpoints counted in the last hour (at most 20 each): the
   * health score's input. Absent for a job with a quiet hour, so a steady job's state does not change.
   */
  recent?: RecentHistory;
}

/**
 * A failover loop: failovers that kept coming without the window ever emptying. Its first exception (`text`)
 * is the loop's root cause (later ones tend to be wrappers of the restart); `count` failovers so far, `same`
 * of them classified like the first.
 */
export interface FailoverLoop {
  text: string;
  count: number;
  same: number;
}

export interface ResourceState {
  v: typeof STATE_VERSION;
  ref: ResourceRef;
  /** Event labels and console link as last seen, for resolves after the resource disappears. */
  labels: Record<string, string>;
  consoleUrl?: string;
  job?: JobTrack;
  /** Keyed by `conditionKey(type, discriminator)`. */
  conditions: Record<string, ConditionState>;
}

export function conditionKey(type: EventType, discriminator?: string): string {
  return discriminator ? `${type}|${discriminator}` : type;
}

/**
 * Structural equality of two JSON values, ignoring key order (a state read back from DynamoDB, whose maps
 * are unordered, equals the state that was written) and members that are undefined.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  // Two passes over own keys instead of a key set: this runs for every resource on every poll.
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  for (const key in left) {
    if (!Object.hasOwn(left, key)) continue;
    if (!sameJson(left[key], right[key])) return false;
  }
  for (const key in right) {
    if (!Object.hasOwn(right, key) || Object.hasOwn(left, key)) continue;
    if (right[key] !== undefined) return false;
  }
  return true;
}

/**
 * The value without undefined members: the DynamoDB document client refuses them, and the stored item and
 * the in-memory state must be the same JSON. Objects and arrays that hold no undefined member (at any depth)
 * are returned as they are, so a state shares its unchanged parts (labels, ref, cursors) with the previous
 * poll's instead of copying every resource's state on every poll; only the path to an undefined is copied.
 */
export function compact<T>(value: T, stored?: unknown): T {
  if (value === null || typeof value !== 'object') return value;
  // A member that is the stored state's own (the same object) holds no undefined: a stored state was
  // compacted when it was made, or read back as JSON. It is kept without walking it again.
  if (value === stored) return value;
  const before =
    stored !== null && typeof stored === 'object' ? (stored as Record<string, unknown>) : undefined;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const member = compact(value[i], before?.[i]);
      if (member !== value[i] && !copy) copy = value.slice(0, i);
      copy?.push(member);
    }
    return (copy ?? value) as T;
  }
  const source = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    const member = source[key];
    const kept =
      member === null || typeof member !== 'object'
        ? member
        : compact(member, before !== undefined && Object.hasOwn(before, key) ? before[key] : undefined);
    if ((kept !== member || kept === undefined) && !out) out = copyUntil(source, key);
    if (out && kept !== undefined) out[key] = kept;
  }
  return (out ?? value) as T;
}

/** The members of `source` before `stop`, in order (where compact starts copying). */
function copyUntil(source: Record<string, unknown>, stop: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in source) {
    if (key === stop) break;
    if (Object.hasOwn(source, key)) out[key] = source[key];
  }
  return out;
}

/**
 * `previous` when it has the same labels as `next` in the same order (events show them in that order), else
 * `next`: a resource's labels, rebuilt every poll, stay the one object its stored state already holds, so
 * states share them and comparing states is cheap.
 */
export function sameLabelsOr(
  previous: Record<string, string> | undefined,
  next: Record<string, string>,
): Record<string, string> {
  if (previous === undefined || typeof previous !== 'object' || previous === null) return next;
  const names = Object.keys(next);
  let i = 0;
  for (const name in previous) {
    if (!Object.hasOwn(previous, name)) continue;
    if (names[i] !== name || previous[name] !== next[name]) return next;
    i++;
  }
  return i === names.length ? previous : next;
}
