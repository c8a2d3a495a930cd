/**
 * Approval mode (issue 19 item 5) against the DLI emulator over real sockets, on dynalite: a policy with
 * `approval: required` posts what it would do and waits; Approve runs it through every guardrail once,
 * however many times it is pressed; Reject and expiry are recorded and send nothing; dry-run sends nothing.
 * Vendor calls are read from the sandbox's request log.
 */
import { describe, expect, it } from 'vitest';
import type { JobwatchEvent } from '../../lib/events/index.js';
import { readApproval, remediationHistory } from '../../lib/remediation/index.js';
import { fixFailedPolicy, SANDBOX_PROVIDERS, useRemediationHarness } from './sandbox-harness.js';

const dli = SANDBOX_PROVIDERS['huawei-dli'];
const startHarness = useRemediationHarness();

async function start(mode: 'dry-run' | 'enforce' = 'enforce') {
  const h = await startHarness({
    of: dli,
    remediation: {
      mode,
      policies: [{ ...fixFailedPolicy(dli), approval: 'required', approvalWindowSeconds: 1800 }],
    },
    speed: 30,
  });
  const failed = await h.pollUntil('job.failed', dli.failed.job);
  return { h, failed };
}

const approvalIdOf = (events: JobwatchEvent[]) => {
  const asked = events.find((e) => e.data.values.reasonCode === 'awaiting-approval');
  const id = asked?.data.values.approvalId;
  if (typeof id !== 'string') throw new Error('no approval request was posted');
  return id;
};

