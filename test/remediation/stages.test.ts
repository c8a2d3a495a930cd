/**
 * Each remediation stage on its own (match -> guards -> claim -> act -> verify -> audit), on a real dynalite
 * Store; only the Provider is a test double. The executor's tests cover the stages composed.
 */
import { describe, expect, it } from 'vitest';
import type { JobwatchEvent } from '../../lib/events/index.js';
import { act } from '../../lib/remediation/act.js';
import { remediationHistory } from '../../lib/remediation/audit.js';
import { claim, limitBlastRadius } from '../../lib/remediation/claim.js';
import { decisionRecord, publishDecision } from '../../lib/remediation/decision.js';
import { createRemediator } from '../../lib/remediation/executor.js';
import { recordResolved } from '../../lib/remediation/freshness.js';
import { deferFinding, dueDeferred, jobLeaseName, updateLedger } from '../../lib/remediation/ledger.js';
import { matchFindings } from '../../lib/remediation/match.js';
import { preflight, skipUnclaimed } from '../../lib/remediation/preflight.js';
import { type Candidate, type Run, startRun } from '../../lib/remediation/run.js';
import { judge, verify } from '../../lib/remediation/verify.js';
import {
  failedOutcome,
  finding,
  remediatorTables,
  restartPolicy,
  type Script,
  type StateScript,
  T0,
  verified,
} from './helpers.js';

const freshSetup = remediatorTables('remediation-stages', 'inv-stage');
const MIN = 60_000;

async function setUp(
  remediation: Record<string, unknown> = { policies: [restartPolicy()] },
  script?: Script,
  current?: StateScript,
) {
  const setup = await freshSetup(remediation, script, current);
  let runs = 0;
  const newRun = (owner = `owner-${++runs}`): Run =>
    startRun(setup.deps, { invocationId: 'inv-stage', owner });
  return { ...setup, newRun };
}

/** The match stage's output for one event (the finding must match a policy). */
async function candidateOf(run: Run, event: JobwatchEvent): Promise<Candidate> {
  const [c] = await matchFindings(run, [event]);
  if (!c) throw new Error('the finding matched no policy');
  return c;
}

const withOccurrence = (event: JobwatchEvent, occurrence: number): JobwatchEvent => ({
  ...event,
  data: { ...event.data, occurrence },
});

describe('match stage', () => {
  it('keeps firing findings a policy matches, once each and only their latest occurrence', async () => {
    const { newRun } = await setUp();
    const run = newRun();
    const first = finding();
    const candidates = await matchFindings(run, [
      first,
      withOccurrence(first, 2),
      withOccurrence(first, 2),
      finding({ job: 'etl-users', status: 'resolved' }),
      finding({ job: 'etl-stuck', type: 'job.stuck' }),
    ]);
    expect(candidates.map((c) => [c.event.data.resource.name, c.event.data.occurrence])).toEqual([
      ['etl-orders', 2],
    ]);
    expect(candidates[0]).toMatchObject({ mode: 'enforce', reconsidered: false, facts: { state: 'FAILED' } });
    expect(run.report).toMatchObject({ ignored: 1, unmatched: 1, reconsidered: 0 });
    expect(run.report.decisions).toHaveLength(1);
  });

  it('looks again at deferred findings that are due, unless their resolve is in the batch', async () => {
    const { store, time, newRun } = await setUp();
    for (const job of ['etl-orders', 'etl-users'])
      await deferFinding(store, { event: finding({ job }), code: 'cooldown', retryAtMs: T0, nowMs: T0 });
    await deferFinding(store, {
      event: finding({ job: 'etl-later' }),
      code: 'cooldown',
      retryAtMs: T0 + 10 * MIN,
      nowMs: T0,
    });
    time.advance(MIN);
    const run = newRun();
    const candidates = await matchFindings(run, [finding({ job: 'etl-users', status: 'resolved' })]);
    expect(candidates.map((c) => [c.event.data.resource.name, c.reconsidered])).toEqual([
      ['etl-orders', true],
    ]);
    expect(run.report.reconsidered).toBe(1);
    // The resolve dropped its deferral; the not-yet-due one stays.
    time.advance(10 * MIN);
    expect((await dueDeferred(store, time.now())).map((e) => e.data.resource.name).sort()).toEqual([
      'etl-later',
      'etl-orders',
    ]);
  });
});

