import { beforeEach, describe, expect, it } from 'vitest';
import {
  createRemediator,
  formatHistory,
  RemediationIncompleteError,
  remediationHistory,
} from '../../lib/remediation/index.js';
import { claimFinding } from '../../lib/remediation/ledger.js';
import type { Store } from '../../lib/state/index.js';
import {
  configWith,
  FAILED_NOW,
  failedOutcome,
  finding,
  type RemediatorSetup,
  remediatorTables,
  restartPolicy,
  T0,
  verified,
} from './helpers.js';

/** Everything runs on a real dynalite Store; only the Provider is a test double. */
const freshSetup = remediatorTables('remediation', 'inv-1');

const MIN = 60_000;

/** The latest setup, for tests whose setup runs in beforeEach. */
let setup: RemediatorSetup;

async function prepare(...args: Parameters<typeof freshSetup>): Promise<RemediatorSetup> {
  setup = await freshSetup(...args);
  return setup;
}

describe('modes', () => {
  it('dry-run (the default) calls no provider action and says what it would do, once per finding', async () => {
    // Prepare
    const { deps, sink, calls, store } = await prepare({ policies: [restartPolicy({ mode: undefined })] });
    const remediator = createRemediator(deps);
    // Act
    const first = await remediator.handle([finding()]);
    const again = await remediator.handle([finding()]);
    // Assess
    expect(calls).toHaveLength(0);
    expect(sink.events).toHaveLength(1);
    const [event] = sink.events;
    expect(event?.data).toMatchObject({
      type: 'remediation.performed',
      severity: 'info',
      values: {
        mode: 'dry-run',
        outcome: 'dry-run',
        action: 'restart',
        policy: 'restart-failed',
        attempt: '1/3',
      },
    });
    expect(event?.data.summary).toContain('would restart');
    expect(event?.data.resource.key).toBe(finding().data.resource.key);
    expect(first.decisions[0]?.decision).toBe('performed');
    expect(again.decisions[0]?.decision).toBe('duplicate');
    const history = await remediationHistory(store);
    expect(history.map((r) => [r.decision, r.outcome, r.mode])).toEqual([
      ['performed', 'dry-run', 'dry-run'],
    ]);
  });

  it('enforce restarts, verifies and reports the attempt against the budget', async () => {
    const { deps, sink, calls } = await prepare({ policies: [restartPolicy()] });
    const report = await createRemediator(deps).handle([finding()]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      action: 'restart',
      params: { fromSavepoint: true },
      resource: { kind: 'job', vendorId: 'id-etl-orders', scope: { kind: 'queue', id: 'q-prod' } },
      verifyTimeoutMs: 300_000,
      verifyIntervalMs: 10_000,
    });
    expect(sink.events.map((e) => [e.data.type, e.data.values.outcome, e.data.values.attempt])).toEqual([
      ['remediation.performed', 'verified', '1/3'],
    ]);
    expect(sink.events[0]?.data.values.finalState).toBe('RUNNING');
    expect(report.decisions[0]).toMatchObject({ decision: 'performed', attempts: 1, events: 1 });
  });

  it('a finding decided in dry-run is acted on once the policy is enforced', async () => {
    const { deps, calls } = await prepare({ policies: [restartPolicy({ mode: 'dry-run' })] });
    await createRemediator(deps).handle([finding()]);
    expect(calls).toHaveLength(0);
    const enforced = { ...deps, config: configWith({ policies: [restartPolicy()] }) };
    await createRemediator(enforced).handle([finding()]);
    await createRemediator(enforced).handle([finding()]);
    expect(calls).toHaveLength(1);
  });
});

