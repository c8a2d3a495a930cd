/** Escalation (issue 19 item 6): critical, not acknowledged within N minutes -> also X, then Y after M. */
import { describe, expect, it } from 'vitest';
import { acknowledgeAlerts } from '../../lib/alerts/acknowledge.js';
import { ackInputSchema } from '../../lib/alerts/acks.js';
import { createNotifier } from '../../lib/alerts/index.js';
import { ConfigError, parseConfig } from '../../lib/config/load.js';
import { CHANNEL_CONFIGS, configWith, jobEvent, resolvedOf, useSinkAndStore } from './helpers.js';

const h = useSinkAndStore();

const CHANNELS = [CHANNEL_CONFIGS.slack, CHANNEL_CONFIGS.pagerduty, CHANNEL_CONFIGS.webhook];
const ROUTE = {
  receiver: 'slack',
  groupWaitSeconds: 0,
  groupIntervalSeconds: 300,
  repeatIntervalSeconds: 24 * 3600,
  escalate: [
    { afterMinutes: 15, receiver: 'pagerduty' },
    { afterMinutes: 45, receiver: 'webhook' },
  ],
};
const config = () => configWith({ channels: CHANNELS, route: ROUTE });
const notifier = () =>
  createNotifier({
    config: config(),
    ...h.notifierDeps(),
    retry: { baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 10 },
  });
const sent = (channel: string) => h.sink.messages.filter((m) => m.channel === channel).length;

/** Flushes once a minute for `minutes`, as the scheduled flush does. */
async function minutes(notifiers: ReturnType<typeof notifier>[], n: number) {
  for (let i = 0; i < n; i++) {
    h.nowMs += 60_000;
    for (const x of notifiers) await x.flush();
  }
}

describe('escalation', () => {
  it('escalates a critical alert nobody acknowledged: X after 15 min, Y after 45, each once, across restarts', async () => {
    const first = notifier();
    await first.handle([jobEvent({ name: 'etl-esc' })]);
    expect(sent('slack')).toBe(1);
    await minutes([first], 14);
    expect(sent('pagerduty')).toBe(0);
    await minutes([first], 1);
    expect(sent('pagerduty')).toBe(1);
    // A new notifier (a Lambda restart) and a second concurrent flusher: the store keeps the steps.
    const second = notifier();
    const third = notifier();
    await minutes([second, third], 29);
    expect(sent('pagerduty')).toBe(1);
    expect(sent('webhook')).toBe(0);
    await minutes([second, third], 1);
    expect([sent('pagerduty'), sent('webhook'), sent('slack')]).toEqual([1, 1, 1]);
    await minutes([second], 120);
    expect([sent('pagerduty'), sent('webhook')]).toEqual([1, 1]);
  });

  it('stops when acknowledged, does nothing for warnings, and stops when the alert resolves', async () => {
    const n = notifier();
    const acked = jobEvent({ name: 'etl-acked' });
    const warning = jobEvent({ name: 'etl-warn', severity: 'warning' });
    const resolving = jobEvent({ name: 'etl-resolving' });
    await n.handle([acked, warning, resolving]);
    await minutes([n], 10);
    await acknowledgeAlerts(
      { store: h.store, config: config() },
      ackInputSchema.parse({
        alert: acked.data.fingerprint,
        durationMs: 4 * 3600_000,
        createdBy: 'ana',
        comment: '',
      }),
      'cli',
      h.nowMs,
    );
    await n.handle([resolvedOf(resolving, h.nowMs)]);
    await minutes([n], 60);
    expect(sent('pagerduty')).toBe(0);
    expect(sent('webhook')).toBe(0);
  });

  it('a failed escalation is sent again on the next flush', async () => {
    const n = createNotifier({
      config: config(),
      ...h.notifierDeps(),
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 10 },
    });
    await n.handle([jobEvent({ name: 'etl-retry' })]);
    await minutes([n], 14);
    h.sink.failNext('pagerduty', 2, 503);
    const report = await (async () => {
      h.nowMs += 60_000;
      return n.flush();
    })();
    expect(report.details.some((d) => d.reason === 'escalation' && d.outcome === 'failed')).toBe(true);
    expect(sent('pagerduty')).toBe(0);
    await minutes([n], 1);
    expect(sent('pagerduty')).toBe(1);
  });

  it('refuses an escalation to an unknown receiver or out of order, naming the field', () => {
    const load = (escalate: unknown) => () =>
      parseConfig({ channels: CHANNELS, route: { receiver: 'slack', escalate } }, 'test');
    expect(load([{ afterMinutes: 15, receiver: 'nobody' }])).toThrow(ConfigError);
    expect(load([{ afterMinutes: 15, receiver: 'nobody' }])).toThrow(
      /route\.escalate\[0\]\.receiver: no channel named 'nobody'/,
    );
    expect(
      load([
        { afterMinutes: 30, receiver: 'pagerduty' },
        { afterMinutes: 15, receiver: 'webhook' },
      ]),
    ).toThrow(/route\.escalate\[1\]\.afterMinutes: escalation steps go in order: 15 is not after 30/);
  });
});