describe('guards stage', () => {
  it('passes a fresh, actionable finding and names the first guard that fails otherwise', async () => {
    const { store, deps, newRun, time } = await setUp();
    const run = newRun();
    expect(await preflight(run, await candidateOf(run, finding()))).toEqual({ pass: true });
    const unknown = await candidateOf(run, finding({ targetId: 'nowhere' }));
    expect(await preflight(run, unknown)).toMatchObject({ pass: false, code: 'unknown-target' });
    const noProvider = startRun({ ...deps, providers: {} }, { invocationId: 'x', owner: 'x' });
    expect(await preflight(noProvider, await candidateOf(noProvider, finding()))).toMatchObject({
      code: 'provider-unavailable',
    });
    const stopped = await candidateOf(
      run,
      finding({ job: 'b', values: { stateCause: 'user', state: 'STOPPED' } }),
    );
    expect(await preflight(run, stopped)).toMatchObject({ code: 'stopped-by-user' });
    // Age first: a late copy is stale; the same finding deferred by an earlier call is not held to its age.
    const late = finding({ job: 'c', observedAtMs: T0 });
    time.advance(60 * MIN);
    const lateCandidate = await candidateOf(run, late);
    expect(await preflight(run, lateCandidate)).toMatchObject({ code: 'stale-event' });
    expect(await preflight(run, { ...lateCandidate, reconsidered: true })).toEqual({ pass: true });
    await recordResolved(store, finding({ job: 'c', status: 'resolved' }), time.now());
    expect(await preflight(run, { ...lateCandidate, reconsidered: true })).toMatchObject({
      code: 'already-resolved',
    });
  });

  it('says a skip once per finding and reason, and defers one that passes with time', async () => {
    const { store, sink, newRun } = await setUp();
    const skip = {
      pass: false as const,
      code: 'time-window' as const,
      reason: 'outside the allowed windows',
    };
    for (let i = 0; i < 3; i++) {
      const run = newRun();
      await skipUnclaimed(run, await candidateOf(run, finding()), skip);
    }
    expect(sink.events.map((e) => [e.data.type, e.data.values.reasonCode])).toEqual([
      ['remediation.skipped', 'time-window'],
    ]);
    expect(await dueDeferred(store, T0)).toHaveLength(1);
  });
});