describe('inputs', () => {
  it('ignores remediation events and resolved findings, and counts findings no policy matches', async () => {
    const { deps, sink, calls } = await prepare({ policies: [restartPolicy()] });
    const remediator = createRemediator(deps);
    await remediator.handle([finding()]);
    const own = sink.events.slice();
    const report = await remediator.handle([
      ...own,
      finding({ status: 'resolved', startsAtMs: T0 - MIN }),
      finding({ type: 'job.stuck' }),
    ]);
    expect(report).toMatchObject({ received: 3, ignored: 2, unmatched: 1, decisions: [] });
    expect(calls).toHaveLength(1);
  });

  it('matches on provider, severity, labels, job globs and job kind', async () => {
    const policy = restartPolicy({
      match: {
        types: ['job.failed'],
        providers: ['huawei-dli'],
        severities: ['critical'],
        labels: { team: 'da*' },
        jobs: { include: ['etl-*'], exclude: ['etl-test-*'] },
        jobKinds: ['flink-stream'],
      },
    });
    const { deps, calls } = await prepare({ policies: [policy] });
    const remediator = createRemediator(deps);
    const misses = [
      finding({ job: 'etl-test-1' }),
      finding({ job: 'report-daily' }),
      finding({ job: 'etl-a', severity: 'warning' }),
      finding({ job: 'etl-b', labels: { team: 'web' } }),
      finding({ job: 'etl-c', jobKind: 'spark-batch' }),
    ];
    const report = await remediator.handle(misses);
    expect(report.unmatched).toBe(5);
    await remediator.handle([finding({ job: 'etl-orders' })]);
    expect(calls.map((c) => c.resource.name)).toEqual(['etl-orders']);
  });

  it('skips, with a reason, what the provider cannot do or a target that is not configured', async () => {
    const { deps, sink } = await prepare({
      policies: [
        restartPolicy({ name: 'kill-stuck', match: { types: ['job.stuck'] }, action: { type: 'kill' } }),
        restartPolicy(),
      ],
    });
    await createRemediator(deps).handle([
      finding({ type: 'job.stuck' }),
      finding({ job: 'x', targetId: 'gone' }),
    ]);
    expect(sink.events.map((e) => e.data.values.reasonCode)).toEqual([
      'unsupported-action',
      'unknown-target',
    ]);
    expect(sink.of('remediation.skipped')).toHaveLength(2);
  });
});

