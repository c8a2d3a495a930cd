/**
 * The act stage, for a finding held under its job's lease. A dry run says what would be done and calls no
 * vendor API. Enforcing, each attempt renews the lease, reads the job fresh from the vendor (it must still
 * say what the finding said), counts the attempt against the budget before the call, sends it, and hands
 * the outcome to the verify stage; between attempts it waits the policy's backoff (lib/async/sleep.ts), and
 * once the invocation's deadline fires it starts no new attempt.
 */
import type { ActionOutcome, ProviderContext } from '../providers/types.js';
import { approvalId, requestApproval } from './approval.js';
import { escalate, finish, renewLease, skipClaimed } from './claim.js';
import { noteQuietSkip, publishDecision, publishSkip } from './decision.js';
import { confirmCurrentState } from './freshness.js';
import { budgetUsed } from './guards.js';
import { dropDeferred, updateLedger, updateOwnedFinding } from './ledger.js';
import { capital, findingRef, type Held, type Run, type Skip, verb } from './run.js';
import { giveUp, verify } from './verify.js';

export async function act(run: Run, h: Held): Promise<void> {
  if (h.policy.approval === 'required' && !h.approval) await awaitApproval(run, h);
  else if (h.mode === 'dry-run') await dryRun(run, h);
  else await enforce(run, h);
}

/**
 * Approval mode: instead of acting, record what would be done and ask (once per finding). The claim is
 * handed back; an Approve runs the finding through the guards again (lib/remediation/approve.ts).
 */
export async function awaitApproval(run: Run, h: Held): Promise<void> {
  const { store, now } = run.deps;
  const nowMs = now();
  const id = approvalId(h.event, h.policy.name);
  const expiresAtMs = nowMs + h.policy.approvalWindowSeconds * 1000;
  const data = h.event.data;
  const asked = await requestApproval(store, {
    id,
    state: 'pending',
    policy: h.policy.name,
    action: h.policy.action.type,
    jobKey: data.resource.key,
    jobName: data.resource.name,
    targetId: data.targetId,
    event: h.event,
    requestedAtMs: nowMs,
    expiresAtMs,
  });
  const dry = h.mode === 'dry-run' ? ' (dry run: approving calls no vendor API)' : '';
  const verdict: Skip = {
    pass: false,
    code: 'awaiting-approval',
    reason: `${verb(h)} of ${h.resource.jobKind ?? h.resource.kind} ${data.resource.name} (${data.type}) waits for a person's approval until ${new Date(expiresAtMs).toISOString()}${dry}; approve or reject it from the message, or with \`jobwatch remediation approve ${id}\``,
  };
  await updateOwnedFinding(store, findingRef(run, h), {
    state: 'skipped',
    reasonCode: verdict.code,
    decision: 'skipped',
    updatedAtMs: nowMs,
  });
  await dropDeferred(store, data.fingerprint, data.startsAtMs);
  if (!asked) return noteQuietSkip(h, verdict);
  await publishDecision(run, h, 'skipped', {
    severity: 'warning',
    outcome: 'skipped',
    reasonCode: verdict.code,
    reason: verdict.reason,
    title: `Approval needed: ${verb(h)} ${data.resource.name}`,
    approvalRequest: { id, expiresAtMs },
  });
}

export async function dryRun(run: Run, h: Held): Promise<void> {
  const used = budgetUsed(h.ledger, h.policy.guards.budget, run.deps.now());
  const attempt = `${used + 1}/${h.policy.guards.budget.max}`;
  const params = Object.keys(h.policy.action.params);
  await publishDecision(run, h, 'performed', {
    severity: 'info',
    outcome: 'dry-run',
    attempt,
    title: `Dry run: would ${verb(h)} ${h.event.data.resource.name}`,
    reason: `dry run: would ${verb(h)} ${h.resource.jobKind ?? h.resource.kind} ${h.event.data.resource.name} (${h.event.data.type}, state ${h.facts.state ?? 'n/a'})${params.length ? ` with ${params.join(', ')}` : ''}; no vendor API was called`,
  });
  await finish(run, h, 'performed');
}

export async function enforce(run: Run, h: Held): Promise<void> {
  const { deps } = run;
  const { budget } = h.policy.guards;
  const ctx: ProviderContext = {
    now: deps.now,
    secrets: deps.secrets,
    logger: deps.logger,
    ...(deps.signal ? { signal: deps.signal } : {}),
  };
  let ledger = h.ledger;
  for (;;) {
    const attemptNo = budgetUsed(ledger, budget, deps.now()) + 1;
    const attempt = `${attemptNo}/${budget.max}`;
    const leaseUntilMs = await renewLease(run, h);
    if (leaseUntilMs === undefined) {
      await escalate(run, h, {
        outcome: 'interrupted',
        title: `${capital(verb(h))} of ${h.event.data.resource.name} stopped: lock lost`,
        reason: `the lock on this job was lost before ${verb(h)} ${attempt}; not acting without it, check the job`,
      });
      return;
    }
    // Under the lock, right before the call: the vendor must still say what the finding said.
    const current = await confirmCurrentState({
      provider: h.provider,
      target: h.target,
      resource: h.resource,
      event: h.event,
      facts: h.facts,
      action: h.policy.action.type,
      fromStates: h.policy.fromStates,
      ctx,
    });
    if (!current.pass) {
      if (h.summary.attempts === 0) await skipClaimed(run, h, current);
      else {
        // An earlier attempt was sent: the finding is decided, a later delivery must not act again.
        await publishSkip(run, h, current);
        await finish(run, h, 'skipped');
      }
      return;
    }
    const startedMs = deps.now();
    // Counted and marked before the call: a crash after sending must neither free budget nor act again.
    ledger = await updateLedger(
      deps.store,
      h.resource.key,
      { action: { atMs: startedMs, action: h.policy.action.type, policy: h.policy.name } },
      budget.windowSeconds * 1000,
      startedMs,
    );
    await updateOwnedFinding(deps.store, findingRef(run, h), {
      sentAtMs: startedMs,
      leaseUntilMs,
      updatedAtMs: startedMs,
    });
    h.summary.attempts += 1;
    const outcome = await perform(run, h, ctx);
    if ((await verify(run, h, outcome, { no: attemptNo, label: attempt })) === 'done') return;
    if (!(await backoff(run, h))) {
      await giveUp(run, h, attempt, outcome, 'invocation deadline reached');
      return;
    }
  }
}

/** Waits the policy's backoff; false when the invocation's deadline fired first (or during it). */
async function backoff(run: Run, h: Held): Promise<boolean> {
  const signal = run.deps.signal;
  try {
    await run.sleep(h.policy.retryBackoffSeconds * 1000, signal);
  } catch (error) {
    if (signal?.aborted) return false;
    throw error;
  }
  return signal?.aborted !== true;
}

/** Sends the action; a provider must return outcomes, so a throw is a bug there, a failure that will not heal. */
async function perform(run: Run, h: Held, ctx: ProviderContext): Promise<ActionOutcome> {
  const startedMs = run.deps.now();
  try {
    return await h.provider.actions.perform(
      h.target,
      {
        action: h.policy.action.type,
        resource: h.resource,
        params: h.policy.action.params,
        verifyTimeoutMs: h.policy.verify.timeoutSeconds * 1000,
        verifyIntervalMs: Math.round(h.policy.verify.intervalSeconds * 1000),
      },
      ctx,
    );
  } catch (error) {
    return {
      ok: false,
      status: 'failed',
      action: h.policy.action.type,
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      durationMs: run.deps.now() - startedMs,
      retryable: false,
    };
  }
}
