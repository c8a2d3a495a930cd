/**
 * Stage "deadletter" (flush, after a send that failed for good): each group carried gets a dead-letter
 * record (what failed, how often; `jobwatch deadletters` lists and replays them) and is tried again at its
 * next group interval. Its log entry is untouched, so the decision to send stands.
 */
import type { Store } from '../../state/store.js';
import type { AlertGroupMessage } from '../channels/types.js';
import { recordDeadLetter } from '../deadletters.js';
import type { Candidate } from './dedup.js';
import { advanceGroup } from './group.js';
import type { SendOutcome } from './send.js';

export async function recordUndelivered(input: {
  store: Store;
  held: readonly Candidate[];
  /** What each group was to be told: its own message, or the digest it was folded into. */
  messageOf: (c: Candidate) => AlertGroupMessage;
  failure: Extract<SendOutcome['result'], { ok: false }>;
  attempts: number;
  nowMs: number;
}): Promise<void> {
  const { store, nowMs } = input;
  await recordDeadLetter(store, {
    groups: input.held.map((c) => ({
      sk: c.item.sk,
      receiver: c.item.data.receiver,
      groupKey: c.item.data.groupKey,
      message: input.messageOf(c),
    })),
    failure: input.failure,
    attempts: input.attempts,
    nowMs,
  });
  for (const c of input.held)
    await advanceGroup(store, c.item.sk, new Map(), nowMs + c.route.options.groupIntervalMs);
}
