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
 */
import { randomUUID } from 'node:crypto';
import { mapConcurrent } from '../async/concurrent.js';
import type { JobwatchEvent } from '../events/schema.js';
import { act } from './act.js';
import { claim, limitBlastRadius, release } from './claim.js';
import { RemediationIncompleteError } from './errors.js';
import { matchFindings } from './match.js';
import { preflight, skipUnclaimed } from './preflight.js';
import { fail, type Held, type RemediationReport, type RemediatorDeps, startRun } from './run.js';

export type { DecisionSummary, RemediationReport, RemediatorDeps } from './run.js';

export interface Remediator {
  handle(events: JobwatchEvent[]): Promise<RemediationReport>;
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
  return {
    async handle(events) {
      // Each call owns its leases under its own name, so two calls in one process still exclude each other.
      const owner = `${invocationId}#${++handleSeq}-${randomUUID().slice(0, 8)}`;
      const run = startRun(deps, { invocationId, owner });
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
