/**
 * One row per rule case (Alertmanager's TestDedupStageNeedsUpdate style): the comment states the rule,
 * `polls` is the input sequence (one poll per minute unless `at` says otherwise) and `expect` lists the
 * events each poll must emit, as `type:status:severity`.
 */
import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../lib/model/snapshot.js';
import {
  brief,
  Driver,
  MIN,
  makeContainer,
  makeError,
  makeJob,
  type Poll,
  T0,
  type TargetOptions,
} from './factories.js';

const at = (minutes: number) => T0 + minutes * MIN;
const job = (overrides: Partial<JobSnapshot> = {}) => makeJob(overrides);
const running = (overrides: Partial<JobSnapshot> = {}) => job({ state: 'RUNNING', ...overrides });
const failed = (overrides: Partial<JobSnapshot> = {}) =>
  job({ state: 'FAILED', stateSinceMs: at(0.5), lastError: 'java.lang.OutOfMemoryError', ...overrides });
const cp = (checkpoints: JobSnapshot['checkpoints'], overrides: Partial<JobSnapshot> = {}) =>
  running({ checkpoints, ...overrides });
/** Running, listing these checkpoint failures: checkpoint id -> the minute it failed. */
const cpFailures = (failedAt: Record<number, number>, overrides: Partial<JobSnapshot> = {}) =>
  cp(
    { recentFailures: Object.entries(failedAt).map(([id, m]) => ({ id: Number(id), atMs: at(m) })) },
    overrides,
  );
const fo = (...minutes: number[]) =>
  running({ failovers: minutes.map((m) => ({ atMs: at(m), message: `TaskManager lost at ${m}` })) });
const metric = (name: string, value: number, m: number) => ({ name, value, atMs: at(m) });

interface Row {
  rule: string;
  options?: TargetOptions;
  polls: Poll[];
  expect: string[][];
}

const FAILED = 'job.failed:firing:critical';
const RECOVERED = 'job.failed:resolved:critical';

