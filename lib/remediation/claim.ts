/**
 * The claim stage: this call takes ownership of the finding (a conditional write, so two invocations never
 * both own it), takes the job's lease (one remediation per job at a time), reads the job's ledger and runs
 * the ledger guards (budget, cooldown); then the blast radius over everything claimed in the run. What is
 * held leaves this stage with the lease kept; everything else has had its decision said and its lease
 * handed back. The helpers that end a claim (skip, finish, escalate, release) live here too.
 */
import type { Outcome, RemediationDecision } from './audit.js';
import type { RemediationPolicy } from './config.js';
import { noteQuietSkip, publishDecision, publishSkip } from './decision.js';
import { blastRadiusVerdicts, type JobLedger, ledgerGuards } from './guards.js';
import {
  claimFinding,
  deferOrDrop,
  dropDeferred,
  jobLeaseName,
  readLedger,
  updateLedger,
  updateOwnedFinding,
} from './ledger.js';
import {
  actionTarget,
  type Candidate,
  capital,
  fail,
  findingRef,
  type Held,
  occurrenceOf,
  type Run,
  type Skip,
  verb,
} from './run.js';

const LEASE_MARGIN_MS = 60_000;

/** Long enough for every attempt the budget allows and its verification, so the lease outlives the work. */
export function leaseMsFor(policy: RemediationPolicy): number {
  const attempts = policy.guards.budget.max;
  return (
    attempts * policy.verify.timeoutSeconds * 1000 +
    (attempts - 1) * policy.retryBackoffSeconds * 1000 +
    LEASE_MARGIN_MS
  );
}

/** A skip of a finding this call owns: the claim is handed back so a later poll may act. */
export async function skipClaimed(run: Run, h: Held, verdict: Skip): Promise<void> {
  const { store, now } = run.deps;
  await deferOrDrop(store, {
    event: h.event,
    code: verdict.code,
    cooldownSeconds: h.policy.guards.cooldownSeconds,
    ledger: h.ledger,
    nowMs: now(),
  });
  await updateOwnedFinding(store, findingRef(run, h), {
    state: 'skipped',
    reasonCode: verdict.code,
    decision: 'skipped',
    updatedAtMs: now(),
  });
  if (h.previous?.reasonCode === verdict.code) noteQuietSkip(h, verdict);
  else await publishSkip(run, h, verdict);
}

/** The finding is decided: later deliveries of it are duplicates, and it is no longer deferred. */
export async function finish(run: Run, c: Candidate, decision: RemediationDecision): Promise<void> {
  const { store, now } = run.deps;
  await updateOwnedFinding(store, findingRef(run, c), { state: 'done', decision, updatedAtMs: now() });
  await dropDeferred(store, c.event.data.fingerprint, c.event.data.startsAtMs);
}

/** Hands the job lease back; one that cannot be released expires on its own. */
export const release = (run: Run, c: Candidate) =>
  run.deps.store.releaseLease(jobLeaseName(c.event.data.resource.key), run.owner).catch((error: unknown) => {
    run.deps.logger.warn('remediation lease could not be released; it expires on its own', {
      job: c.event.data.resource.key,
      error: error instanceof Error ? error.message : String(error),
    });
  });

/** Gives up on the job until its budget window passes: one critical event that asks for a person. */
export async function escalate(
  run: Run,
  h: Held,
  detail: { reason: string; title: string; outcome: Outcome },
): Promise<void> {
  const { store, now } = run.deps;
  const keepMs = h.policy.guards.budget.windowSeconds * 1000;
  await updateLedger(store, h.event.data.resource.key, { escalatedAtMs: now() }, keepMs, now());
  await publishDecision(run, h, 'failed', { severity: 'critical', ...detail });
  await finish(run, h, 'failed');
}

/**
 * Extends the job lease to cover one more attempt: work queued behind other jobs, or a long retry, must not
 * outlive the lock. Undefined when someone else holds it now.
 */
export async function renewLease(run: Run, h: Held): Promise<number | undefined> {
  const { store, now } = run.deps;
  const lease = await store.acquireLease(
    jobLeaseName(h.resource.key),
    run.owner,
    leaseMsFor(h.policy),
    now(),
  );
  return lease.acquired ? lease.expiresAtMs : undefined;
}

/**
 * Claims the finding, takes the job lease and runs the ledger guards; the lease is kept when the finding is
 * held. `jobsThisRun` holds the jobs this call already holds: a second finding on one job waits its turn.
 */