describe('guards in the executor', () => {
  it('never acts on a job a person stopped, and says so once', async () => {
    const { deps, sink, calls } = await prepare({
      policies: [restartPolicy({ fromStates: ['STOPPED', 'FAILED'] })],
    });
    const stopped = finding({
      values: { state: 'STOPPED', vendorState: 'job_cancel_success', stateCause: 'user' },
    });
    const remediator = createRemediator(deps);
    await remediator.handle([stopped]);
    await remediator.handle([stopped]);
    expect(calls).toHaveLength(0);
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]?.data).toMatchObject({
      type: 'remediation.skipped',
      values: { reasonCode: 'stopped-by-user', outcome: 'skipped' },
    });
    expect(sink.events[0]?.data.summary).toContain('by a person');
  });

  it('waits for the condition to persist, then acts on the same finding', async () => {
    const { deps, sink, calls } = await prepare({
      policies: [restartPolicy({ guards: { persistPolls: 3, cooldownSeconds: 0 } })],
    });
    const remediator = createRemediator(deps);
    await remediator.handle([finding({ values: { pollsFiring: 1 } })]);
    await remediator.handle([finding({ values: { pollsFiring: 2 } })]);
    await remediator.handle([finding({ values: { pollsFiring: 3 } })]);
    expect(calls).toHaveLength(1);
    // One skip per reason, not one per poll.
    expect(sink.events.map((e) => [e.data.type, e.data.values.reasonCode ?? e.data.values.outcome])).toEqual([
      ['remediation.skipped', 'not-persisted'],
      ['remediation.performed', 'verified'],
    ]);
  });

  it("leaves a restart to the vendor's own auto-restart", async () => {
    const { deps, sink, calls } = await prepare({ policies: [restartPolicy()] });
    await createRemediator(deps).handle([finding({ values: { autoRestart: true } })]);
    expect(calls).toHaveLength(0);
    expect(sink.events[0]?.data.values.reasonCode).toBe('vendor-auto-restart');
  });

  it('does not act outside its time window', async () => {
    const windows = { when: 'inside', ranges: [{ start: '22:00', end: '02:00' }] };
    const { deps, sink, calls } = await prepare({ policies: [restartPolicy({ guards: { windows } })] });
    await createRemediator(deps).handle([finding()]); // 03:00 UTC
    expect(calls).toHaveLength(0);
    expect(sink.events[0]?.data.values.reasonCode).toBe('time-window');
  });

  /**
   * A restart at T0, then the job failing again 5 minutes later, inside a 10-minute cooldown: deferred.
   * Returns the remediator and the deferred finding; `observed` stamps when detection saw each finding.
   */
  async function restartThenCoolDown(observed: boolean) {
    await prepare({
      policies: [
        restartPolicy({ guards: { cooldownSeconds: 600, budget: { max: 5, windowSeconds: 3600 } } }),
      ],
    });
    const at = (ms: number) => finding({ startsAtMs: ms, ...(observed ? { observedAtMs: ms } : {}) });
    const remediator = createRemediator(setup.deps);
    await remediator.handle([at(T0)]);
    setup.time.advance(5 * MIN);
    const cooling = at(T0 + 5 * MIN);
    await remediator.handle([cooling]);
    return { remediator, cooling };
  }

  /** 3 minutes later the cooldown is over: a later invocation looks at the deferred finding and restarts. */
  async function expectRestartedWhenDue(remediator: ReturnType<typeof createRemediator>) {
    setup.time.advance(3 * MIN);
    const due = await remediator.handle([]);
    expect(due.reconsidered).toBe(1);
    expect(setup.calls).toHaveLength(2);
    expect(setup.sink.events.map((e) => e.data.values.reasonCode ?? e.data.values.outcome)).toEqual([
      'verified',
      'cooldown',
      'verified',
    ]);
  }

  it('cools down between actions on one job', async () => {
    const { remediator } = await restartThenCoolDown(false);
    // Detection publishes a finding once: the deferred one is looked at again by later invocations.
    setup.time.advance(3 * MIN);
    const early = await remediator.handle([]);
    expect(early.reconsidered).toBe(0);
    await expectRestartedWhenDue(remediator);
  });

  it('a stale redelivery of a deferred finding leaves it deferred and says nothing new', async () => {
    const { remediator, cooling } = await restartThenCoolDown(true);
    setup.time.advance(3 * MIN);
    const stale = await remediator.handle([cooling]); // a retry, 3 minutes after it was observed
    expect(stale.decisions[0]).toMatchObject({ decision: 'skipped', reasonCode: 'stale-event' });
    await expectRestartedWhenDue(remediator);
  });

  it('a deferred finding that resolves is never acted on', async () => {
    const windows = { when: 'inside', ranges: [{ start: '04:00', end: '05:00' }] };
    const { deps, calls, time } = await prepare({ policies: [restartPolicy({ guards: { windows } })] });
    const remediator = createRemediator(deps);
    await remediator.handle([finding({ job: 'a' }), finding({ job: 'b' })]); // 03:00: outside the window
    await remediator.handle([finding({ job: 'a', status: 'resolved' })]);
    time.advance(61 * MIN); // 04:01: inside
    const report = await remediator.handle([]);
    expect(report.reconsidered).toBe(1);
    expect(calls.map((c) => c.resource.name)).toEqual(['b']);
  });

  it('a late delivery is stale, but a deferred finding looked at again is not held to its age', async () => {
    const windows = { when: 'inside', ranges: [{ start: '04:00', end: '05:00' }] };
    const { deps, calls, time } = await prepare({ policies: [restartPolicy({ guards: { windows } })] });
    const remediator = createRemediator(deps);
    await remediator.handle([finding({ job: 'a', observedAtMs: T0 })]); // 03:00: outside the window, deferred
    time.advance(61 * MIN); // 04:01: inside
    const report = await remediator.handle([finding({ job: 'b', observedAtMs: T0 })]);
    expect(report.reconsidered).toBe(1);
    expect(calls.map((c) => c.resource.name)).toEqual(['a']);
    expect(report.decisions.find((d) => d.jobName === 'b')).toMatchObject({
      decision: 'skipped',
      reasonCode: 'stale-event',
    });
  });

  it('acts on none of the jobs when a run would exceed the blast radius', async () => {
    const { deps, sink, calls } = await prepare({ blastRadius: { maxJobs: 5 }, policies: [restartPolicy()] });
    const storm = Array.from({ length: 6 }, (_, i) => finding({ job: `etl-${i}` }));
    await createRemediator(deps).handle(storm);
    expect(calls).toHaveLength(0);
    expect(sink.events).toHaveLength(6);
    expect(new Set(sink.events.map((e) => e.data.values.reasonCode))).toEqual(new Set(['blast-radius']));
    expect(sink.events[0]?.data.summary).toContain('6 jobs would be acted on');
    // The findings are deferred, not burnt: once most of the storm resolves, the rest are acted on.
    const resolved = storm
      .slice(2)
      .map((e) => finding({ job: e.data.resource.name, status: 'resolved', startsAtMs: e.data.startsAtMs }));
    const report = await createRemediator(deps).handle(resolved);
    expect(report.reconsidered).toBe(2);
    expect(calls.map((c) => c.resource.name).sort()).toEqual(['etl-0', 'etl-1']);
  });

  it("caps the share of a target's jobs", async () => {
    const { deps, sink, calls } = await prepare({
      blastRadius: { maxJobs: 50, maxTargetPercent: 25 },
      policies: [restartPolicy()],
    });
    const three = Array.from({ length: 3 }, (_, i) =>
      finding({ job: `etl-${i}`, values: { targetJobCount: 8 } }),
    );
    await createRemediator(deps).handle(three);
    expect(calls).toHaveLength(0);
    expect(sink.events[0]?.data.summary).toContain('3 of 8 jobs on target dli-prod');
  });
});

