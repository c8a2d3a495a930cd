import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltInChannelType as ChannelType } from '../../lib/alerts/channels/registry.js';
import {
  CHANNEL_FACTORIES,
  type ChannelConfig,
  channelConfigSchema,
} from '../../lib/alerts/channels/registry.js';
import type { Channel } from '../../lib/alerts/channels/types.js';
import { silentLogger } from '../../lib/observability/logger.js';
import { CHANNEL_CONFIGS, groupMessage, jobEvent, secretsFor, T0 } from './helpers.js';

/** A vendor stand-in that answers every POST with the status and JSON body the test sets. */
let answer: { status: number; body: unknown } = { status: 200, body: {} };
let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const TOKEN = 'robot-token-7f3a9c';
const SIGNING = 'SECsigning-secret-5b2e';

function channel(type: ChannelType, env: NodeJS.ProcessEnv = {}): Channel {
  const config = channelConfigSchema.parse(CHANNEL_CONFIGS[type]) as ChannelConfig;
  return (CHANNEL_FACTORIES[type] as (c: ChannelConfig, d: unknown) => Channel)(config, {
    secrets: secretsFor({
      DINGTALK_URL: `${origin}/robot/send?access_token=${TOKEN}`,
      FEISHU_URL: `${origin}/open-apis/bot/v2/hook/${TOKEN}`,
      WECOM_URL: `${origin}/cgi-bin/webhook/send?key=${TOKEN}`,
      WEBHOOK_URL: `${origin}/hook/${TOKEN}`,
      DINGTALK_SECRET: SIGNING,
      FEISHU_SECRET: SIGNING,
      WEBHOOK_SECRET: SIGNING,
      ...env,
    }),
    logger: silentLogger,
    now: Date.now,
  });
}

const message = groupMessage([jobEvent({ name: 'etl-orders' })], {
  groupLabels: { alertname: 'job.failed' },
  nowMs: T0,
});

describe('vendor envelopes inside HTTP 200', () => {
  const cases: [ChannelType, unknown, Record<string, unknown>][] = [
    ['dingtalk', { errcode: 0, errmsg: 'ok' }, { ok: true }],
    [
      'dingtalk',
      { errcode: 130101, errmsg: 'send too fast' },
      { retry: true, reason: 'throttled', retryAfterMs: 60_000 },
    ],
    ['dingtalk', { errcode: -1, errmsg: 'system busy' }, { retry: true, reason: 'throttled' }],
    ['dingtalk', { errcode: 300001, errmsg: 'token is not exist' }, { retry: false, reason: 'vendor-error' }],
    ['feishu', { code: 0, msg: 'success' }, { ok: true }],
    ['feishu', { StatusCode: 0, StatusMessage: 'success' }, { ok: true }],
    [
      'feishu',
      { code: 9499, msg: 'too many requests' },
      { retry: true, reason: 'throttled', retryAfterMs: 1000 },
    ],
    [
      'feishu',
      { StatusCode: 11232, StatusMessage: 'frequency limited' },
      { retry: true, retryAfterMs: 1000 },
    ],
    ['feishu', { code: 19024, msg: 'key words not found' }, { retry: false, reason: 'vendor-error' }],
    ['wecom', { errcode: 0, errmsg: 'ok' }, { ok: true }],
    [
      'wecom',
      { errcode: 45009, errmsg: 'api freq out of limit' },
      { retry: true, reason: 'throttled', retryAfterMs: 60_000 },
    ],
    ['wecom', { errcode: 93000, errmsg: 'invalid webhook url' }, { retry: false, reason: 'vendor-error' }],
  ];
  it.each(cases)('%s answers %j', async (type, body, expected) => {
    answer = { status: 200, body };
    const result = await channel(type).notify(message);
    if (expected['ok']) {
      expect(result).toEqual({ ok: true });
      return;
    }
    expect(result).toMatchObject({ ok: false, status: 200, ...expected });
    if (!('retryAfterMs' in expected)) expect(result).not.toHaveProperty('retryAfterMs');
    const code = String(
      (body as Record<string, unknown>)['errcode'] ??
        (body as Record<string, unknown>)['code'] ??
        (body as Record<string, unknown>)['StatusCode'],
    );
    expect(!result.ok && result.error).toContain(code);
  });

  it('the generic webhook reads no envelope: a 200 is delivered whatever its body', async () => {
    answer = { status: 200, body: { errcode: 45009 } };
    expect(await channel('webhook').notify(message)).toEqual({ ok: true });
  });

  it('an HTTP failure is classified by status before any envelope, and names no token', async () => {
    for (const type of ['dingtalk', 'feishu', 'wecom', 'webhook'] as const) {
      answer = { status: 503, body: { errcode: 0 } };
      const result = await channel(type).notify(message);
      expect(result).toMatchObject({ ok: false, retry: true, status: 503 });
      expect(!result.ok && result.error).not.toContain(TOKEN);
    }
  });
});

