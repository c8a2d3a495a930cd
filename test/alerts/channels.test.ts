import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BuiltInChannelType as ChannelType } from '../../lib/alerts/channels/registry.js';
import {
  CHANNEL_FACTORIES,
  type ChannelConfig,
  channelConfigSchema,
} from '../../lib/alerts/channels/registry.js';
import { classifyStatus } from '../../lib/alerts/channels/shared.js';
import { truncateBytes, truncateRunes } from '../../lib/alerts/channels/text.js';
import type { AlertGroupMessage, Channel } from '../../lib/alerts/channels/types.js';
import { silentLogger } from '../../lib/observability/logger.js';
import { CHAT_SINK_TOKENS, type ChatSink, startChatSink } from '../../lib/sandbox/chat-sink.js';
import {
  CHANNEL_CONFIGS,
  groupMessage,
  jobEvent,
  resolvedOf,
  SINK_SECRETS,
  secretsFor,
  sinkEnv,
  T0,
  UNPACED_SINK_RATES,
} from './helpers.js';

const TYPES = Object.keys(CHANNEL_FACTORIES) as ChannelType[];
/** Receivers that take one event per alert (keyed by fingerprint) instead of one message per group. */
const INCIDENT_TOOLS = new Set<ChannelType>(['pagerduty', 'opsgenie']);

const message = (events = [jobEvent({ name: 'etl-orders' })], extra: Partial<AlertGroupMessage> = {}) =>
  groupMessage(events, extra);

function channelFor(
  type: ChannelType,
  env: NodeJS.ProcessEnv,
  overrides: Record<string, unknown> = {},
): Channel {
  const config = channelConfigSchema.parse({ ...CHANNEL_CONFIGS[type], ...overrides }) as ChannelConfig;
  return (CHANNEL_FACTORIES[type] as (c: ChannelConfig, d: unknown) => Channel)(config, {
    secrets: secretsFor(env),
    logger: silentLogger,
    now: Date.now,
  });
}

/** A port with nothing listening, for transport failures. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Everything secret about a channel: the tokens in its URL and the signing secrets. */
const SECRETS = [...Object.values(CHAT_SINK_TOKENS), ...Object.values(SINK_SECRETS)];

function assertLeaksNoSecret(text: string) {
  for (const secret of SECRETS) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(encodeURIComponent(secret));
  }
  expect(text).not.toMatch(/127\.0\.0\.1:\d+\/(slack|dingtalk|feishu|wecom|webhook|pagerduty|opsgenie)/);
}

let sink: ChatSink;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  // A generous Slack rate so the table tests do not wait; the pacing test below uses the real rate.
  sink = await startChatSink({ secrets: SINK_SECRETS, rateLimits: UNPACED_SINK_RATES });
  env = sinkEnv(sink);
});
afterAll(async () => sink.stop());
beforeEach(() => sink.clear());

