/**
 * The remediation executor: findings in, decisions out. It is a composition of stages, each in its own
 * module, run in one order for every finding, so no action can skip a guardrail:
 *
 *   match      (match.ts)     a policy for each firing finding; resolves remembered, deferred findings due again
 *   guards     (preflight.ts) fresh, not resolved, actionable, event guards (state, auto-restart, persistence, window)
 *   claim      (claim.ts)     the finding (idempotency), the job lease, ledger guards (budget, cooldown), blast radius
 *   act        (act.ts)       dry run, or: a fresh vendor read that must still match, then the vendor action
 *   verify     (verify.ts)    verified, retry within the budget after a backoff, or give up and ask for a person
 *   audit      (decision.ts)  every decision to the audit trail, then as one `remediation.*` event
 *
 * A policy in approval mode stops at act: it records the request (approval.ts) and asks; a person's Approve
 * runs the stored finding through the same stages again, once (approve.ts).
 */
import { randomUUID } from 'node:crypto';
import { mapConcurrent } from '../async/concurrent.js';
import type { JobwatchEvent } from '../events/schema.js';
import { act } from './act.js';
import { type ApprovalAnswer, type ApprovalVerdict, answerApproval, runApproved } from './approve.js';
import { claim, limitBlastRadius, release } from './claim.js';
import { RemediationIncompleteError } from './errors.js';
import { matchFindings } from './match.js';
import { preflight, skipUnclaimed } from './preflight.js';
import { fail, type Held, type RemediationReport, type RemediatorDeps, startRun } from './run.js';

export type { DecisionSummary, RemediationReport, RemediatorDeps } from './run.js';

export interface Remediator {
  handle(events: JobwatchEvent[]): Promise<RemediationReport>;
  /** A person's Approve or Reject of an action waiting for approval (policy `approval: required`). */
  answerApproval(input: { id: string; verdict: ApprovalVerdict; by: string }): Promise<ApprovalAnswer>;
  /** Runs an approved action through every stage, once however often it is called; the run's report. */
  runApproved(id: string): Promise<RemediationReport>;
}

const ACT_CONCURRENCY = 4;

/**
 * Creates the remediator. It is provider-agnostic: it only calls `Provider.actions`.
 *
 * @example
 * const remediator = createRemediator({ config, store, providers, publish, secrets, logger, now: Date.now });
 * const report = await remediator.handle(events);
 */
export function createRemediator(deps: RemediatorDeps): Remediator {
  const invocationId = deps.invocationId ?? randomUUID();
  let handleSeq = 0;
  // Each call owns its leases under its own name, so two calls in one process still exclude each other.
  const newRun = () =>
    startRun(deps, { invocationId, owner: `${invocationId}#${++handleSeq}-${randomUUID().slice(0, 8)}` });
  return {
    answerApproval: (input) => answerApproval(newRun(), input),
    async runApproved(id) {
      const run = newRun();
      await runApproved(run, id);
      if (run.errors.length > 0) throw new RemediationIncompleteError(run.report, run.errors);
      return run.report;
    },
    async handle(events) {
      const run = newRun();
      run.report.received = events.length;
      const candidates = await matchFindings(run, events);

      const held: Held[] = [];
      const jobsThisRun = new Set<string>();
      for (const c of candidates) {
        try {
          const verdict = await preflight(run, c);
          if (!verdict.pass) {
            await skipUnclaimed(run, c, verdict);
            continue;
          }
          const h = await claim(run, c, jobsThisRun);
          if (h) held.push(h);
        } catch (error) {
          fail(run, c, error);
        }
      }

      const acting = await limitBlastRadius(run, held);
      await mapConcurrent(acting, ACT_CONCURRENCY, async (h) => {
        try {
          await act(run, h);
        } catch (error) {
          fail(run, h, error);
        } finally {
          await release(run, h);
        }
      });

      if (run.errors.length > 0) throw new RemediationIncompleteError(run.report, run.errors);
      return run.report;
    },
  };
}
