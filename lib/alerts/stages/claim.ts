/**
 * Stage "claim" (flush): a group is sent under its send lease only. Taking the lease, the group and its
 * log entry are read again and judged again, so of two concurrent invocations only one sends, and a
 * decision made stale by the other (already notified, or nothing left to say) is dropped.
 */
import type { Store } from '../../state/store.js';
import { type Candidate, evaluateGroup, readLogEntry } from './dedup.js';
import { GROUP_PK, type GroupState } from './group.js';
import type { FlushMuter } from './mute.js';

export const sendLeaseName = (groupSk: string) => `alert#send#${groupSk}`;

export interface Claimed {
  /** Candidates whose lease this owner holds, as read and judged under it. */
  held: Candidate[];
  /** Candidates left alone, and why. */
  skipped: { candidate: Candidate; why: string }[];
}

export async function claimGroups(input: {
  store: Store;
  candidates: readonly Candidate[];
  owner: string;
  leaseMs: number;
  /** The clock now, not the flush's start: a digest's leases are taken after the individual sends. */
  now: () => number;
  muter: FlushMuter;
  nowMs: number;
}): Promise<Claimed> {
  const { store, owner } = input;
  const claimed: Claimed = { held: [], skipped: [] };
  for (const c of input.candidates) {
    const lease = await store.acquireLease(sendLeaseName(c.item.sk), owner, input.leaseMs, input.now());
    if (!lease.acquired) {
      claimed.skipped.push({ candidate: c, why: 'another invocation is sending this group' });
      continue;
    }
    const entry = await readLogEntry(store, c.item.data);
    const group = await store.get<GroupState>(GROUP_PK, c.item.sk, { consistent: true });
    const fresh = group
      ? evaluateGroup({
          group: group.data,
          entry: entry?.data,
          muter: input.muter,
          sendResolved: c.channel.sendResolved,
          repeatIntervalMs: c.route.options.repeatIntervalMs,
          nowMs: input.nowMs,
        })
      : undefined;
    if (!group || !fresh?.reason) {
      await store.releaseLease(sendLeaseName(c.item.sk), owner);
      claimed.skipped.push({ candidate: c, why: 'already notified' });
      continue;
    }
    claimed.held.push({ ...c, item: group, entry, ...fresh, reason: fresh.reason });
  }
  return claimed;
}

export async function releaseGroups(store: Store, held: readonly Candidate[], owner: string): Promise<void> {
  await Promise.all(held.map((c) => store.releaseLease(sendLeaseName(c.item.sk), owner)));
}
