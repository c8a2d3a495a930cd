/**
 * One small item per target, rewritten each poll: when it last ran, how long, calls, errors and the job
 * counts by state. It is the poll's heartbeat: `jobwatch status` and the status page read it, and a target
 * whose heartbeat stops is a monitor that has gone quiet.
 */
import type { JobState, TargetSnapshot } from '../model/snapshot.js';
import type { Store } from '../state/store.js';

export const POLL_HEALTH_PK = 'status#poll';
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
  /** Failed first, then other states that need attention; name and state only. */
  worstJobs: { name: string; state: JobState }[];
  /** Each target's poll interval, so a reader can tell a late heartbeat from a quiet one. */
  intervalMs: number;
}

const ATTENTION: readonly JobState[] = ['FAILED', 'UNKNOWN', 'STOPPING', 'PENDING', 'PAUSED', 'STOPPED'];

export function pollHealthOf(
  snapshot: TargetSnapshot,
  report: { problems: string[]; configOnly: boolean; totalMs: number },
  intervalMs: number,
): PollHealth {
  const jobStates: Partial<Record<JobState, number>> = {};
  for (const job of snapshot.jobs) jobStates[job.state] = (jobStates[job.state] ?? 0) + 1;
  const worstJobs = snapshot.jobs
    .filter((job) => ATTENTION.includes(job.state))
    .sort((a, b) => ATTENTION.indexOf(a.state) - ATTENTION.indexOf(b.state) || a.name.localeCompare(b.name))
    .slice(0, WORST_JOBS)
    .map((job) => ({ name: job.name, state: job.state }));
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
