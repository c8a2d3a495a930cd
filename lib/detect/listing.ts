/**
 * The listing guard: whether jobs missing from a snapshot may count as gone. A listing that silently drops
 * jobs (an answer the schema accepted, a vendor glitch) must not resolve their incidents; when many known
 * jobs vanish at once and no reported total confirms it, the snapshot is treated as incomplete instead.
 */
import type { CollectionError, TargetSnapshot } from '../model/snapshot.js';
import type { Rules } from './config.js';

/** Operation named by the guard's finding (it shows in `source.unreachable`). */
export const MASS_DISAPPEARANCE_OPERATION = 'job listing';

/**
 * An `incomplete` collection error when more than `maxVanishedShare` of the known jobs (at least
 * `minKnownJobs` of them) are missing from a complete snapshot whose listings no reported total confirmed;
 * undefined when the jobs may be treated as gone (or the snapshot is incomplete anyway).
 */
export function massDisappearance(
  previous: ReadonlyMap<string, unknown>,
  snapshot: TargetSnapshot,
  rules: Rules['massDisappearance'],
): CollectionError | undefined {
  if (!rules.enabled || !snapshot.complete || snapshot.confirmedByTotals === true) return undefined;
  const listed = new Set<string>();
  for (const job of snapshot.jobs) listed.add(job.key);
  let known = 0;
  let vanished = 0;
  // forEach, not for-of over entries: no [key, state] pair per stored state.
  previous.forEach((state, key) => {
    if ((state as { ref?: { kind?: unknown } } | undefined)?.ref?.kind !== 'job') return;
    known++;
    if (!listed.has(key)) vanished++;
  });
  if (known < rules.minKnownJobs || vanished <= known * rules.maxVanishedShare) return undefined;
  return {
    kind: 'incomplete',
    operation: MASS_DISAPPEARANCE_OPERATION,
    message: `${vanished} of ${known} known jobs vanished in one poll and no reported total confirms it; they are kept as they were, not resolved (rules.massDisappearance.maxVanishedShare ${rules.maxVanishedShare})`,
    atMs: snapshot.collectedAtMs,
  };
}
