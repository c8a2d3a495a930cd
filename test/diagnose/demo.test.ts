/**
 * End to end in the sandbox: the demo's failures, collected over real sockets from the emulators and run
 * through detection on simulated time, carry `data.diagnosis` with the categories their errors say.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { JobwatchEvent } from '../../lib/events/index.js';
import { alibabaBlinkProvider } from '../../lib/providers/alibaba-blink/index.js';
import {
  alibabaBlinkSandboxPlugin,
  LOOP_FIRST_TRACE,
  LOOP_RESTART_TRACE,
} from '../../lib/providers/alibaba-blink/sandbox.js';
import { closeHuaweiClients } from '../../lib/providers/huawei/index.js';
import { huaweiDliProvider } from '../../lib/providers/huawei-dli/index.js';
import { huaweiDliSandboxPlugin } from '../../lib/providers/huawei-dli/sandbox.js';
import { startProviderHarness, T0 } from '../providers/harness.js';

afterAll(() => closeHuaweiClients());

/** Polls the demo every 5 s of simulated time, as the demo does, and keeps every firing event. */
async function demoEvents(
  provider: typeof alibabaBlinkProvider | typeof huaweiDliProvider,
  plugin: typeof alibabaBlinkSandboxPlugin | typeof huaweiDliSandboxPlugin,
  seconds: number,
): Promise<JobwatchEvent[]> {
  const h = await startProviderHarness(provider, plugin, { scenario: 'demo' });
  const firing: JobwatchEvent[] = [];
  try {
    for (let s = 0; s <= seconds; s += 5) {
      h.clock.set(T0 + s * 1000);
      const { events } = await h.poll();
      firing.push(...events.filter((e) => e.data.status === 'firing'));
    }
  } finally {
    await h.stop();
  }
  return firing;
}

const category = (events: JobwatchEvent[], type: string, name: string) =>
  events.find((e) => e.data.type === type && e.data.resource.name === name)?.data.diagnosis?.category;

describe('the demo explains its failures', () => {
  it('Blink: a refused connection, an out-of-memory loop and failing checkpoints', async () => {
    const events = await demoEvents(alibabaBlinkProvider, alibabaBlinkSandboxPlugin, 120);
    expect(category(events, 'job.failed', 'payments_agg')).toBe('network');
    expect(category(events, 'failover.burst', 'clicks_sessionize')).toBe('out-of-memory');
    expect(category(events, 'checkpoint.failed', 'inventory_sync')).toBe('checkpoint');
    const jobEvents = events.filter((e) => e.data.resource.kind === 'job');
    expect(jobEvents.length).toBeGreaterThan(0);
    for (const event of jobEvents) expect(event.data.diagnosis, event.data.title).toBeDefined();
  });

  it('Blink: the root cause of the scripted failover loop is its first exception, not the latest wrapper', async () => {
    const events = await demoEvents(alibabaBlinkProvider, alibabaBlinkSandboxPlugin, 120);
    const burst = events.find(
      (e) => e.data.type === 'failover.burst' && e.data.resource.name === 'clicks_sessionize',
    );
    const firstHeader = LOOP_FIRST_TRACE.split('\n')[0] as string;
    expect(burst?.data.diagnosis?.rootCause?.split('\n')[0]).toBe(firstHeader);
    // The latest failover is the restart's wrapper, which the event's own summary still reports.
    expect(burst?.data.values['lastFailoverError']).toContain(LOOP_RESTART_TRACE.split(':')[0]);
    expect(burst?.data.diagnosis?.summary).toMatch(
      /^\d+ failovers in 10 min, 1 of \d+ like the first: Java heap exhausted/,
    );
  });

  it('DLI: a refused sink connection, a missing table, a disk quota and an out-of-memory crash loop', async () => {
    const events = await demoEvents(huaweiDliProvider, huaweiDliSandboxPlugin, 90);
    const byJob = Object.fromEntries(
      events
        .filter((e) => e.data.type === 'job.failed')
        .map((e) => [e.data.resource.name.split('/')[0], e.data.diagnosis?.category]),
    );
    expect(byJob).toEqual({
      'clickstream-agg': 'network',
      sql_queue: 'source-sink-missing',
      'daily-report': 'resources',
      'payments-enrich': 'out-of-memory',
    });
    expect(JSON.stringify(events)).not.toContain('sandbox-flink-secret');
  });
});