describe('verify, retry and escalate', () => {
  it('retries within the budget, then gives up with a critical event', async () => {
    const { deps, sink, calls, sleeps } = await prepare({ policies: [restartPolicy()] }, () =>
      failedOutcome(true),
    );
    const report = await createRemediator(deps).handle([finding()]);
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([5000, 5000]);
    expect(sink.events.map((e) => [e.data.type, e.data.severity, e.data.values.attempt])).toEqual([
      ['remediation.failed', 'warning', '1/3'],
      ['remediation.failed', 'warning', '2/3'],
      ['remediation.failed', 'critical', null],
    ]);
    expect(sink.events[2]?.data.summary).toMatch(/^restart 3\/3 failed, giving up/);
    expect(sink.events[2]?.data.values.outcome).toBe('gave-up');
    expect(report.decisions[0]).toMatchObject({ decision: 'failed', attempts: 3 });
  });

  it('succeeds on a retry and reports which attempt worked', async () => {
    const { deps, sink, calls } = await prepare({ policies: [restartPolicy()] }, (_r, n) =>
      n === 1 ? failedOutcome(true) : verified(),
    );
    await createRemediator(deps).handle([finding()]);
    expect(calls).toHaveLength(2);
    expect(sink.events.map((e) => [e.data.type, e.data.values.attempt])).toEqual([
      ['remediation.failed', '1/3'],
      ['remediation.performed', '2/3'],
    ]);
  });

  it('reads the job again before a retry, and stops when a person fixed it meanwhile', async () => {
    let reads = 0;
    const { deps, sink, calls } = await prepare(
      { policies: [restartPolicy()] },
      () => failedOutcome(true),
      () => (++reads === 1 ? FAILED_NOW : { kind: 'job', state: 'RUNNING', vendorState: 'job_running' }),
    );
    await createRemediator(deps).handle([finding()]);
    expect(calls).toHaveLength(1);
    expect(sink.events.map((e) => [e.data.type, e.data.values.reasonCode ?? e.data.values.attempt])).toEqual([
      ['remediation.failed', '1/3'],
      ['remediation.skipped', 'state-changed'],
    ]);
    // The finding is decided: a redelivery neither reads nor acts.
    const again = await createRemediator({ ...deps, invocationId: 'inv-2' }).handle([finding()]);
    expect(again.decisions[0]?.decision).toBe('duplicate');
    expect(calls).toHaveLength(1);
  });

  it('gives up at once when the vendor rejects the action', async () => {
    const { deps, sink, calls } = await prepare({ policies: [restartPolicy()] }, () => ({
      ok: false,
      status: 'rejected',
      message: 'DLI.0001: job state does not allow run',
      durationMs: 100,
      retryable: false,
    }));
    await createRemediator(deps).handle([finding()]);
    expect(calls).toHaveLength(1);
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]?.data).toMatchObject({ type: 'remediation.failed', severity: 'critical' });
    expect(sink.events[0]?.data.summary).toContain('restart 1/3 failed, giving up (not retryable; rejected');
  });

  it('a crash-looping job spends its budget across findings, then escalates once', async () => {
    const { deps, sink, calls, time } = await prepare({ policies: [restartPolicy()] });
    const remediator = createRemediator(deps);
    for (let i = 0; i < 5; i++) {
      await remediator.handle([finding({ startsAtMs: T0 + i * 10 * MIN })]);
      time.advance(10 * MIN);
    }
    expect(calls).toHaveLength(3);
    expect(sink.events.map((e) => [e.data.type, e.data.values.attempt ?? e.data.values.reasonCode])).toEqual([
      ['remediation.performed', '1/3'],
      ['remediation.performed', '2/3'],
      ['remediation.performed', '3/3'],
      ['remediation.failed', null],
      ['remediation.skipped', 'budget-exhausted'],
    ]);
    expect(sink.events[3]?.data.severity).toBe('critical');
    expect(sink.events[3]?.data.summary).toContain('3/3 actions on this job in the last 1h; giving up');
    // The budget decays: an hour after the first restart, one action is available again.
    time.advance(30 * MIN);
    await remediator.handle([finding({ startsAtMs: T0 + 90 * MIN })]);
    expect(calls).toHaveLength(4);
  });

  it('never copies secret-looking vendor text into events or the audit', async () => {
    const { deps, sink, store } = await prepare({ policies: [restartPolicy()] }, () =>
      failedOutcome(
        false,
        'submit failed: --conf spark.hadoop.fs.obs.secret.key=SuperSecret123 password=hunter2',
      ),
    );
    await createRemediator(deps).handle([finding()]);
    const text = JSON.stringify(sink.events) + JSON.stringify(await remediationHistory(store));
    expect(text).not.toContain('SuperSecret123');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('<redacted>');
  });

  it('a provider that throws is a failure that needs a person, not a crash', async () => {
    const { deps, sink } = await prepare({ policies: [restartPolicy()] }, () => {
      throw new TypeError('cannot read job_id of undefined');
    });
    await createRemediator(deps).handle([finding()]);
    expect(sink.events.map((e) => [e.data.type, e.data.severity])).toEqual([
      ['remediation.failed', 'critical'],
    ]);
  });
});

