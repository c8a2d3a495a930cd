import { describe, expect, it } from 'vitest';
import { acknowledgeAlerts } from '../../lib/alerts/acknowledge.js';
import { AckError, ackHistory, ackInputSchema, activeAcks } from '../../lib/alerts/acks.js';
import { createNotifier } from '../../lib/alerts/index.js';
import { CHANNEL_CONFIGS, configWith, jobEvent, resolvedOf, secretsFor, useSinkAndStore } from './helpers.js';

const h = useSinkAndStore();

const ROUTE = {
  receiver: 'webhook',
  groupWaitSeconds: 0,
  groupIntervalSeconds: 300,
  repeatIntervalSeconds: 3600,
};
const config = () =>
  configWith({
    channels: [CHANNEL_CONFIGS.webhook, CHANNEL_CONFIGS.pagerduty],
    route: { ...ROUTE, routes: [{ receiver: 'pagerduty', continue: true }, { receiver: 'webhook' }] },
  });
const notifier = () =>
  createNotifier({
    config: config(),
    ...h.notifierDeps(),
    retry: { baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 2000 },
  });
const sent = (channel: 'webhook' | 'pagerduty') =>
  h.sink.messages.filter((m) => m.channel === channel).length;
const ack = (alert: string, durationMs = 2 * 3600_000, withSecrets = true) =>
  acknowledgeAlerts(
    { store: h.store, config: config(), ...(withSecrets ? { secrets: secretsFor(h.env) } : {}) },
    ackInputSchema.parse({ alert, durationMs, createdBy: 'alice', comment: 'restarting by hand' }),
    'cli',
    h.nowMs,
  );

/** Flushes every 5 minutes for `minutes`. */
async function advance(n: ReturnType<typeof notifier>, minutes: number) {
  for (let i = 0; i < minutes / 5; i++) {
    h.nowMs += 300_000;
    await n.flush();
  }
}

/** A notifier that has sent job `name`'s firing alert. */
async function firingSent(name: string) {
  const n = notifier();
  const a = jobEvent({ name });
  await n.handle([a]);
  await n.flush();
  return { n, a };
}

describe('acknowledged alerts', () => {
  it('an acknowledged firing alert is not repeated until the acknowledgement expires', async () => {
    const { n, a } = await firingSent('etl-ack');
    expect(sent('webhook')).toBe(1);
    await ack(a.data.fingerprint, 2 * 3600_000);
    await advance(n, 115); // past the 1 h repeat interval, inside the 2 h ack
    expect(sent('webhook')).toBe(1);
    await advance(n, 10); // the ack ended: repeats resume
    expect(sent('webhook')).toBe(2);
  });

  it('a new alert in the group and the resolution are still sent', async () => {
    const { n, a } = await firingSent('etl-a');
    await ack('etl-a');
    h.nowMs += 60_000;
    await n.handle([jobEvent({ name: 'etl-b', startsAtMs: h.nowMs })]);
    await advance(n, 5);
    expect(sent('webhook')).toBe(2);
    await n.handle([resolvedOf(a, h.nowMs)]);
    await advance(n, 5);
    expect(sent('webhook')).toBe(3);
  });

  it('holds for one firing episode: the alert firing again later is repeated as usual', async () => {
    const { n, a } = await firingSent('etl-flap');
    await ack(a.data.fingerprint, 6 * 3600_000);
    h.nowMs += 60_000;
    await n.handle([resolvedOf(a, h.nowMs)]);
    await advance(n, 5);
    h.nowMs += 60_000;
    await n.handle([jobEvent({ name: 'etl-flap', startsAtMs: h.nowMs })]);
    await advance(n, 5);
    const before = sent('webhook');
    await advance(n, 65);
    expect(sent('webhook')).toBe(before + 1);
  });

  it('acknowledges every firing alert of a job, logs each, and refuses what does not fire', async () => {
    const n = notifier();
    const failed = jobEvent({ name: 'etl-job' });
    const stuck = jobEvent({ name: 'etl-job', type: 'job.stuck' });
    await n.handle([failed, stuck, jobEvent({ name: 'other' })]);
    const result = await ack('etl-job', 3600_000, false);
    expect(result.acks.map((a) => a.fingerprint).sort()).toEqual(
      [failed.data.fingerprint, stuck.data.fingerprint].sort(),
    );
    expect([...(await activeAcks(h.store, h.nowMs)).keys()].sort()).toEqual(
      [failed.data.fingerprint, stuck.data.fingerprint].sort(),
    );
    expect(await activeAcks(h.store, h.nowMs + 3600_000)).toEqual(new Map());
    const log = await ackHistory(h.store);
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({ createdBy: 'alice', comment: 'restarting by hand', via: 'cli' });
    await expect(ack('no-such-job')).rejects.toThrow(AckError);
  });

  it('is forwarded to PagerDuty as acknowledge for the alerts PagerDuty was told about', async () => {
    const n = notifier();
    const a = jobEvent({ name: 'etl-pd' });
    await n.handle([a]);
    await n.flush();
    expect(h.sink.incidents.pagerduty.get(a.data.fingerprint)).toBe('triggered');
    const result = await ack(a.data.fingerprint);
    expect(result.forwarded).toEqual([{ receiver: 'pagerduty', ok: true }]);
    expect(h.sink.incidents.pagerduty.get(a.data.fingerprint)).toBe('acknowledged');
    expect(sent('pagerduty')).toBe(2);
  });
});

describe('acknowledged alerts in messages', () => {
  const slackConfig = () =>
    configWith({
      channels: [
        {
          ...CHANNEL_CONFIGS.slack,
          interactive: { signingSecret: 'env:SLACK_URL', allow: { ack: ['*'] } },
        },
      ],
      route: { ...ROUTE, receiver: 'slack' },
    });

  it('an acknowledged alert sent again with its group says who works on it, without buttons', async () => {
    const n = createNotifier({
      config: slackConfig(),
      ...h.notifierDeps(),
      retry: { baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 2000 },
    });
    const a = jobEvent({ name: 'etl-acked' });
    await n.handle([a]);
    await n.flush();
    await acknowledgeAlerts(
      { store: h.store, config: slackConfig() },
      ackInputSchema.parse({ alert: a.data.fingerprint, createdBy: 'alice', comment: '' }),
      'slack',
      h.nowMs,
    );
    h.nowMs += 300_000;
    await n.handle([jobEvent({ name: 'etl-new' })]);
    await n.flush();
    await n.close();
    const last = h.sink.messages.filter((m) => m.channel === 'slack').at(-1)?.body as {
      blocks: { type: string; block_id?: string; text?: { text: string } }[];
    };
    const text = JSON.stringify(last.blocks);
    expect(text).toMatch(/✅ \*Acknowledged\* by alice until \d\d:\d\d UTC/);
    const actionBlocks = last.blocks.filter((b) => b.type === 'actions').map((b) => b.block_id);
    expect(actionBlocks).toEqual([`jobwatch:${jobEvent({ name: 'etl-new' }).data.fingerprint}`]);
  });
});
