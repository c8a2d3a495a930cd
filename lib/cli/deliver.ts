import { GROUP_PK } from '../alerts/index.js';
import type { GroupState } from '../alerts/notifier.js';
import { sleep } from '../async/sleep.js';
import type { LocalPipeline } from '../runtime/services.js';
import type { Store } from '../state/store.js';
import { clockTime, humanDuration } from './output.js';

/** A one-shot run waits at most this long for group_wait; a longer hold is reported, not waited out. */
const MAX_WAIT_MS = 5 * 60_000;
/** Remediation decisions are new events with their own group_wait: a few rounds reach a quiet state. */
const MAX_ROUNDS = 4;

/**
 * `poll --once --deliver`: the events were published; now send what the routes hold. Alerts wait for their
 * group_wait, and a process that exits first would deliver nothing, so this waits for them (or, with
 * `holdOnly`, says plainly what is held and until when).
 */
export async function deliverHeld(options: {
  pipeline: LocalPipeline;
  store: Store;
  now: () => number;
  /** How to let time pass (a simulated clock advances); real sleep by default. */
  wait?: ((ms: number) => Promise<void>) | undefined;
  holdOnly: boolean;
  say: (line: string) => void;
}): Promise<{ sent: number; failed: number; held: number }> {
  const { pipeline, store, now, say } = options;
  const wait = options.wait ?? ((ms: number) => sleep(ms));
  let sent = 0;
  let failed = 0;
  const startedMs = now();
  /** Groups this run already decided about (sent, failed, muted): their next turn is group_interval's. */
  const handled = new Set<string>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    await pipeline.settle();
    const report = await pipeline.notifier.flush();
    sent += report.sent;
    failed += report.failed + report.deadLettered;
    for (const detail of report.details) handled.add(`${detail.receiver}#${detail.groupKey}`);
    for (const detail of report.details)
      if (detail.outcome === 'failed' || detail.outcome === 'dead-lettered')
        say(`deliver  ${detail.receiver}: not sent: ${detail.error ?? detail.reason ?? 'unknown reason'}`);
    // Only groups this run opened and has not sent yet: older groups wait for their group_interval,
    // which is the running monitor's business, not a one-shot's.
    const pending = (await store.query<GroupState>(GROUP_PK, { consistent: true })).filter(
      (g) =>
        g.data.createdAtMs >= startedMs - 1000 &&
        !handled.has(`${g.data.receiver}#${g.data.groupKey}`) &&
        Object.keys(g.data.alerts).length > 0,
    );
    const nowMs = now();
    const later = pending.filter((g) => g.data.nextFlushAtMs > nowMs);
    if (later.length === 0) break;
    const dueMs = Math.min(...later.map((g) => g.data.nextFlushAtMs));
    const waitMs = dueMs - nowMs;
    if (options.holdOnly || waitMs > MAX_WAIT_MS) {
      say(
        `deliver  held: ${later.length} alert group(s) wait for their route's group_wait until ${clockTime(dueMs)} (in ${humanDuration(waitMs)}); ` +
          `'jobwatch start' sends them then${options.holdOnly ? ', or run without --no-wait' : ''}`,
      );
      return { sent, failed, held: later.length };
    }
    say(`deliver  waiting ${humanDuration(waitMs)} for group_wait (${later.length} alert group(s))...`);
    await wait(waitMs + 50);
  }
  say(`deliver  ${sent} message(s) sent${failed ? `, ${failed} failed` : ''}`);
  return { sent, failed, held: 0 };
}
