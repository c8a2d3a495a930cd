/**
 * Stopping is not a vendor outage: calls cut short by Ctrl-C or --duration must not become
 * source.unreachable findings (they did on 3 of 4 `start --duration 5` runs).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/load.js';
import { ALL_EMULATORS } from '../../lib/providers/emulators.js';
import type { PollReport } from '../../lib/runtime/pipeline.js';
import { createSimClock } from '../../lib/sandbox/clock.js';
import { type Sandbox, startSandbox } from '../../lib/sandbox/server.js';
import { createLocalStore } from '../../lib/state/local.js';
import { sandboxPipeline, startQuietRuntime, watchPublished } from './helpers.js';

let sandbox: Sandbox;
const clock = createSimClock({ startMs: Date.UTC(2030, 0, 1), speed: 0 });

beforeAll(async () => {
  // Every vendor call takes 1.5 s, so the stop below always lands while calls are in flight.
  sandbox = await startSandbox({ plugins: ALL_EMULATORS, scenario: 'demo', clock, latencyMs: 1_500 });
});
afterAll(async () => sandbox.stop());

it('a stop during a poll publishes nothing, persists nothing and reports nothing', async () => {
  const local = await createLocalStore({ now: clock.now });
  const config = parseConfig({ targets: sandbox.targets() }, 'test');
  const published: string[] = [];
  const pipeline = sandboxPipeline({ config, store: local.store, now: clock.now });
  watchPublished(pipeline, (events) => published.push(...events.map((e) => e.data.type)));
  const reports: PollReport[] = [];
  const runtime = await startQuietRuntime(config, pipeline, {
    pollEveryMs: 60_000,
    flushEveryMs: 60_000,
    onReport: (report) => reports.push(report),
  });
  await new Promise((resolveSoon) => setTimeout(resolveSoon, 300));
  await runtime.stop();
  try {
    expect(published).toEqual([]);
    expect(reports).toEqual([]);
    for (const target of config.targets) expect(await local.store.query(`detect#${target.id}`)).toEqual([]);
  } finally {
    await local.store.close();
    await local.stop();
  }
});