describe('claim stage', () => {
  it('holds the finding and the job lease; a second claim of the finding is a duplicate', async () => {
    const { store, time, newRun } = await setUp();
    const run = newRun();
    const held = await claim(run, await candidateOf(run, finding()), new Set());
    expect(held).toMatchObject({ resource: { name: 'etl-orders' }, ledger: { actions: [] } });
    const lease = await store.acquireLease(
      jobLeaseName(finding().data.resource.key),
      'other',
      MIN,
      time.now(),
    );
    expect(lease.acquired).toBe(false);
    const other = newRun();
    const again = await candidateOf(other, finding());
    expect(await claim(other, again, new Set())).toBeUndefined();
    expect(again.summary.decision).toBe('duplicate');
  });

  it('a job another call holds is a locked skip, said as a warning and deferred', async () => {
    const { store, sink, time, newRun } = await setUp();
    await store.acquireLease(jobLeaseName(finding().data.resource.key), 'someone', 10 * MIN, time.now());
    const run = newRun();
    expect(await claim(run, await candidateOf(run, finding()), new Set())).toBeUndefined();
    expect(sink.events.map((e) => [e.data.values.reasonCode, e.data.severity])).toEqual([
      ['locked', 'warning'],
    ]);
    expect(await dueDeferred(store, time.now())).toHaveLength(1);
  });

  it('an exhausted budget asks for a person once per window, then is a quiet skip', async () => {
    const { store, sink, time, newRun } = await setUp();
    const key = finding().data.resource.key;
    for (let i = 0; i < 3; i++)
      await updateLedger(
        store,
        key,
        { action: { atMs: T0 + i, action: 'restart', policy: 'p' } },
        3600_000,
        T0,
      );
    time.advance(MIN);
    for (const job of [finding(), finding({ type: 'job.failed', startsAtMs: T0 + 1 })]) {
      const run = newRun();
      expect(await claim(run, await candidateOf(run, job), new Set())).toBeUndefined();
    }
    expect(sink.events.map((e) => [e.data.type, e.data.severity, e.data.values.reasonCode])).toEqual([
      ['remediation.failed', 'critical', null],
      ['remediation.skipped', 'info', 'budget-exhausted'],
    ]);
    // The lease was handed back each time.
    expect((await store.acquireLease(jobLeaseName(key), 'next', MIN, time.now())).acquired).toBe(true);
  });

  it('the blast radius holds back every claim when a run would act on too many jobs, leases released', async () => {
    const { store, sink, time, newRun } = await setUp({
      blastRadius: { maxJobs: 2, maxTargetPercent: 100 },
      policies: [restartPolicy()],
    });
    const run = newRun();
    const held = [];
    for (const job of ['a', 'b', 'c']) {
      const h = await claim(run, await candidateOf(run, finding({ job })), new Set());
      if (h) held.push(h);
    }
    expect(held).toHaveLength(3);
    expect(await limitBlastRadius(run, held)).toEqual([]);
    expect(sink.events.map((e) => e.data.values.reasonCode)).toEqual([
      'blast-radius',
      'blast-radius',
      'blast-radius',
    ]);
    for (const job of ['a', 'b', 'c']) {
      const lease = await store.acquireLease(
        jobLeaseName(finding({ job }).data.resource.key),
        'x',
        MIN,
        time.now(),
      );
      expect(lease.acquired).toBe(true);
    }
  });
});

describe('act stage', () => {
  async function held(setup: Awaited<ReturnType<typeof setUp>>) {
    const run = setup.newRun();
    const h = await claim(run, await candidateOf(run, finding()), new Set());
    if (!h) throw new Error('not held');
    return { run, h };
  }

  it('a dry run calls no vendor API and says what it would do', async () => {
    const setup = await setUp({ policies: [restartPolicy({ mode: 'dry-run' })] });
    const { run, h } = await held(setup);
    await act(run, h);
    expect(setup.calls).toHaveLength(0);
    expect(setup.sink.events[0]?.data.summary).toContain('no vendor API was called');
  });

  it('re-reads the job before the call: a job that changed since the finding is not acted on', async () => {
    const setup = await setUp(undefined, undefined, () => ({
      kind: 'job',
      state: 'RUNNING',
      vendorState: 'job_running',
    }));
    const { run, h } = await held(setup);
    await act(run, h);
    expect(setup.calls).toHaveLength(0);
    expect(setup.sink.events.map((e) => e.data.values.reasonCode)).toEqual(['state-changed']);
  });

  it('starts no new attempt once the invocation deadline fires during the backoff', async () => {
    // The real sleep (lib/async/sleep.ts) and a real deadline signal: the first attempt fails, and the
    // deadline fires 100 ms into its 1 s backoff.
    const deadline = new AbortController();
    const setup = await setUp({ policies: [restartPolicy({ retryBackoffSeconds: 1 })] }, () => {
      setTimeout(() => deadline.abort(new Error('deadline')), 100);
      return failedOutcome(true);
    });
    const { sleep: _simulated, ...deps } = setup.deps;
    const report = await createRemediator({ ...deps, signal: deadline.signal }).handle([finding()]);
    expect(setup.calls).toHaveLength(1);
    expect(report.decisions[0]).toMatchObject({ decision: 'failed', outcome: 'gave-up', attempts: 1 });
    expect(setup.sink.events.map((e) => [e.data.severity, e.data.values.outcome])).toEqual([
      ['warning', 'failed'],
      ['critical', 'gave-up'],
    ]);
    expect(setup.sink.events[1]?.data.summary).toContain('invocation deadline reached');
  });
});