export async function claim(run: Run, c: Candidate, jobsThisRun: Set<string>): Promise<Held | undefined> {
  const { store, now } = run.deps;
  const { target, provider } = c;
  const resource = actionTarget(c.event);
  // The guards stage refused findings without these; claiming one anyway is a bug, not a skip.
  if (!target || !provider || !resource) throw new Error(`claim of ${c.summary.jobKey} before its guards`);
  const data = c.event.data;
  const jobKey = data.resource.key;
  const leaseMs = leaseMsFor(c.policy);
  const claimed = await claimFinding(store, {
    fingerprint: data.fingerprint,
    startsAtMs: data.startsAtMs,
    ...occurrenceOf(c.event),
    owner: run.owner,
    mode: c.mode,
    policy: c.policy.name,
    leaseUntilMs: now() + leaseMs,
    nowMs: now(),
  });
  if (claimed.kind === 'duplicate') {
    c.summary.decision = 'duplicate';
    c.summary.reason = `already ${claimed.record.state === 'done' ? `decided (${claimed.record.decision ?? 'done'})` : 'being handled'} by ${claimed.record.owner ?? 'another invocation'}`;
    return undefined;
  }
  const base: Held = {
    ...c,
    target,
    provider,
    resource,
    ledger: { actions: [] },
    ...(claimed.kind === 'claimed' && claimed.previous ? { previous: claimed.previous } : {}),
  };
  const lockedInRun = jobsThisRun.has(jobKey);
  const lease = lockedInRun
    ? undefined
    : await store.acquireLease(jobLeaseName(jobKey), run.owner, leaseMs, now());
  if (lockedInRun || !lease?.acquired) {
    const holder = lease && !lease.acquired ? lease.holder : undefined;
    await skipClaimed(run, base, {
      pass: false,
      code: 'locked',
      reason: lockedInRun
        ? 'another finding on this job is being remediated in this run'
        : `another remediation holds this job until ${new Date(holder?.expiresAtMs ?? 0).toISOString()}`,
    });
    return undefined;
  }
  jobsThisRun.add(jobKey);
  try {
    if (claimed.kind === 'interrupted') {
      await escalate(run, base, {
        outcome: 'interrupted',
        title: `${capital(verb(c))} of ${data.resource.name}: outcome unknown, a person is needed`,
        reason: `an earlier remediation (${claimed.record.owner ?? 'unknown'}) sent ${verb(c)} and stopped before verifying it; not acting twice, check the job`,
      });
      await release(run, base);
      return undefined;
    }
    const ledger = await readLedger(store, jobKey);
    const held: Held = { ...base, ledger };
    const verdict = ledgerGuards(ledger, c.policy.guards, now());
    if (!verdict.pass) {
      await refuseOnLedger(run, held, ledger, verdict);
      await release(run, held);
      return undefined;
    }
    return held;
  } catch (error) {
    await release(run, base);
    throw error;
  }
}

/** An exhausted budget asks for a person once per window (when enforcing); anything else is a skip. */
async function refuseOnLedger(run: Run, h: Held, ledger: JobLedger, verdict: Skip): Promise<void> {
  const windowMs = h.policy.guards.budget.windowSeconds * 1000;
  const escalatedRecently = (ledger.escalatedAtMs ?? Number.NEGATIVE_INFINITY) > run.deps.now() - windowMs;
  if (verdict.code === 'budget-exhausted' && h.mode === 'enforce' && !escalatedRecently)
    await escalate(run, h, {
      outcome: 'gave-up',
      title: `${capital(verb(h))} budget for ${h.event.data.resource.name} exhausted, giving up`,
      reason: `${verdict.reason}; giving up, a person is needed`,
    });
  else await skipClaimed(run, h, verdict);
}

/**
 * The blast radius over everything this run holds: when too many jobs would be acted on at once, none is.
 * Returns the findings that may act; the others are skipped and their leases handed back.
 */
export async function limitBlastRadius(run: Run, held: Held[]): Promise<Held[]> {
  const verdicts = blastRadiusVerdicts(
    held.map((h) => ({
      targetId: h.event.data.targetId,
      jobKey: h.event.data.resource.key,
      ...(h.facts.targetJobCount === undefined ? {} : { targetJobCount: h.facts.targetJobCount }),
    })),
    run.remediation.blastRadius,
  );
  const acting: Held[] = [];
  for (const [i, h] of held.entries()) {
    const verdict = verdicts[i] ?? { pass: true };
    if (verdict.pass) {
      acting.push(h);
      continue;
    }
    try {
      await skipClaimed(run, h, verdict);
    } catch (error) {
      fail(run, h, error);
    } finally {
      await release(run, h);
    }
  }
  return acting;
}
