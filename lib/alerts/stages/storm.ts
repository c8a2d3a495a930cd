/**
 * Stage "storm" (flush): per route and receiver, the groups with something to say, most severe and
 * oldest first; beyond the route's storm cap, the rest are folded into one digest message (the cap counts
 * the digest), so an outage across hundreds of jobs is a handful of messages, not hundreds.
 */
import type { Candidate } from './dedup.js';
import { SEVERITY_RANK } from './dedup.js';

/** Candidates per route and receiver, in the order they were given. */
export function batchByRoute(candidates: readonly Candidate[]): Candidate[][] {
  const byRoute = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const key = `${c.route.id}|${c.item.data.receiver}`;
    const list = byRoute.get(key) ?? [];
    list.push(c);
    byRoute.set(key, list);
  }
  return [...byRoute.values()];
}

const mostSevere = (c: Candidate) => Math.min(...c.firing.map((f) => SEVERITY_RANK[f.severity]), 3);

/** Splits one route's candidates into those sent on their own and those folded into the digest. */
export function stormSplit(
  candidates: readonly Candidate[],
  cap: number,
): { individual: Candidate[]; folded: Candidate[] } {
  const sorted = [...candidates].sort(
    (a, b) => mostSevere(a) - mostSevere(b) || a.item.data.createdAtMs - b.item.data.createdAtMs,
  );
  if (sorted.length <= cap) return { individual: sorted, folded: [] };
  return { individual: sorted.slice(0, cap - 1), folded: sorted.slice(cap - 1) };
}
