/**
 * The dead man's switch: one target's polls stop on an injected clock while the others go on; the flush's
 * heartbeat check must raise exactly one monitor.stale for it, and resolve it once its polls resume.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/load.js';
import type { JobwatchEvent } from '../../lib/events/schema.js';
import { ALL_EMULATORS } from '../../lib/providers/emulators.js';
import { createSimClock } from '../../lib/sandbox/clock.js';
import { type Sandbox, startSandbox } from '../../lib/sandbox/server.js';
import { createLocalStore } from '../../lib/state/local.js';
import { readStatus } from '../../lib/status/status.js';
import { sandboxPipeline, startQuietRuntime, watchPublished } from './helpers.js';

const MINUTE = 60_000;
let sandbox: Sandbox;
let local: Awaited<ReturnType<typeof createLocalStore>>;
const clock = createSimClock({ startMs: Date.UTC(2030, 0, 1), speed: 0 });

beforeAll(async () => {
  sandbox = await startSandbox({ plugins: ALL_EMULATORS, scenario: 'demo', clock });
  local = await createLocalStore({ now: clock.now });
});
afterAll(async () => {
  await local?.store.close();
  await local?.stop();
  await sandbox?.stop();
});

it('a target whose polls stop fires monitor.stale once, and resolves once when they resume', async () => {
  const config = parseConfig({ defaults: { pollIntervalSeconds: 60 }, targets: sandbox.targets() }, 'test');
  const pipeline = sandboxPipeline({ config, store: local.store, now: clock.now });
  const stale: JobwatchEvent[] = [];
  watchPublished(pipeline, (events) => stale.push(...events.filter((e) => e.data.type === 'monitor.stale')));
  const ids = config.targets.map((t) => t.id);
  const quiet = ids[0] as string;
  expect(ids.length).toBeGreaterThan(1);

  // Minute by minute, like the schedules and the flush function: 10 quiet minutes, then 5 normal ones.
  for (let minute = 0; minute < 16; minute++) {
    const polled = minute === 0 || minute > 10 ? ids : ids.filter((id) => id !== quiet);
    await pipeline.poll(polled);
    await pipeline.checkStale();
    await pipeline.settle();
    if (minute === 6) {
      const status = await readStatus({ config, store: local.store, nowMs: clock.now() });
      expect(status.targets.find((t) => t.id === quiet)?.stale).toBe(true);
    }
    clock.advance(MINUTE);
  }

  expect(stale.map((e) => `${e.data.status} ${e.data.targetId}`)).toEqual([
    `firing ${quiet}`,
    `resolved ${quiet}`,
  ]);
  const [firing, resolved] = stale as [JobwatchEvent, JobwatchEvent];
  expect(firing.data.fingerprint).toBe(resolved.data.fingerprint);
  expect(firing.data.severity).toBe('critical');
  // Quiet after minute 0's poll; more than 3 intervals later is the 4th minute's flush.
  expect(firing.data.startsAtMs).toBe(Date.UTC(2030, 0, 1) + 3 * MINUTE);
  expect(resolved.data.endsAtMs).toBe(Date.UTC(2030, 0, 1) + 11 * MINUTE);
  const after = await readStatus({ config, store: local.store, nowMs: clock.now() });
  expect(after.targets.every((t) => !t.stale)).toBe(true);
}, 60_000);

it("the local runtime's flush timer runs the same switch", async () => {
  const store = await createLocalStore({ now: clock.now });
  const config = parseConfig({ defaults: { pollIntervalSeconds: 60 }, targets: sandbox.targets() }, 'test');
  const pipeline = sandboxPipeline({ config, store: store.store, now: clock.now });
  const stale: string[] = [];
  watchPublished(pipeline, (events) => {
    for (const e of events)
      if (e.data.type === 'monitor.stale') stale.push(`${e.data.status} ${e.data.targetId}`);
  });
  // Each target is polled once at start; then its schedule (an hour of wall time) never comes.
  const runtime = await startQuietRuntime(config, pipeline, { pollEveryMs: 3_600_000, flushEveryMs: 50 });
  try {
    const deadline = Date.now() + 20_000;
    while (
      (await readStatus({ config, store: store.store, nowMs: clock.now() })).targets.some((t) => t.stale)
    ) {
      if (Date.now() > deadline) throw new Error('the first polls did not finish');
      await new Promise((r) => setTimeout(r, 50));
    }
    clock.advance(10 * MINUTE);
    while (stale.length < config.targets.length) {
      if (Date.now() > deadline) throw new Error(`monitor.stale did not fire for every target: ${stale}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Several more flushes: still one firing per target.
    await new Promise((r) => setTimeout(r, 300));
    expect(stale.sort()).toEqual(config.targets.map((t) => `firing ${t.id}`).sort());
  } finally {
    await runtime.stop();
    await store.store.close();
    await store.stop();
  }
}, 60_000);