/**
 * A provider action that says when it started and then waits for release(): a test acts while another
 * remediation is in the middle of its action, whatever the machine's speed (no fixed sleep).
 */
function gatedAction() {
  let started: () => void = () => {};
  let release: () => void = () => {};
  const acting = new Promise<void>((resolve) => {
    started = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    acting,
    release: () => release(),
    perform: async () => {
      started();
      await gate;
      return verified();
    },
  };
}

describe('act once', () => {
  it('two concurrent invocations for one finding produce one action', async () => {
    const action = gatedAction();
    const { deps, sink, calls } = await prepare({ policies: [restartPolicy()] }, action.perform);
    const a = createRemediator({ ...deps, invocationId: 'inv-a' });
    const b = createRemediator({ ...deps, invocationId: 'inv-b' });
    const pending = [a.handle([finding()]), b.handle([finding()])];
    // One invocation is acting (held at the gate); the other decides while it is: the first to finish.
    await action.acting;
    await Promise.race(pending);
    action.release();
    const reports = await Promise.all(pending);
    expect(calls).toHaveLength(1);
    expect(reports.map((r) => r.decisions[0]?.decision).sort()).toEqual(['duplicate', 'performed']);
    expect(sink.of('remediation.performed')).toHaveLength(1);
  });

  it('two concurrent calls on one remediator instance also exclude each other', async () => {
    const { deps, calls } = await prepare({ policies: [restartPolicy()] }, async () => {
      await new Promise((r) => setTimeout(r, 100));
      return verified();
    });
    const remediator = createRemediator(deps);
    await Promise.all([
      remediator.handle([finding()]),
      remediator.handle([finding()]),
      remediator.handle([finding(), finding()]),
    ]);
    expect(calls).toHaveLength(1);
  });

  it('a different finding on a job being acted on is skipped as locked', async () => {
    const action = gatedAction();
    const { deps, sink, calls } = await prepare(
      {
        policies: [
          restartPolicy(),
          restartPolicy({ name: 'restart-stalled', match: { types: ['checkpoint.stalled'] } }),
        ],
      },
      action.perform,
    );
    const a = createRemediator({ ...deps, invocationId: 'inv-a' }).handle([finding()]);
    // The first remediation holds the job from its claim to its end: it is acting now.
    await action.acting;
    const b = await createRemediator({ ...deps, invocationId: 'inv-b' }).handle([
      finding({ type: 'checkpoint.stalled', values: { state: 'RUNNING' } }),
    ]);
    action.release();
    await a;
    expect(calls).toHaveLength(1);
    expect(b.decisions[0]).toMatchObject({ decision: 'skipped', reasonCode: 'locked' });
    expect(sink.of('remediation.skipped')[0]?.data.summary).toContain('another remediation holds this job');
  });

  it('stops retrying when its job lock was lost during the backoff', async () => {
    const { deps, sink, calls, store, time } = await prepare({ policies: [restartPolicy()] }, () =>
      failedOutcome(true),
    );
    const jobKey = finding().data.resource.key;
    const remediator = createRemediator({
      ...deps,
      sleep: async () => {
        // A stalled invocation: its lease runs out and another one takes the job.
        time.advance(60 * MIN);
        await store.acquireLease(`remediation#job#${jobKey}`, 'intruder', 60_000, time.now());
      },
    });
    await remediator.handle([finding()]);
    expect(calls).toHaveLength(1);
    expect(sink.events.map((e) => [e.data.type, e.data.severity, e.data.values.outcome])).toEqual([
      ['remediation.failed', 'warning', 'failed'],
      ['remediation.failed', 'critical', 'interrupted'],
    ]);
  });

  it('a run that died after sending an action is escalated, not repeated', async () => {
    const { deps, sink, calls, store, time } = await prepare({ policies: [restartPolicy()] });
    const event = finding();
    // A previous invocation claimed the finding and sent the restart, then vanished before verifying.
    await claimFinding(store, {
      fingerprint: event.data.fingerprint,
      startsAtMs: event.data.startsAtMs,
      owner: 'inv-dead#1',
      mode: 'enforce',
      policy: 'restart-failed',
      leaseUntilMs: T0 + MIN,
      nowMs: T0,
    });
    const { updateOwnedFinding } = await import('../../lib/remediation/ledger.js');
    await updateOwnedFinding(
      store,
      { fingerprint: event.data.fingerprint, startsAtMs: event.data.startsAtMs, owner: 'inv-dead#1' },
      { sentAtMs: T0, updatedAtMs: T0 },
    );
    // While its lease runs, the finding is someone else's.
    expect((await createRemediator(deps).handle([event])).decisions[0]?.decision).toBe('duplicate');
    time.advance(2 * MIN);
    await createRemediator(deps).handle([event]);
    expect(calls).toHaveLength(0);
    expect(sink.events.map((e) => [e.data.type, e.data.severity, e.data.values.outcome])).toEqual([
      ['remediation.failed', 'critical', 'interrupted'],
    ]);
  });

  it('fails the invocation when the Store fails, so it is retried, and the retry is safe', async () => {
    const { deps, calls } = await prepare({ policies: [restartPolicy()] });
    let broken = true;
    const flaky: Store = new Proxy(deps.store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === 'putMany' && broken)
          return () => Promise.reject(new Error('ProvisionedThroughputExceededException'));
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await expect(createRemediator({ ...deps, store: flaky }).handle([finding()])).rejects.toBeInstanceOf(
      RemediationIncompleteError,
    );
    expect(calls).toHaveLength(1);
    broken = false;
    await createRemediator(deps).handle([finding()]);
    expect(calls).toHaveLength(1);
  });
});

describe('history', () => {
  beforeEach(async () => {
    await prepare({ policies: [restartPolicy()] });
  });

  it('lists decisions newest first, for all jobs or one job by name or key', async () => {
    const { deps, store, time } = setup;
    const remediator = createRemediator(deps);
    await remediator.handle([finding({ job: 'etl-orders' })]);
    time.advance(MIN);
    await remediator.handle([
      finding({ job: 'etl-users', values: { stateCause: 'user', state: 'STOPPED' } }),
    ]);
    const all = await remediationHistory(store);
    expect(all.map((r) => r.job.name)).toEqual(['etl-users', 'etl-orders']);
    const byName = await remediationHistory(store, { jobKey: 'etl-orders' });
    expect(byName.map((r) => r.decision)).toEqual(['performed']);
    const byKey = await remediationHistory(store, {
      jobKey: finding({ job: 'etl-users' }).data.resource.key,
    });
    expect(byKey.map((r) => r.reasonCode)).toEqual(['stopped-by-user']);
    expect(byName[0]).toMatchObject({
      actor: 'jobwatch-remediator/inv-1',
      action: 'restart',
      mode: 'enforce',
      outcome: 'verified',
      attempt: '1/3',
      trigger: { type: 'job.failed', startsAtMs: T0 },
    });

    const table = formatHistory(all);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(
      /^TIME \(UTC\)\s+DECISION\s+MODE\s+ACTION\s+JOB\s+ATTEMPT\s+OUTCOME\s+POLICY\s+REASON$/,
    );
    expect(lines[1]).toContain('2026-11-23 03:01:00  skipped');
    expect(lines[1]).toContain('dli-prod/etl-users');
    expect(lines[2]).toMatch(
      /performed\s+enforce\s+restart\s+dli-prod\/etl-orders\s+1\/3\s+verified\s+restart-failed/,
    );
    expect(formatHistory([])).toBe('No remediation decisions recorded.');
  });
});