describe('approval mode', () => {
  it('posts the intended action and sends nothing until approved; N approvals make one vendor call', async () => {
    const { h, failed } = await start();
    const mark = h.sandbox.requests.length;
    const report = await h.remediator().handle([failed]);
    expect(h.calls(dli.mutatingOps, mark)).toHaveLength(0);
    expect(report.decisions[0]).toMatchObject({ decision: 'skipped', reasonCode: 'awaiting-approval' });
    const [asked] = h.sink.events;
    expect(asked?.data).toMatchObject({
      type: 'remediation.skipped',
      severity: 'warning',
      title: `Approval needed: restart ${dli.failed.job}`,
      values: { reasonCode: 'awaiting-approval', policy: 'fix-failed', action: 'restart' },
    });
    const id = approvalIdOf(h.sink.events);
    const pending = await readApproval(h.store, id);
    expect(pending).toMatchObject({ state: 'pending', policy: 'fix-failed', jobName: dli.failed.job });
    expect(pending?.expiresAtMs).toBe((pending?.requestedAtMs ?? 0) + 1800_000);
    expect(asked?.data.values.approvalExpiresAtMs).toBe(pending?.expiresAtMs);
    // A redelivery of the finding does not ask again.
    await h.remediator().handle([failed]);
    expect(h.sink.events).toHaveLength(1);

    // Five people press Approve at once, each through their own remediator (five webhook invocations).
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        h.remediator(`approver-${n}`).answerApproval({ id, verdict: 'approve', by: `user-${n}` }),
      ),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.filter((a) => !a.ok).map((a) => !a.ok && a.status)).toEqual([409, 409, 409, 409]);
    // Every approver's invocation tries to run it; one does.
    const runs = await Promise.all([1, 2, 3].map((n) => h.remediator(`runner-${n}`).runApproved(id)));
    expect(h.calls([dli.restartOp], mark)).toHaveLength(1);
    expect(runs.flatMap((r) => r.decisions.map((d) => d.decision))).toEqual(['performed']);
    // And again later: nothing more.
    await h.remediator().runApproved(id);
    await h.remediator().handle([failed]);
    expect(h.calls(dli.mutatingOps, mark)).toHaveLength(1);
    expect(h.sink.events.map((e) => `${e.data.type} ${e.data.values.outcome}`)).toEqual([
      'remediation.skipped skipped',
      'remediation.performed verified',
    ]);
    const performed = await h.lastDecision();
    const winner = answers.find((a) => a.ok);
    expect(performed).toMatchObject({
      decision: 'performed',
      approval: { id, by: winner?.ok ? winner.record.decidedBy : 'none' },
    });
    expect((await readApproval(h.store, id))?.state).toBe('done');
  });

  it('an approved action still meets every guardrail: a job that recovered meanwhile is not touched', async () => {
    const { h, failed } = await start();
    await h.remediator().handle([failed]);
    const id = approvalIdOf(h.sink.events);
    // The finding resolves before anyone answers (the job was fixed by hand).
    await h.remediator().handle([{ ...failed, data: { ...failed.data, status: 'resolved' } }]);
    const mark = h.sandbox.requests.length;
    expect((await h.remediator().answerApproval({ id, verdict: 'approve', by: 'alice' })).ok).toBe(true);
    const report = await h.remediator().runApproved(id);
    expect(h.calls(dli.mutatingOps, mark)).toHaveLength(0);
    expect(report.decisions[0]).toMatchObject({ decision: 'skipped', reasonCode: 'already-resolved' });
  });

  it('Reject sends nothing and is recorded; a later Approve is refused', async () => {
    const { h, failed } = await start();
    const mark = h.sandbox.requests.length;
    await h.remediator().handle([failed]);
    const id = approvalIdOf(h.sink.events);
    const rejected = await h.remediator().answerApproval({ id, verdict: 'reject', by: 'bob' });
    expect(rejected).toMatchObject({ ok: true, state: 'rejected' });
    const late = await h.remediator().answerApproval({ id, verdict: 'approve', by: 'carol' });
    expect(late).toMatchObject({ ok: false, status: 409 });
    expect(!late.ok && late.message).toContain('rejected by bob');
    await h.remediator().runApproved(id);
    await h.remediator().handle([failed]);
    expect(h.calls(dli.mutatingOps, mark)).toHaveLength(0);
    const record = await h.lastDecision();
    expect(record).toMatchObject({
      decision: 'skipped',
      outcome: 'rejected',
      reasonCode: 'approval-rejected',
      approval: { id, by: 'bob' },
    });
    expect(h.sink.events.at(-1)?.data.summary).toContain('rejected by bob');
  });

  it('an approval older than its window is refused with a clear message, recorded, and sends nothing', async () => {
    const { h, failed } = await start();
    const mark = h.sandbox.requests.length;
    await h.remediator().handle([failed]);
    const id = approvalIdOf(h.sink.events);
    h.clock.advance(31 * 60_000);
    const answer = await h.remediator().answerApproval({ id, verdict: 'approve', by: 'dave' });
    expect(answer).toMatchObject({ ok: false, status: 410 });
    expect(!answer.ok && answer.message).toMatch(
      /^this approval expired at \S+ \(its window is 30m\); nothing was done$/,
    );
    await h.remediator().runApproved(id);
    expect(h.calls(dli.mutatingOps, mark)).toHaveLength(0);
    const record = await h.lastDecision();
    expect(record).toMatchObject({ reasonCode: 'approval-expired', approval: { id, by: 'dave' } });
    // Asking again says the same, and records nothing more.
    const again = await h.remediator().answerApproval({ id, verdict: 'approve', by: 'erin' });
    expect(again).toMatchObject({ ok: false, status: 410 });
    expect(await remediationHistory(h.store)).toHaveLength(2);
  });

  it('in dry-run an approved action still calls no vendor API', async () => {
    const { h, failed } = await start('dry-run');
    const mark = h.sandbox.requests.length;
    await h.remediator().handle([failed]);
    const id = approvalIdOf(h.sink.events);
    expect(h.sink.events[0]?.data.summary).toContain('dry run: approving calls no vendor API');
    expect((await h.remediator().answerApproval({ id, verdict: 'approve', by: 'frank' })).ok).toBe(true);
    await h.remediator().runApproved(id);
    expect(h.calls(dli.mutatingOps, mark)).toHaveLength(0);
    expect(h.sink.events.at(-1)?.data.values).toMatchObject({ outcome: 'dry-run' });
  });

  it('an unknown or malformed approval id is a 404, never an error', async () => {
    const { h } = await start();
    expect(
      await h.remediator().answerApproval({ id: 'apr-00000000000000000000', verdict: 'approve', by: 'x' }),
    ).toMatchObject({ ok: false, status: 404 });
    expect(
      await h.remediator().answerApproval({ id: '../../etc', verdict: 'reject', by: 'x' }),
    ).toMatchObject({ ok: false, status: 404 });
    expect((await h.remediator().runApproved('nope')).decisions).toEqual([]);
  });
});
