/**
 * Issue 17: a steady-state poll (nothing new at the vendor) writes at most the heartbeat per target.
 * Detection used to rewrite every pending or firing condition each poll because its `seen` counter moved,
 * and every running job each poll because its last completed checkpoint id moved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/load.js';
import { ALL_EMULATORS } from '../../lib/providers/emulators.js';
import type { PollReport } from '../../lib/runtime/pipeline.js';
import { createSimClock, type SimClock } from '../../lib/sandbox/clock.js';
import { type Sandbox, startSandbox } from '../../lib/sandbox/server.js';
import { createLocalStore } from '../../lib/state/local.js';
import type { PutInput, Store, WriteCondition } from '../../lib/state/store.js';
import { sandboxPipeline } from './helpers.js';

/** Counts every item the store is asked to write or delete, by partition key (`detect#<target>`, `status#poll`). */
function countingStore(store: Store): { store: Store; writes: Map<string, number>; reset(): void } {
  const writes = new Map<string, number>();
  const count = (pk: string) => writes.set(pk, (writes.get(pk) ?? 0) + 1);
  const counted: Store = Object.create(store);
  counted.put = <T>(item: PutInput<T>, condition?: WriteCondition) => {
    count(item.pk);
    return store.put(item, condition);
  };
  counted.putMany = <T>(items: PutInput<T>[]) => {
    for (const item of items) count(item.pk);
    return store.putMany(items);
  };
  counted.delete = (pk: string, sk: string, condition?: { ifVersion: number }) => {
    count(pk);
    return store.delete(pk, sk, condition);
  };
  return { store: counted, writes, reset: () => writes.clear() };
}

const FLEET = {
  blinkJobs: 200,
  dliFlinkJobs: 200,
  dliSparkJobs: 50,
  dliSqlJobs: 100,
  mrsClusters: 2,
  mrsJobs: 200,
};

function steadyFleet(unhealthyPercent: number) {
  const clock: SimClock = createSimClock({ startMs: Date.UTC(2030, 0, 1), speed: 0 });
  let sandbox: Sandbox;
  let local: Awaited<ReturnType<typeof createLocalStore>>;
  beforeAll(async () => {
    sandbox = await startSandbox({
      plugins: ALL_EMULATORS,
      scenario: 'fleet',
      fleet: { ...FLEET, blinkUnhealthyPercent: unhealthyPercent, unhealthyPercent },
      clock,
    });
    local = await createLocalStore({ now: clock.now });
  });
  afterAll(async () => {
    await local.store.close();
    await local.stop();
    await sandbox.stop();
  });
  /** Polls every target `polls` times, `stepMs` apart; returns the last poll's reports and writes. */
  return async (polls: number, stepMs: number) => {
    const config = parseConfig({ targets: sandbox.targets() }, 'test');
    const counting = countingStore(local.store);
    const pipeline = sandboxPipeline({ config, store: counting.store, now: clock.now });
    let reports: PollReport[] = [];
    for (let i = 0; i < polls; i++) {
      if (i > 0) clock.advance(stepMs);
      counting.reset();
      reports = await pipeline.poll();
    }
    const jobs = reports.reduce((n, r) => n + r.jobs, 0);
    const events = reports.reduce((n, r) => n + r.events.length, 0);
    return { targets: config.targets.length, jobs, events, writes: Object.fromEntries(counting.writes) };
  };
}

describe('a fleet with firing and pending conditions, polled again with nothing new at the vendor', () => {
  const poll = steadyFleet(10);
  it('writes only the per-target heartbeat, no detection state', async () => {
    // The vendor world only moves with the clock: polls at the same instant see exactly the same facts.
    const { targets, jobs, events, writes } = await poll(4, 0);
    expect(jobs).toBeGreaterThan(500);
    expect(events).toBe(0);
    expect(writes).toEqual({ 'status#poll': targets });
  });
});

describe('a healthy fleet whose checkpoints advance every minute', () => {
  const poll = steadyFleet(0);
  it('writes no Blink or MRS detection state while running jobs only complete checkpoints or progress', async () => {
    // DLI and Flink fleets move on with time (jobs finish, start): those writes are real changes.
    const { targets, jobs, writes } = await poll(4, 60_000);
    expect(writes['status#poll']).toBe(targets);
    expect(writes['detect#alibaba-blink-sandbox']).toBeUndefined();
    // MRS reports a progress figure that moves every poll; no rule here checks it, so it is not tracked.
    expect(writes['detect#huawei-mrs-sandbox']).toBeUndefined();
    expect(targets).toBeLessThanOrEqual(jobs / 100);
  });
});
