/**
 * One small item per target, rewritten each poll: when it last ran, how long, calls, errors and the job
 * counts by state. It is the poll's heartbeat: the poll pipeline writes it, `jobwatch status` and the status
 * page read it, and a target whose heartbeat stops (`isStale`) is a monitor that has gone quiet
 * (lib/runtime/stale.ts fires `monitor.stale` for it).
 */

import type { Config, TargetConfig } from '../config/schema.js';
import { healthOfJob } from '../detect/health.js';
import type { ResourceState } from '../detect/state.js';
import type { JobState, TargetSnapshot } from '../model/snapshot.js';
import type { Store } from '../state/store.js';

export const POLL_HEALTH_PK = 'status#poll';
/** A target whose last poll is older than this many of its intervals is not being polled. */
export const STALE_AFTER_INTERVALS = 3;

/** Heartbeats of targets removed from the config fade away after a week. */
const RETENTION_SEC = 7 * 24 * 3600;
/** Jobs named in a target's heartbeat as the worst ones. */
const WORST_JOBS = 5;

export interface PollHealth {
  targetId: string;
  provider: string;
  atMs: number;
  durationMs: number;
  calls: number;
  errors: number;
  /** Why calls failed, one phrase per reason; never secrets (collection error reasons). */
  problems: string[];
  configOnly: boolean;
  complete: boolean;
  jobs: number;
  containers: number;
  jobStates: Partial<Record<JobState, number>>;
  /**
   * Failed first, then other states that need attention, then running jobs scoring below 90; name, state and
   * health score (0-100, lib/diagnose/health.ts) only.
   */
  worstJobs: { name: string; state: JobState; health?: number }[];
  /** Each target's poll interval, so a reader can tell a late heartbeat from a quiet one. */
  intervalMs: number;
}

const ATTENTION: readonly JobState[] = ['FAILED', 'UNKNOWN', 'STOPPING', 'PENDING', 'PAUSED', 'STOPPED'];

/** A score below this names a running job among the worst. */
const WORST_SCORE = 90;

/**
 * Health scores of the jobs that have lost points (a job missing from the map scores 100): those with a
 * failure, failover or failed checkpoint in the last hour, or a condition firing now.
 */
export function jobScores(states: ReadonlyMap<string, ResourceState>, nowMs: number): Map<string, number> {
  const scores = new Map<string, number>();
  for (const [key, state] of states) {
    if (!state.job) continue;
    const quiet =
      state.job.recent === undefined &&
      state.job.state !== 'FAILED' &&
      !Object.values(state.conditions).some((c) => c.firing);
    if (!quiet) scores.set(key, healthOfJob(state, nowMs).score);
  }
  return scores;
}

export function pollHealthOf(
  snapshot: TargetSnapshot,
  report: { problems: string[]; configOnly: boolean; totalMs: number },
  intervalMs: number,
  scores: ReadonlyMap<string, number> = new Map(),
): PollHealth {
  const jobStates: Partial<Record<JobState, number>> = {};
  for (const job of snapshot.jobs) jobStates[job.state] = (jobStates[job.state] ?? 0) + 1;
  const rank = (state: JobState) => (ATTENTION.includes(state) ? ATTENTION.indexOf(state) : ATTENTION.length);
  const score = (key: string) => scores.get(key) ?? 100;
  const worstJobs = snapshot.jobs
    .filter((job) => ATTENTION.includes(job.state) || score(job.key) < WORST_SCORE)
    .sort(
      (a, b) => rank(a.state) - rank(b.state) || score(a.key) - score(b.key) || a.name.localeCompare(b.name),
    )
    .slice(0, WORST_JOBS)
    .map((job) => ({
      name: job.name,
      state: job.state,
      ...(scores.has(job.key) ? { health: score(job.key) } : {}),
    }));
  return {
    targetId: snapshot.targetId,
    provider: snapshot.provider,
    atMs: snapshot.collectedAtMs,
    durationMs: report.totalMs,
    calls: Object.values(snapshot.apiCalls).reduce((sum, n) => sum + n, 0),
    errors: snapshot.errors.length,
    problems: report.problems,
    configOnly: report.configOnly,
    complete: snapshot.complete,
    jobs: snapshot.jobs.length,
    containers: snapshot.containers.length,
    jobStates,
    worstJobs,
    intervalMs,
  };
}

export async function recordPollHealth(store: Store, health: PollHealth): Promise<void> {
  await store.put({
    pk: POLL_HEALTH_PK,
    sk: health.targetId,
    data: health,
    expiresAtSec: Math.floor(health.atMs / 1000) + RETENTION_SEC,
  });
}

export async function readPollHealth(store: Store): Promise<PollHealth[]> {
  const items = await store.query<PollHealth>(POLL_HEALTH_PK, { consistent: true });
  return items.map((item) => item.data).sort((a, b) => a.targetId.localeCompare(b.targetId));
}

export function intervalMsOf(
  config: Pick<Config, 'defaults'>,
  target: Pick<TargetConfig, 'pollIntervalSeconds'> | undefined,
  heartbeat?: Pick<PollHealth, 'intervalMs'>,
): number {
  return heartbeat?.intervalMs ?? (target?.pollIntervalSeconds ?? config.defaults.pollIntervalSeconds) * 1000;
}

/** True when the heartbeat is older than STALE_AFTER_INTERVALS intervals (or there is none). */
export function isStale(heartbeat: PollHealth | undefined, intervalMs: number, nowMs: number): boolean {
  return heartbeat === undefined || nowMs - heartbeat.atMs > STALE_AFTER_INTERVALS * intervalMs;
}