describe.each(TYPES)('channel conformance: %s', (type) => {
  /** Sends one message through a channel built on `channelEnv`: it must fail, its error leaking no secret. */
  async function failedSend(channelEnv: NodeJS.ProcessEnv) {
    const channel = channelFor(type, channelEnv);
    const result = await channel.notify(message());
    await channel.close?.();
    expect(result.ok).toBe(false);
    if (result.ok) throw new Error('the send was expected to fail');
    assertLeaksNoSecret(result.error);
    return result;
  }

  it('delivers a grouped message with firing and resolved sections the vendor accepts', async () => {
    // Prepare
    const firing = jobEvent({ name: 'etl-orders' });
    const resolved = resolvedOf(jobEvent({ name: 'etl-users' }), T0 + 60_000);
    const channel = channelFor(type, env);
    // Act
    const result = await channel.notify(message([firing, resolved]));
    // Assess
    expect(result).toEqual({ ok: true });
    if (INCIDENT_TOOLS.has(type)) {
      // One event per alert: the firing one opens (or joins) an incident under its fingerprint, the
      // resolved one closes its own; the payloads carry the facts the chat channels render.
      expect(sink.messages.map((m) => m.channel)).toEqual([type, type]);
      const [open, close] = sink.messages.map((m) => JSON.stringify(m.body));
      expect(open).toContain(firing.data.fingerprint);
      expect(open).toContain('etl-orders');
      expect(open).toContain('restarts 2/5');
      expect(open).toContain('RuntimeException');
      expect(open).toContain('https://realtime-compute.console.aliyun.com/job/1');
      expect(close).toContain(resolved.data.fingerprint);
      expect(sink.incidents[type as 'pagerduty' | 'opsgenie'].get(firing.data.fingerprint)).toBe('triggered');
      await channel.close?.();
      return;
    }
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]?.channel).toBe(type);
    const text = JSON.stringify(sink.messages[0]?.body);
    expect(text).toContain('etl-orders');
    expect(text).toContain('etl-users');
    if (type !== 'webhook') {
      expect(text).toMatch(/Firing \(1\)/);
      expect(text).toMatch(/Resolved \(1\)/);
      expect(text).toContain('restarts 2/5');
      expect(text).toContain('RuntimeException');
      expect(text).toContain('https://realtime-compute.console.aliyun.com/job/1');
    }
    await channel.close?.();
  });

  it.each([
    // 5xx: the vendor failed; the same request can succeed later.
    [500, true],
    [502, true],
    [503, true],
    // 429: throttled; retry after the vendor's Retry-After.
    [429, true],
    // 408: the vendor timed out waiting for us.
    [408, true],
    // Other 4xx: our request is wrong (bad token, bad payload); retrying cannot help.
    [400, false],
    [403, false],
    [404, false],
  ])('HTTP %i -> retry %s', async (status, retry) => {
    sink.failNext(type, 1, status, status === 429 ? 3 : undefined);
    const result = await failedSend(env);
    expect(result.retry).toBe(retry);
    expect(result.status).toBe(status);
    if (status === 429) expect(result.retryAfterMs).toBe(3000);
  });

  it('leaks no secret when the connection fails', async () => {
    const port = await closedPort();
    const broken = { ...env };
    for (const key of Object.keys(broken))
      broken[key] = String(broken[key]).replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`);
    const result = await failedSend(broken);
    expect(result.retry).toBe(true);
  });

  it('leaks no secret when the vendor rejects the request', async () => {
    const wrong: NodeJS.ProcessEnv = {
      ...env,
      DINGTALK_SECRET: 'SECwrong-secret',
      FEISHU_SECRET: 'wrong-secret',
      WEBHOOK_SECRET: 'wrong-secret',
      PAGERDUTY_ROUTING_KEY: 'wrong-secret-routing-key-0123456',
      OPSGENIE_API_KEY: 'wrong-secret-genie-key',
    };
    for (const key of ['SLACK_URL', 'WECOM_URL']) wrong[key] = String(env[key]).replace(/sink/g, 'sonk');
    const result = await failedSend(wrong);
    expect(result.retry).toBe(false);
    expect(result.error).not.toMatch(/sonk|wrong-secret/);
  });

  it('escapes what it embeds: a job named <!channel> or @all pings nobody and breaks nothing', async () => {
    const evil = jobEvent({
      name: '<!channel> @all <@U123> <at id=all></at> **x** [click](http://evil) # head',
      summary: '@here & <b>bold</b> `tick`',
      values: { lastError: '<!here> @all ```code```' },
    });
    const channel = channelFor(type, env);
    const result = await channel.notify(message([evil]));
    expect(result).toEqual({ ok: true });
    const body = sink.messages[0]?.body;
    const text = JSON.stringify(body);
    if (type === 'webhook') {
      // Machine consumers get the event verbatim (JSON-encoded), not a rendering.
      expect(text).toContain(JSON.stringify(evil.data.resource.name).slice(1, -1));
      return;
    }
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<!here>');
    expect(text).not.toMatch(/@(all|here|U123)/);
    expect(text).not.toContain('<at id=all>');
    expect(text).not.toContain('<@U123>');
    // Slack links are <url|text>; markdown links need an unescaped `](`.
    expect(text).not.toContain('<http://evil');
    if (type !== 'slack') expect(text).not.toMatch(/[^\\]\]\(http:\/\/evil\)/);
    expect(text).not.toContain('<b>');
    if (type === 'dingtalk') expect((body as { at: { isAtAll: boolean } }).at.isAtAll).toBe(false);
  });

  it('stays within the vendor size limits for a huge group, saying how many were left out', async () => {
    const events = Array.from({ length: 80 }, (_, i) =>
      jobEvent({ name: `job-${i}-${'名'.repeat(40)}`, values: { lastError: `E${i} ${'x'.repeat(2000)}` } }),
    );
    const channel = channelFor(type, env);
    const result = await channel.notify(message(events));
    expect(result).toEqual({ ok: true });
    if (INCIDENT_TOOLS.has(type)) {
      // One event per alert, each within the vendor's field limits (the sink checks them), none left out.
      expect(sink.messages).toHaveLength(80);
      return;
    }
    const text = JSON.stringify(sink.messages[0]?.body);
    if (type !== 'webhook') expect(text).toMatch(/and \d+ more alerts not shown/);
    await channel.close?.();
  });
});

describe('vendor specifics', () => {
  it('DingTalk: a wrong signature is an error inside HTTP 200 (errcode 310000), not retried', async () => {
    const channel = channelFor('dingtalk', { ...env, DINGTALK_SECRET: 'SECnot-the-right-one' });
    const result = await channel.notify(message());
    expect(result).toMatchObject({ ok: false, retry: false, status: 200, reason: 'vendor-error' });
    expect(!result.ok && result.error).toContain('310000');
    expect(sink.messages).toHaveLength(0);
  });

  it('DingTalk: mentions only for critical firing alerts, and @all only when configured', async () => {
    const channel = channelFor('dingtalk', env, { atMobiles: ['13800000000'], atAll: true });
    await channel.notify(message());
    await channel.notify(message([jobEvent({ severity: 'warning' })]));
    const [critical, warning] = sink.messages.map(
      (m) => m.body as { at: { isAtAll: boolean; atMobiles: string[] }; markdown: { text: string } },
    );
    expect(critical?.at).toMatchObject({ isAtAll: true, atMobiles: ['13800000000'] });
    expect(critical?.markdown.text).toContain('@13800000000');
    expect(warning?.at).toMatchObject({ isAtAll: false, atMobiles: [] });
  });

  it('Feishu: a wrong signature is code 19021 inside HTTP 200, not retried', async () => {
    const channel = channelFor('feishu', { ...env, FEISHU_SECRET: 'nope' });
    const result = await channel.notify(message());
    expect(result).toMatchObject({ ok: false, retry: false, status: 200 });
    expect(!result.ok && result.error).toContain('19021');
  });

  it('WeCom: the sink rejects markdown over 4096 bytes, and the channel never sends one', async () => {
    const oversize = await fetch(sink.endpoints.wecom, {
      method: 'POST',
      body: JSON.stringify({ msgtype: 'markdown', markdown: { content: '字'.repeat(1400) } }),
    });
    expect(await oversize.json()).toMatchObject({ errcode: 40058 });
    const channel = channelFor('wecom', env);
    const events = Array.from({ length: 30 }, (_, i) => jobEvent({ name: `任务-${i}-${'名'.repeat(30)}` }));
    expect(await channel.notify(message(events))).toEqual({ ok: true });
    const content = (sink.messages[0]!.body as { markdown: { content: string } }).markdown.content;
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(4096);
  });

  it('webhook: HMAC header verifies, Alertmanager format carries statuses and group key', async () => {
    const channel = channelFor('webhook', env);
    const resolved = resolvedOf(jobEvent({ name: 'done' }), T0 + 1000);
    expect(await channel.notify(message([jobEvent({ name: 'a' }), resolved]))).toEqual({ ok: true });
    const body = sink.messages[0]?.body as {
      version: string;
      groupKey: string;
      alerts: { status: string }[];
    };
    expect(body.version).toBe('4');
    expect(body.groupKey).toBe('root:abc');
    expect(body.alerts.map((a) => a.status)).toEqual(['firing', 'resolved']);
    const ce = channelFor('webhook', env, { format: 'cloudevents' });
    expect(await ce.notify(message())).toEqual({ ok: true });
    expect((sink.messages[1]!.body as { specversion: string }[])[0]?.specversion).toBe('1.0');
  });

  it('Slack: the sink answers 429 + Retry-After past 1 message/s, and the channel paces itself under it', async () => {
    // The two raw posts arrive at one instant of the sink's rate clock (a loaded machine may take a second
    // between them); the channel's own sends then run on the real monotonic clock.
    let heldAt: number | undefined = performance.now();
    const strict = await startChatSink({ rateClock: () => heldAt ?? performance.now() });
    try {
      const raw = async () =>
        (await fetch(strict.endpoints.slack, { method: 'POST', body: JSON.stringify({ text: 'hi' }) }))
          .status;
      expect([await raw(), await raw()]).toEqual([200, 429]);
      heldAt = undefined;
      await new Promise((r) => setTimeout(r, 1100));
      const channel = channelFor('slack', { ...env, SLACK_URL: strict.endpoints.slack });
      const results = [await channel.notify(message()), await channel.notify(message())];
      expect(results).toEqual([{ ok: true }, { ok: true }]);
      expect(strict.requests.filter((r) => r.status === 429)).toHaveLength(1);
    } finally {
      await strict.stop();
    }
  });
});

describe('incident tools (PagerDuty Events API v2, Opsgenie Alert API)', () => {
  it('PagerDuty: trigger, acknowledge and resolve share the fingerprint as dedup_key', async () => {
    const firing = jobEvent({ name: 'etl-pd' });
    const channel = channelFor('pagerduty', env);
    expect(await channel.notify(message([firing]))).toEqual({ ok: true });
    expect(await channel.acknowledge?.([firing.data.fingerprint], 'on it')).toEqual({ ok: true });
    expect(sink.incidents.pagerduty.get(firing.data.fingerprint)).toBe('acknowledged');
    expect(await channel.notify(message([resolvedOf(firing, T0 + 60_000)]))).toEqual({ ok: true });
    const bodies = sink.messages.map((m) => m.body as Record<string, unknown>);
    expect(bodies.map((b) => [b['event_action'], b['dedup_key']])).toEqual([
      ['trigger', firing.data.fingerprint],
      ['acknowledge', firing.data.fingerprint],
      ['resolve', firing.data.fingerprint],
    ]);
    expect(bodies[0]).toMatchObject({
      routing_key: CHAT_SINK_TOKENS.pagerduty,
      client: 'jobwatch',
      payload: { severity: 'critical', class: 'job.failed', group: 'prod-blink', component: 'etl-pd' },
    });
    expect(sink.incidents.pagerduty.get(firing.data.fingerprint)).toBe('resolved');
  });

  it('PagerDuty: a 429 without Retry-After waits the documented 30 s; sendResolved: false sends no resolve', async () => {
    sink.failNext('pagerduty', 1, 429);
    const channel = channelFor('pagerduty', env, { sendResolved: false });
    const throttled = await channel.notify(message());
    expect(throttled).toMatchObject({ ok: false, retry: true, status: 429, retryAfterMs: 30_000 });
    expect(await channel.notify(message([resolvedOf(jobEvent(), T0 + 1000)]))).toEqual({ ok: true });
    expect(sink.messages).toHaveLength(0);
  });

  it('PagerDuty: the sink answers 429 past 120 events a minute per routing key', async () => {
    const strict = await startChatSink({});
    try {
      const send = async () =>
        (
          await fetch(strict.endpoints.pagerduty, {
            method: 'POST',
            body: JSON.stringify({
              routing_key: CHAT_SINK_TOKENS.pagerduty,
              event_action: 'resolve',
              dedup_key: 'k',
            }),
          })
        ).status;
      const statuses: number[] = [];
      for (let i = 0; i < 121; i++) statuses.push(await send());
      expect(statuses.filter((s) => s === 202)).toHaveLength(120);
      expect(statuses.at(-1)).toBe(429);
    } finally {
      await strict.stop();
    }
  });

  it('Opsgenie: create with alias = fingerprint and GenieKey, close and acknowledge by alias', async () => {
    const firing = jobEvent({ name: 'etl-og', severity: 'warning' });
    const channel = channelFor('opsgenie', env, { tags: ['data'] });
    expect(await channel.notify(message([firing]))).toEqual({ ok: true });
    expect(await channel.acknowledge?.([firing.data.fingerprint], 'looking')).toEqual({ ok: true });
    expect(sink.incidents.opsgenie.get(firing.data.fingerprint)).toBe('acknowledged');
    expect(await channel.notify(message([resolvedOf(firing, T0 + 60_000)]))).toEqual({ ok: true });
    expect(sink.messages.map((m) => m.path)).toEqual([
      '/opsgenie/v2/alerts',
      `/opsgenie/v2/alerts/${firing.data.fingerprint}/acknowledge`,
      `/opsgenie/v2/alerts/${firing.data.fingerprint}/close`,
    ]);
    expect(sink.messages[0]?.body).toMatchObject({
      alias: firing.data.fingerprint,
      priority: 'P3',
      source: 'jobwatch',
      tags: ['alibaba-blink', 'job.failed', 'warning', 'data'],
    });
    expect(sink.messages[1]?.body).toMatchObject({ note: 'looking' });
    expect(sink.incidents.opsgenie.get(firing.data.fingerprint)).toBe('resolved');
  });

  it('Opsgenie: a title past 130 characters is cut to fit (the sink answers 422 beyond)', async () => {
    const long = jobEvent({ name: 'x'.repeat(300) });
    const raw = await fetch(`${sink.endpoints.opsgenie}/v2/alerts`, {
      method: 'POST',
      headers: { authorization: `GenieKey ${CHAT_SINK_TOKENS.opsgenie}` },
      body: JSON.stringify({ message: long.data.title }),
    });
    expect(raw.status).toBe(422);
    const channel = channelFor('opsgenie', env);
    expect(await channel.notify(message([long]))).toEqual({ ok: true });
    expect(Array.from((sink.messages[0]!.body as { message: string }).message)).toHaveLength(130);
  });

  it('chat channels have no acknowledge of their own', () => {
    for (const type of TYPES.filter((t) => !INCIDENT_TOOLS.has(t)))
      expect(channelFor(type, env).acknowledge, type).toBeUndefined();
  });
});

describe('classifier and truncation', () => {
  it.each([
    [200, true, false],
    [204, true, false],
    [500, false, true],
    [429, false, true],
    [401, false, false],
    [422, false, false],
  ])('status %i -> ok %s, retry %s', (status, ok, retry) => {
    const result = classifyStatus('c', status);
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.retry).toBe(retry);
  });

  it('never splits a character', () => {
    expect(truncateRunes('😀😀😀', 2)).toEqual({ text: '😀…', truncated: true });
    const cut = truncateBytes('名名名名', 8);
    expect(Buffer.byteLength(cut.text)).toBeLessThanOrEqual(8);
    expect(cut.text).toBe('名…');
  });
});