const rows: Row[] = [
  // --- state transitions -------------------------------------------------------------------------------------
  // A job reaching FAILED fires job.failed (critical) once, and resolves once it runs again for resolvePolls polls.
  {
    rule: 'FAILED fires once and resolves after recovery',
    polls: [
      { jobs: [running()] },
      { jobs: [failed()] },
      { jobs: [failed()] },
      { jobs: [running()] },
      { jobs: [running()] },
    ],
    expect: [[], [FAILED], [], [], [RECOVERED]],
  },
  // A stop by a person is expected: no job.failed.
  {
    rule: 'STOPPED by the user is not a failure',
    polls: [
      { jobs: [running()] },
      { jobs: [job({ state: 'STOPPED', stateCause: 'user' })] },
      { jobs: [job({ state: 'STOPPED', stateCause: 'user' })] },
    ],
    expect: [[], [], []],
  },
  // A stop the system made is unexpected: job.failed.
  {
    rule: 'STOPPED by the system is a failure',
    polls: [{ jobs: [running()] }, { jobs: [job({ state: 'STOPPED', stateCause: 'system' })] }],
    expect: [[], [FAILED]],
  },
  // A stop without a known cause is not called a failure (the vendor did not say it was unexpected).
  {
    rule: 'STOPPED with unknown cause is not a failure',
    polls: [{ jobs: [running()] }, { jobs: [job({ state: 'STOPPED' })] }],
    expect: [[], []],
  },
  // With stateChanged enabled, every confirmed change is one info event; it lasts while the job stays in a
  // state other than RUNNING/SUCCEEDED, the next change is a new occurrence of the same alert (a firing
  // update, no resolve in between), and a change back to RUNNING resolves after resolvePolls.
  {
    rule: 'state changes are informational when enabled',
    options: { rules: { stateChanged: { enabled: true } } },
    polls: [
      { jobs: [running()] },
      { jobs: [job({ state: 'PAUSED', stateCause: 'user' })] },
      { jobs: [job({ state: 'PAUSED', stateCause: 'user' })] },
      { jobs: [running()] },
      { jobs: [running()] },
      { jobs: [running()] },
    ],
    expect: [
      [],
      ['job.state_changed:firing:info'],
      [],
      ['job.state_changed:firing:info'],
      [],
      ['job.state_changed:resolved:info'],
    ],
  },
  // A job first seen in some state has not changed state: nothing to report.
  {
    rule: 'no state change at first sight',
    options: { rules: { stateChanged: { enabled: true } } },
    polls: [{ jobs: [job({ state: 'STOPPING' })] }, { jobs: [job({ state: 'STOPPING' })] }],
    expect: [[], []],
  },
  // stateChanged is off by default: a user pause is silent.
  {
    rule: 'state changes are silent by default',
    polls: [{ jobs: [running()] }, { jobs: [job({ state: 'PAUSED', stateCause: 'user' })] }],
    expect: [[], []],
  },
  // A state change is confirmed only after firePolls polls, so a one-poll blip reports nothing.
  {
    rule: 'a one-poll state blip is not a state change under firePolls 2',
    options: { rules: { stateChanged: { enabled: true }, hysteresis: { firePolls: 2 } } },
    polls: [
      { jobs: [running()] },
      { jobs: [job({ state: 'PAUSED' })] },
      { jobs: [running()] },
      { jobs: [job({ state: 'PAUSED' })] },
      { jobs: [job({ state: 'PAUSED' })] },
    ],
    expect: [[], [], [], [], ['job.state_changed:firing:info']],
  },
  // Flapping FAILED/RUNNING within resolvePolls fires once and resolves once, at the end.
  {
    rule: 'flapping fires once and resolves once',
    polls: [
      { jobs: [running()] },
      { jobs: [failed()] },
      { jobs: [running()] },
      { jobs: [failed()] },
      { jobs: [running()] },
      { jobs: [failed()] },
      { jobs: [running()] },
      { jobs: [running()] },
    ],
    expect: [[], [FAILED], [], [], [], [], [], [RECOVERED]],
  },
  // With firePolls 2, one noisy FAILED poll neither fires nor leaves anything behind.
  {
    rule: 'one noisy poll does not fire',
    options: { rules: { hysteresis: { firePolls: 2 } } },
    polls: [{ jobs: [running()] }, { jobs: [failed()] }, { jobs: [running()] }, { jobs: [running()] }],
    expect: [[], [], [], []],
  },
  // With firePolls 2, a failure seen on two consecutive polls fires on the second.
  {
    rule: 'a persistent failure fires after firePolls',
    options: { rules: { hysteresis: { firePolls: 2 } } },
    polls: [{ jobs: [running()] }, { jobs: [failed()] }, { jobs: [failed()] }],
    expect: [[], [], [FAILED]],
  },
  // With resolvePolls 3, two clean polls do not resolve; the third does.
  {
    rule: 'resolve waits for resolvePolls clean polls',
    options: { rules: { hysteresis: { resolvePolls: 3 } } },
    polls: [{ jobs: [failed()] }, { jobs: [running()] }, { jobs: [running()] }, { jobs: [running()] }],
    expect: [[FAILED], [], [], [RECOVERED]],
  },
  // The target's jobFailed.severity overrides the default severity.
  {
    rule: 'severity override',
    options: { rules: { jobFailed: { severity: 'warning' } } },
    polls: [{ jobs: [failed()] }],
    expect: [['job.failed:firing:warning']],
  },
  // A jobRules glob matching the job name overrides the target's rules.
  {
    rule: 'matching jobRules disable the rule for that job',
    options: { jobRules: [{ match: 'orders-*', rules: { jobFailed: { enabled: false } } }] },
    polls: [{ jobs: [failed()] }],
    expect: [[]],
  },
  // A jobRules glob that does not match leaves the target's rules in force.
  {
    rule: 'non-matching jobRules change nothing',
    options: { jobRules: [{ match: 'billing-*', rules: { jobFailed: { enabled: false } } }] },
    polls: [{ jobs: [failed()] }],
    expect: [[FAILED]],
  },
  // Target rules beat config defaults.
  {
    rule: 'target rules override defaults',
    options: { defaults: { jobFailed: { severity: 'info' } }, rules: { jobFailed: { severity: 'warning' } } },
    polls: [{ jobs: [failed()] }],
    expect: [['job.failed:firing:warning']],
  },
  // A new instance that fails again while the failure still fires is the same incident happening again: a
  // firing update (occurrence 2), never a resolve, since the job was never healthy for resolvePolls polls.
  {
    rule: 'a new failed instance is a new occurrence of the open incident',
    polls: [
      { jobs: [failed({ instanceId: 'i-1' })] },
      { jobs: [failed({ instanceId: 'i-2', stateSinceMs: at(0.9) })] },
      { jobs: [running({ instanceId: 'i-3' })] },
      { jobs: [running({ instanceId: 'i-3' })] },
    ],
    expect: [[FAILED], [FAILED], [], [RECOVERED]],
  },
  // Blink flapping (a new instance every start, RUNNING for fewer polls than resolvePolls in between) is one
  // incident: one firing, one update per new failed instance, one resolve once it stays healthy.
  {
    rule: 'flapping across new instances stays one incident',
    polls: [
      { jobs: [running({ instanceId: 'i-1' })] },
      { jobs: [failed({ instanceId: 'i-1' })] },
      { jobs: [running({ instanceId: 'i-2' })] },
      { jobs: [failed({ instanceId: 'i-2', stateSinceMs: at(2.5) })] },
      { jobs: [running({ instanceId: 'i-3' })] },
      { jobs: [failed({ instanceId: 'i-3', stateSinceMs: at(4.5) })] },
      { jobs: [running({ instanceId: 'i-4' })] },
      { jobs: [running({ instanceId: 'i-4' })] },
    ],
    expect: [[], [FAILED], [], [FAILED], [], [FAILED], [], [RECOVERED]],
  },
  // UNKNOWN says nothing about the job: a firing failure neither resolves nor repeats while it lasts.
  {
    rule: 'UNKNOWN holds conditions',
    polls: [
      { jobs: [failed()] },
      { jobs: [job({ state: 'UNKNOWN' })] },
      { jobs: [job({ state: 'UNKNOWN' })] },
      { jobs: [job({ state: 'UNKNOWN' })] },
      { jobs: [running()] },
      { jobs: [running()] },
    ],
    expect: [[FAILED], [], [], [], [], [RECOVERED]],
  },

  // --- stuck jobs ----------------------------------------------------------------------------------------------
  // PENDING longer than pendingMaxSeconds (from the vendor's state time) fires job.stuck once.
  {
    rule: 'PENDING too long',
    options: { rules: { stuck: { pendingMaxSeconds: 300 } } },
    polls: [
      { at: 0, jobs: [job({ state: 'PENDING', stateSinceMs: T0 })] },
      { at: 4, jobs: [job({ state: 'PENDING', stateSinceMs: T0 })] },
      { at: 6, jobs: [job({ state: 'PENDING', stateSinceMs: T0 })] },
      { at: 7, jobs: [job({ state: 'PENDING', stateSinceMs: T0 })] },
      { at: 8, jobs: [running()] },
      { at: 9, jobs: [running()] },
    ],
    expect: [[], [], ['job.stuck:firing:warning'], [], [], ['job.stuck:resolved:warning']],
  },
  // Without a vendor state time, the PENDING age counts from the first poll that saw it.
  {
    rule: 'PENDING age from first sight',
    options: { rules: { stuck: { pendingMaxSeconds: 120 } } },
    polls: [
      { jobs: [job({ state: 'PENDING' })] },
      { jobs: [job({ state: 'PENDING' })] },
      { jobs: [job({ state: 'PENDING' })] },
      { jobs: [job({ state: 'PENDING' })] },
    ],
    expect: [[], [], [], ['job.stuck:firing:warning']],
  },
  // An unconfirmed state (firePolls 2) is aged from the first poll that saw it, not from the previous state's start.
  {
    rule: 'PENDING age under firePolls 2',
    options: { rules: { hysteresis: { firePolls: 2 }, stuck: { pendingMaxSeconds: 120 } } },
    polls: [
      { jobs: [running({ stateSinceMs: undefined })] },
      ...[1, 2, 3, 4, 5].map(() => ({ jobs: [job({ state: 'PENDING' })] })),
    ],
    expect: [[], [], [], [], [], ['job.stuck:firing:warning']],
  },
  // STOPPING longer than pendingMaxSeconds is a stuck transition too.
  {
    rule: 'STOPPING too long',
    options: { rules: { stuck: { pendingMaxSeconds: 60, severity: 'critical' } } },
    polls: [
      { jobs: [job({ state: 'STOPPING', stateSinceMs: T0 })] },
      { jobs: [job({ state: 'STOPPING', stateSinceMs: T0 })] },
      { jobs: [job({ state: 'STOPPING', stateSinceMs: T0 })] },
    ],
    expect: [[], [], ['job.stuck:firing:critical']],
  },
  // A batch-like job RUNNING longer than runningMaxSeconds is stuck; finishing resolves it.
  {
    rule: 'batch job running too long',
    options: { rules: { stuck: { runningMaxSeconds: 600 } } },
    polls: [
      { at: 5, jobs: [running({ kind: 'spark-batch', startedAtMs: T0 })] },
      { at: 11, jobs: [running({ kind: 'spark-batch', startedAtMs: T0 })] },
      { at: 12, jobs: [running({ kind: 'spark-batch', startedAtMs: T0 })] },
      { at: 13, jobs: [job({ kind: 'spark-batch', state: 'SUCCEEDED', startedAtMs: T0 })] },
      { at: 14, jobs: [job({ kind: 'spark-batch', state: 'SUCCEEDED', startedAtMs: T0 })] },
    ],
    expect: [[], ['job.stuck:firing:warning'], [], [], ['job.stuck:resolved:warning']],
  },
  // runningMaxSeconds never applies to streaming jobs, which are meant to run forever.
  {
    rule: 'streaming job is never running too long',
    options: { rules: { stuck: { runningMaxSeconds: 600 } } },
    polls: [
      { at: 5, jobs: [running({ startedAtMs: T0 })] },
      { at: 60, jobs: [running({ startedAtMs: T0 })] },
    ],
    expect: [[], []],
  },
  // RUNNING with an unchanged progress figure for noProgressSeconds is stuck; progress moving resolves it.
  {
    rule: 'no progress',
    options: { rules: { stuck: { noProgressSeconds: 120 } } },
    polls: [
      { jobs: [running({ progress: 10 })] },
      { jobs: [running({ progress: 10 })] },
      { jobs: [running({ progress: 10 })] },
      { jobs: [running({ progress: 10 })] },
      { jobs: [running({ progress: 20 })] },
      { jobs: [running({ progress: 30 })] },
    ],
    expect: [[], [], [], ['job.stuck:firing:warning'], [], ['job.stuck:resolved:warning']],
  },

  // --- checkpoints ---------------------------------------------------------------------------------------------
  // Failures are counted by checkpoint id past the cursor: first sight is the baseline, a listed id is counted once.
  {
    rule: 'checkpoint failures by id',
    polls: [
      { jobs: [cpFailures({ 1: -5, 2: -4 })] },
      { jobs: [cpFailures({ 1: -5, 2: -4, 3: 0.5 })] },
      { jobs: [cpFailures({ 1: -5, 2: -4, 3: 0.5 })] },
      { jobs: [cpFailures({ 2: -4, 3: 0.5 })] },
    ],
    expect: [[], ['checkpoint.failed:firing:warning'], [], ['checkpoint.failed:resolved:warning']],
  },
  // An empty failure list is a baseline too: the first failed id after it is new.
  {
    rule: 'first failure after an empty list',
    polls: [{ jobs: [cpFailures({})] }, { jobs: [cpFailures({ 5: 0.5 })] }],
    expect: [[], ['checkpoint.failed:firing:warning']],
  },
  // Without ids, the growth of the cumulative failed count is what is new.
  {
    rule: 'failed count deltas',
    polls: [
      { jobs: [cp({ failedCount: 5 })] },
      { jobs: [cp({ failedCount: 7 })] },
      { jobs: [cp({ failedCount: 7 })] },
      { jobs: [cp({ failedCount: 7 })] },
    ],
    expect: [[], ['checkpoint.failed:firing:warning'], [], ['checkpoint.failed:resolved:warning']],
  },
  // A count that drops is a counter reset: what the new counter shows is new, never a negative delta.
  {
    rule: 'counter reset when the count drops',
    polls: [
      { jobs: [cp({ failedCount: 7 })] },
      { jobs: [cp({ failedCount: 1 })] },
      { jobs: [cp({ failedCount: 1 })] },
    ],
    expect: [[], ['checkpoint.failed:firing:warning'], []],
  },
  // A new instance restarts the counters: its whole count is new (5 here), not the difference to the old one (3).
  {
    rule: 'counter reset on instance change',
    options: { rules: { checkpoint: { failuresToFire: 4 } } },
    polls: [
      { jobs: [cp({ failedCount: 2 }, { instanceId: 'i-1' })] },
      { jobs: [cp({ failedCount: 5 }, { instanceId: 'i-2' })] },
      { jobs: [cp({ failedCount: 5 }, { instanceId: 'i-2' })] },
    ],
    expect: [[], ['checkpoint.failed:firing:warning'], []],
  },
  // Checkpoint ids restart with a new instance: id 1 of the new instance is new although below the old cursor.
  {
    rule: 'id cursor reset on instance change',
    polls: [
      { jobs: [cpFailures({ 40: -3, 41: -2 }, { instanceId: 'i-1' })] },
      { jobs: [cpFailures({ 1: 0.7 }, { instanceId: 'i-2' })] },
    ],
    expect: [[], ['checkpoint.failed:firing:warning']],
  },
  // The cursor remembers its instance: a restart seen while the vendor listed no checkpoint data still resets it.
  {
    rule: 'reset across a poll without checkpoint data',
    polls: [
      { jobs: [cpFailures({ 40: -3 }, { instanceId: 'i-1' })] },
      { jobs: [job({ state: 'PENDING', instanceId: 'i-2' })] },
      { jobs: [cpFailures({ 2: 1.5 }, { instanceId: 'i-2' })] },
    ],
    expect: [[], [], ['checkpoint.failed:firing:warning']],
  },
  // Fewer new failures than failuresToFire in one poll do not fire.
  {
    rule: 'failuresToFire threshold',
    options: { rules: { checkpoint: { failuresToFire: 3 } } },
    polls: [
      { jobs: [cp({ failedCount: 0 })] },
      { jobs: [cp({ failedCount: 2 })] },
      { jobs: [cp({ failedCount: 5 })] },
    ],
    expect: [[], [], ['checkpoint.failed:firing:warning']],
  },
  // No completed checkpoint for max(interval, timeout) x (tolerated + 2) while RUNNING stalls; a new one resolves it.
  {
    rule: 'checkpoint stall from the interval',
    polls: [1, 2, 3, 4]
      .map((m) => ({
        at: m,
        jobs: [
          cp(
            { intervalMs: MIN, toleratedFailures: 1, lastCompletedAtMs: T0, lastCompletedId: 10 },
            { stateSinceMs: at(-60) },
          ),
        ],
      }))
      .concat(
        [5, 6].map((m) => ({
          at: m,
          jobs: [
            cp(
              { intervalMs: MIN, toleratedFailures: 1, lastCompletedAtMs: at(4.5), lastCompletedId: 11 },
              { stateSinceMs: at(-60) },
            ),
          ],
        })),
      ),
    expect: [[], [], [], ['checkpoint.stalled:firing:warning'], [], ['checkpoint.stalled:resolved:warning']],
  },
  // A timeout longer than the interval sets the base: max(60 s, 300 s) x (0 + 2) = 600 s.
  {
    rule: 'checkpoint stall from the timeout',
    polls: [9, 11].map((m) => ({
      at: m,
      jobs: [cp({ intervalMs: MIN, timeoutMs: 5 * MIN, lastCompletedAtMs: T0 }, { stateSinceMs: at(-60) })],
    })),
    expect: [[], ['checkpoint.stalled:firing:warning']],
  },
  // stallAfterSeconds overrides the derived limit.
  {
    rule: 'checkpoint stall override',
    options: { rules: { checkpoint: { stallAfterSeconds: 120 } } },
    polls: [2, 3].map((m) => ({
      at: m,
      jobs: [cp({ intervalMs: 10 * MIN, lastCompletedAtMs: T0 }, { stateSinceMs: at(-60) })],
    })),
    expect: [[], ['checkpoint.stalled:firing:warning']],
  },
  // A paused job takes no checkpoints by design: no stall.
  {
    rule: 'no stall unless RUNNING',
    polls: [10, 20].map((m) => ({
      at: m,
      jobs: [job({ state: 'PAUSED', checkpoints: { intervalMs: MIN, lastCompletedAtMs: T0 } })],
    })),
    expect: [[], []],
  },
  // The stall clock starts at the later of the last checkpoint and the current run's start.
  {
    rule: 'stall counted from a restart after the last checkpoint',
    polls: [2, 4].map((m) => ({
      at: m,
      jobs: [cp({ intervalMs: MIN, lastCompletedAtMs: at(-60) }, { stateSinceMs: T0 })],
    })),
    expect: [[], ['checkpoint.stalled:firing:warning']],
  },

  // --- failovers -----------------------------------------------------------------------------------------------
  // burstCount new failovers within windowSeconds fire once; relisting does not recount; leaving the window resolves.
  {
    rule: 'failover burst',
    polls: [
      { at: 0, jobs: [fo()] },
      { at: 1, jobs: [fo(0.5)] },
      { at: 2, jobs: [fo(0.5, 1.5)] },
      { at: 3, jobs: [fo(0.5, 1.5, 2.5)] },
      { at: 4, jobs: [fo(0.5, 1.5, 2.5)] },
      { at: 10.6, jobs: [fo(0.5, 1.5, 2.5)] },
      { at: 11.6, jobs: [fo(0.5, 1.5, 2.5)] },
    ],
    expect: [[], [], [], ['failover.burst:firing:critical'], [], [], ['failover.burst:resolved:critical']],
  },
  // Failovers spread wider than the window never make a burst.
  {
    rule: 'spread failovers are no burst',
    polls: [
      { at: 0, jobs: [fo()] },
      { at: 6, jobs: [fo(5.5)] },
      { at: 12, jobs: [fo(5.5, 11.5)] },
      { at: 18, jobs: [fo(5.5, 11.5, 17.5)] },
    ],
    expect: [[], [], [], []],
  },
  // A new instance re-baselines the cursor: the history it reports at first sight does not fire.
  {
    rule: 'instance change re-baselines failovers',
    polls: [
      { at: 0, jobs: [running({ instanceId: 'i-1', failovers: [] })] },
      {
        at: 1,
        jobs: [
          running({
            instanceId: 'i-2',
            failovers: [0.1, 0.2, 0.3, 0.4, 0.5].map((m) => ({ atMs: at(m), message: 'old' })),
          }),
        ],
      },
      {
        at: 2,
        jobs: [
          running({
            instanceId: 'i-2',
            failovers: [0.1, 0.2, 0.3, 0.4, 0.5].map((m) => ({ atMs: at(m), message: 'old' })),
          }),
        ],
      },
    ],
    expect: [[], [], []],
  },
  // ... also when the restart happened on a poll that listed no failovers.
  {
    rule: 'instance change re-baselines failovers across a poll without failover data',
    polls: [
      { at: 0, jobs: [running({ instanceId: 'i-1', failovers: [] })] },
      { at: 1, jobs: [job({ state: 'PENDING', instanceId: 'i-2' })] },
      {
        at: 2,
        jobs: [
          running({
            instanceId: 'i-2',
            failovers: [1.1, 1.2, 1.3, 1.4].map((m) => ({
              atMs: at(m),
              message: 'history of the new instance',
            })),
          }),
        ],
      },
    ],
    expect: [[], [], []],
  },
  // At first sight of a job only failovers inside the window count.
  {
    rule: 'first sight counts failovers inside the window',
    polls: [
      { at: 30, jobs: [fo(5, 6, 7, 8)] },
      { at: 31, jobs: [fo(5, 6, 7, 8, 30.5)] },
    ],
    expect: [[], []],
  },
  // ... so a job already crash-looping when first seen fires at once.
  {
    rule: 'first sight of a crash loop fires',
    polls: [{ at: 3, jobs: [fo(0.5, 1.5, 2.5)] }],
    expect: [['failover.burst:firing:critical']],
  },
  // A failed job is job.failed, not a failover burst.
  {
    rule: 'no burst unless RUNNING',
    polls: [
      { at: 3, jobs: [{ ...fo(0.5, 1.5, 2.5), state: 'FAILED', vendorState: 'job_running_exception' }] },
    ],
    expect: [[FAILED]],
  },

  // --- metrics -------------------------------------------------------------------------------------------------
  // A breach fires after forPolls consecutive polls and resolves after forPolls clear polls.
  {
    rule: 'metric above for forPolls',
    options: { rules: { metrics: [{ name: 'delay', above: 1000 }] } },
    polls: [0, 1, 2, 3, 4, 5].map((m) => ({
      at: m,
      jobs: [running({ metrics: [metric('delay', m < 3 ? 2000 : 500, m)] })],
    })),
    expect: [[], [], ['metric.threshold:firing:warning'], [], [], ['metric.threshold:resolved:warning']],
  },
  // One clear poll restarts the streak.
  {
    rule: 'a clear poll resets the breach streak',
    options: { rules: { metrics: [{ name: 'delay', above: 1000 }] } },
    polls: [2000, 2000, 500, 2000, 2000, 2000].map((v, m) => ({
      at: m,
      jobs: [running({ metrics: [metric('delay', v, m)] })],
    })),
    expect: [[], [], [], [], [], ['metric.threshold:firing:warning']],
  },
  // `below` thresholds breach under the value.
  {
    rule: 'metric below',
    options: { rules: { metrics: [{ name: 'tps', below: 1, forPolls: 1, severity: 'critical' }] } },
    polls: [5, 0].map((v, m) => ({ at: m, jobs: [running({ metrics: [metric('tps', v, m)] })] })),
    expect: [[], ['metric.threshold:firing:critical']],
  },
  // A missing sample while RUNNING is a data gap: the breach neither resolves nor repeats.
  {
    rule: 'missing samples hold a metric breach',
    options: { rules: { metrics: [{ name: 'delay', above: 1000, forPolls: 1 }] } },
    polls: [
      { jobs: [running({ metrics: [metric('delay', 2000, 0)] })] },
      { jobs: [running()] },
      { jobs: [running()] },
      { jobs: [running({ metrics: [metric('delay', 500, 3)] })] },
      { jobs: [running({ metrics: [metric('delay', 500, 4)] })] },
    ],
    expect: [['metric.threshold:firing:warning'], [], [], [], ['metric.threshold:resolved:warning']],
  },
  // Conditions are discriminated by metric name: two metrics breaching are two findings.
  {
    rule: 'two metrics are two findings',
    options: {
      rules: {
        metrics: [
          { name: 'delay', above: 1000, forPolls: 1 },
          { name: 'fetched_delay', above: 1000, forPolls: 1 },
        ],
      },
    },
    polls: [{ jobs: [running({ metrics: [metric('delay', 2000, 0), metric('fetched_delay', 3000, 0)] })] }],
    expect: [['metric.threshold:firing:warning', 'metric.threshold:firing:warning']],
  },

  // --- clusters and queues -------------------------------------------------------------------------------------
  // An UNHEALTHY queue is queue.unhealthy, critical; healthy again resolves it.
  {
    rule: 'queue unhealthy',
    polls: [
      { containers: [makeContainer({ health: 'UNHEALTHY', vendorState: 'restarting' })] },
      { containers: [makeContainer({ health: 'HEALTHY' })] },
      { containers: [makeContainer({ health: 'HEALTHY' })] },
    ],
    expect: [['queue.unhealthy:firing:critical'], [], ['queue.unhealthy:resolved:critical']],
  },
  // DEGRADED is a warning; escalating to UNHEALTHY is news and re-fires as critical.
  {
    rule: 'cluster degraded then unhealthy',
    polls: ['DEGRADED', 'UNHEALTHY', 'UNHEALTHY', 'HEALTHY', 'HEALTHY'].map((health) => ({
      containers: [makeContainer({ type: 'cluster', vendorId: 'mrs-1', health: health as 'HEALTHY' })],
    })),
    expect: [
      ['cluster.unhealthy:firing:warning'],
      ['cluster.unhealthy:firing:critical'],
      [],
      [],
      ['cluster.unhealthy:resolved:critical'],
    ],
  },
  // UNKNOWN health holds the condition.
  {
    rule: 'unknown container health holds',
    polls: ['UNHEALTHY', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN'].map((health) => ({
      containers: [makeContainer({ health: health as 'HEALTHY' })],
    })),
    expect: [['queue.unhealthy:firing:critical'], [], [], []],
  },

  // --- source health -------------------------------------------------------------------------------------------
  // API errors are source.unreachable: a warning, critical once they persist 3 polls, resolved by clean polls.
  {
    rule: 'source unreachable escalates and resolves',
    polls: [
      { errors: [makeError()] },
      { errors: [makeError()] },
      { errors: [makeError({ kind: 'timeout', status: undefined })] },
      { errors: [makeError()] },
      {},
      {},
    ],
    expect: [
      ['source.unreachable:firing:warning'],
      [],
      ['source.unreachable:firing:critical'],
      [],
      [],
      ['source.unreachable:resolved:critical'],
    ],
  },
  // One clean poll between failures neither resolves nor restarts the count towards critical.
  {
    rule: 'a single clean poll does not resolve the source',
    polls: [{ errors: [makeError()] }, {}, { errors: [makeError()] }, { errors: [makeError()] }, {}],
    expect: [['source.unreachable:firing:warning'], [], [], ['source.unreachable:firing:critical'], []],
  },

  // --- disappearing resources ----------------------------------------------------------------------------------
  // A job missing from a complete snapshot resolves its firing conditions (after resolvePolls).
  {
    rule: 'a job gone from a complete snapshot resolves',
    polls: [{ jobs: [failed()] }, { jobs: [] }, { jobs: [] }],
    expect: [[FAILED], [], [RECOVERED]],
  },
  // A job missing from an incomplete snapshot is kept untouched.
  {
    rule: 'a job missing from an incomplete snapshot is kept',
    polls: [
      { jobs: [failed()] },
      { jobs: [], complete: false },
      { jobs: [], complete: false },
      { jobs: [failed()] },
    ],
    expect: [[FAILED], [], [], []],
  },
];

describe('detection rules', () => {
  it.each(rows)('$rule', (row) => {
    expect(row.expect).toHaveLength(row.polls.length);
    const driver = new Driver(row.options);
    const got = driver.run(row.polls).map((events) => events.map(brief));
    expect(got).toEqual(row.expect);
  });
});