describe('verify stage', () => {
  it('judges an outcome: verified, retry within the budget, or give up with the reason', () => {
    const at = (attemptNo: number, aborted = false) => ({
      attemptNo,
      attemptsSent: attemptNo,
      budgetMax: 3,
      aborted,
    });
    expect(judge({ ok: true }, at(1))).toEqual({ kind: 'verified' });
    expect(judge({ ok: false, retryable: true }, at(1))).toEqual({ kind: 'retry' });
    expect(judge({ ok: false, retryable: false }, at(1))).toEqual({ kind: 'give-up', why: 'not retryable' });
    expect(judge({ ok: false, retryable: true }, at(3))).toEqual({ kind: 'give-up', why: 'budget spent' });
    expect(judge({ ok: false, retryable: true }, { ...at(1), attemptsSent: 3 })).toMatchObject({
      why: 'budget spent',
    });
    expect(judge({ ok: false, retryable: true }, at(1, true))).toEqual({
      kind: 'give-up',
      why: 'invocation deadline reached',
    });
  });

  it('a verified outcome decides the finding: a later delivery of it is a duplicate', async () => {
    const { sink, newRun } = await setUp();
    const run = newRun();
    const h = await claim(run, await candidateOf(run, finding()), new Set());
    if (!h) throw new Error('not held');
    const outcome = { ...verified(), action: 'restart' as const };
    expect(await verify(run, h, outcome, { no: 1, label: '1/3' })).toBe('done');
    expect(sink.events.map((e) => [e.data.type, e.data.values.outcome, e.data.values.finalState])).toEqual([
      ['remediation.performed', 'verified', 'RUNNING'],
    ]);
    const later = newRun();
    const again = await candidateOf(later, finding());
    expect(await claim(later, again, new Set())).toBeUndefined();
    expect(again.summary.reason).toContain('already decided (performed)');
  });
});

describe('audit stage', () => {
  it('writes the audit record before publishing; a failed publish is counted, never lost', async () => {
    const { store, deps, newRun } = await setUp();
    const run = startRun(
      {
        ...deps,
        publish: () => Promise.reject(new Error('bus down: token=abc123secret')),
      },
      { invocationId: 'inv-stage', owner: 'o' },
    );
    const c = await candidateOf(newRun(), finding());
    await publishDecision(run, c, 'skipped', {
      severity: 'info',
      outcome: 'skipped',
      reason: 'outside the allowed windows',
      reasonCode: 'time-window',
      title: 'Skipped restart of etl-orders: time-window',
    });
    expect(run.report).toMatchObject({ published: 0, publishErrors: 1 });
    expect(c.summary).toMatchObject({ decision: 'skipped', reasonCode: 'time-window', events: 1 });
    const [record] = await remediationHistory(store);
    expect(record).toMatchObject({
      decision: 'skipped',
      actor: 'jobwatch-remediator/inv-stage',
      trigger: { eventId: finding().id, type: 'job.failed' },
    });
  });

  it('one decision is one record and one event with the same id; attempts are distinct events', async () => {
    const { newRun } = await setUp();
    const c = await candidateOf(newRun(), finding());
    const detail = (attempt: string) => ({
      severity: 'warning' as const,
      outcome: 'failed' as const,
      attempt,
      reason: 'r',
      title: 't',
    });
    const first = decisionRecord(c, 'failed', detail('1/3'), { nowMs: T0, actor: 'a' });
    const second = decisionRecord(c, 'failed', detail('2/3'), { nowMs: T0, actor: 'a' });
    expect(first.record.id).toBe(first.event.id);
    expect(first.event.data).toMatchObject({ type: 'remediation.failed', values: { attempt: '1/3' } });
    expect(second.event.id).not.toBe(first.event.id);
    expect(decisionRecord(c, 'failed', detail('1/3'), { nowMs: T0, actor: 'a' }).event.id).toBe(
      first.event.id,
    );
  });
});
