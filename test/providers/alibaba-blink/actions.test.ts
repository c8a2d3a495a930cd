/**
 * Actions against the sandbox: each sends the vendor call, then verifies by polling; checked through the
 * sandbox's request log (what the vendor actually received) and the next snapshot.
 */
import { describe, expect, it } from 'vitest';
import { alibabaBlinkProvider } from '../../../lib/providers/alibaba-blink/index.js';
import type { ActionName, ActionRequest } from '../../../lib/providers/types.js';
import { stopAfterEach } from '../../support/stop-after-each.js';
import { actionTarget, detector, eventLines, type Harness, jobByName, startBlinkSandbox } from './helpers.js';

const startBlink = stopAfterEach(startBlinkSandbox);

const actions = alibabaBlinkProvider.actions;

async function perform(
  h: Harness,
  jobName: string,
  action: ActionName,
  params: Record<string, unknown> = {},
  verifyTimeoutMs = 5_000,
) {
  const snapshot = await h.collect();
  const request: ActionRequest = {
    action,
    resource: actionTarget(jobByName(snapshot, jobName)),
    params,
    verifyTimeoutMs,
    verifyIntervalMs: 5,
  };
  h.sandbox.resetLog();
  // Verification timing runs on the wall clock; the sandbox's simulated clock stays where the test put it.
  const outcome = await actions.perform(h.target, request, { ...h.ctx, now: Date.now });
  const log = h.sandbox.requests.map((r) => `${r.method} ${r.operation} ${r.status}`);
  return { outcome, log };
}

describe('alibaba-blink actions', () => {
  it('supports per job kind', () => {
    expect(actions.supports({ kind: 'job', jobKind: 'flink-stream' })).toEqual([
      'pause',
      'resume',
      'stop',
      'restart',
      'restart-from-checkpoint',
    ]);
    expect(actions.supports({ kind: 'job', jobKind: 'flink-batch' })).toEqual(['stop', 'restart']);
    expect(actions.supports({ kind: 'queue' })).toEqual([]);
  });

  it('restart of a FAILED job: StartJob, verified RUNNING, and job.failed resolves', async () => {
    const harness = await startBlink();
    const run = detector(harness.config, harness.target);
    harness.clock.advance(2 * 60_000);
    const failedSnap = await harness.collect();
    expect(eventLines(run(failedSnap, harness.clock.now()))).toContain('job.failed firing payments_agg');
    const before = jobByName(failedSnap, 'payments_agg');

    const { outcome, log } = await perform(harness, 'payments_agg', 'restart');
    expect(outcome).toMatchObject({ ok: true, status: 'verified', action: 'restart', finalState: 'RUNNING' });
    expect(log[0]).toBe('GET GetInstanceRunSummary 200');
    expect(log[1]).toBe('POST StartJob 200');
    expect(log.filter((l) => l.includes('ModifyInstanceState'))).toEqual([]);
    expect(log.slice(2).every((l) => l === 'GET GetInstanceRunSummary 200')).toBe(true);

    const lines: string[] = [];
    for (let i = 0; i < 3; i++) {
      harness.clock.advance(30_000);
      const snap = await harness.collect();
      const job = jobByName(snap, 'payments_agg');
      expect(job.state).toBe('RUNNING');
      expect(job.instanceId).not.toBe(before.instanceId);
      lines.push(...eventLines(run(snap, harness.clock.now())));
    }
    expect(lines.filter((l) => l.includes('payments_agg'))).toEqual(['job.failed resolved payments_agg']);
  });

  it('pause (user) then resume: ModifyInstanceState PAUSED/RUNNING, a new instance after resume', async () => {
    const harness = await startBlink();
    const paused = await perform(harness, 'orders_etl', 'pause', { triggerCheckpoint: true });
    expect(paused.outcome).toMatchObject({ ok: true, status: 'verified', finalState: 'PAUSED' });
    expect(paused.log.filter((l) => l.startsWith('PUT'))).toEqual(['PUT ModifyInstanceState 200']);
    const snap = await harness.collect();
    const job = jobByName(snap, 'orders_etl');
    expect(job).toMatchObject({ state: 'PAUSED', stateCause: 'user' });

    const resumed = await perform(harness, 'orders_etl', 'resume');
    expect(resumed.outcome).toMatchObject({ ok: true, status: 'verified', finalState: 'RUNNING' });
    const after = jobByName(await harness.collect(), 'orders_etl');
    expect(after.state).toBe('RUNNING');
    expect(after.instanceId).not.toBe(job.instanceId);
  });

  it('stop, and restart-from-checkpoint as pause + resume', async () => {
    const harness = await startBlink();
    const stopped = await perform(harness, 'filler_01', 'stop');
    expect(stopped.outcome).toMatchObject({ ok: true, finalState: 'STOPPED' });
    expect(jobByName(await harness.collect(), 'filler_01')).toMatchObject({
      state: 'STOPPED',
      stateCause: 'user',
    });

    const fromCheckpoint = await perform(harness, 'filler_02', 'restart-from-checkpoint');
    expect(fromCheckpoint.outcome).toMatchObject({ ok: true, finalState: 'RUNNING' });
    expect(fromCheckpoint.log.filter((l) => l.startsWith('PUT'))).toEqual([
      'PUT ModifyInstanceState 200',
      'PUT ModifyInstanceState 200',
    ]);
  });

  it('unsupported actions and invalid params never reach the vendor', async () => {
    const harness = await startBlink();
    const kill = await perform(harness, 'orders_etl', 'kill');
    expect(kill.outcome).toMatchObject({ ok: false, status: 'unsupported', retryable: false });
    expect(kill.log).toEqual([]);
    const pauseBatch = await perform(harness, 'nightly_rollup', 'pause');
    expect(pauseBatch.outcome).toMatchObject({ ok: false, status: 'unsupported' });
    expect(pauseBatch.log).toEqual([]);
    const bad = await perform(harness, 'orders_etl', 'pause', { withSavepoint: true });
    expect(bad.outcome).toMatchObject({ ok: false, status: 'rejected', retryable: false });
    expect(bad.outcome.message).toContain('withSavepoint');
    expect(bad.log).toEqual([]);
  });

  it('a precondition that does not hold is rejected after one read', async () => {
    const harness = await startBlink();
    harness.clock.advance(2 * 60_000);
    const resume = await perform(harness, 'payments_agg', 'resume');
    expect(resume.outcome).toMatchObject({ ok: false, status: 'rejected', retryable: false });
    expect(resume.outcome.message).toContain('FAILED');
    expect(resume.log).toEqual(['GET GetInstanceRunSummary 200']);
  });

  it('verification that outlasts the timeout is a retryable timeout', async () => {
    const harness = await startBlink();
    const { outcome, log } = await perform(harness, 'orders_etl', 'pause', {}, 1);
    expect(outcome).toMatchObject({ ok: false, status: 'timeout', retryable: true, finalState: 'STOPPING' });
    expect(log).toContain('PUT ModifyInstanceState 200');
  });

  it('a throttled action call is a retryable failure', async () => {
    const harness = await startBlink();
    harness.failWith('ModifyInstanceState', 429, { retryAfterSeconds: 0 });
    const { outcome } = await perform(harness, 'orders_etl', 'stop');
    expect(outcome).toMatchObject({ ok: false, status: 'failed', retryable: true });
    expect(outcome.message).toContain('Throttling.User');
  });
});