describe('incident tools read the HTTP status only', () => {
  // The stand-in's origin is known only once it listens.
  const env = () => ({
    PAGERDUTY_URL: `${origin}/v2/enqueue`,
    PAGERDUTY_ROUTING_KEY: TOKEN,
    OPSGENIE_URL: origin,
    OPSGENIE_API_KEY: TOKEN,
  });
  const cases: [ChannelType, number, unknown, Record<string, unknown>][] = [
    ['pagerduty', 202, { status: 'success', message: 'Event processed' }, { ok: true }],
    [
      'pagerduty',
      400,
      { status: 'invalid event', message: 'Event object is invalid', errors: ['x'] },
      { ok: false, retry: false, status: 400 },
    ],
    ['pagerduty', 500, {}, { ok: false, retry: true, status: 500 }],
    ['opsgenie', 202, { result: 'Request will be processed', requestId: 'r' }, { ok: true }],
    [
      'opsgenie',
      422,
      { message: 'Request body is not processable' },
      { ok: false, retry: false, status: 422 },
    ],
    ['opsgenie', 401, { message: 'Could not authenticate' }, { ok: false, retry: false, status: 401 }],
    ['opsgenie', 503, {}, { ok: false, retry: true, status: 503 }],
  ];
  it.each(cases)('%s answers HTTP %i %j', async (type, status, body, expected) => {
    answer = { status, body };
    const result = await channel(type, env()).notify(message);
    expect(result).toMatchObject(expected);
    if (!result.ok) {
      expect(result.error).not.toContain(TOKEN);
      const vendorMessage = (body as { message?: string }).message;
      if (vendorMessage) expect(result.error).toContain(vendorMessage);
    }
  });

  it('an unresolvable key is secret-unavailable, naming the reference only', async () => {
    for (const [type, variable] of [
      ['pagerduty', 'PAGERDUTY_ROUTING_KEY'],
      ['opsgenie', 'OPSGENIE_API_KEY'],
    ] as const) {
      const result = await channel(type, { ...env(), [variable]: undefined }).notify(message);
      expect(result, type).toMatchObject({ ok: false, retry: false, reason: 'secret-unavailable' });
      expect(!result.ok && result.error).toBe(
        `${type}: secret reference env:${variable}: environment variable is not set`,
      );
    }
  });
});

describe('secret resolution', () => {
  it('an unresolvable URL or signing secret is a secret-unavailable result naming the reference, without values', async () => {
    for (const type of ['slack', 'dingtalk', 'feishu', 'wecom', 'webhook'] as const) {
      const unset =
        type === 'slack' || type === 'wecom' ? `${type.toUpperCase()}_URL` : `${type.toUpperCase()}_SECRET`;
      const result = await channel(type, { [unset]: undefined }).notify(message);
      // An unset environment variable will not set itself: not worth retrying (ssm:/secretsmanager: are).
      expect(result, type).toMatchObject({ ok: false, retry: false, reason: 'secret-unavailable' });
      expect(!result.ok && result.error).toMatch(
        new RegExp(`^${type}: secret reference env:${unset}: environment variable is not set$`),
      );
      expect(!result.ok && result.error).not.toContain(TOKEN);
      expect(!result.ok && result.error).not.toContain(SIGNING);
    }
  });
});
