import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACK_PK } from '../../lib/alerts/acks.js';
import { ACTION_NONCE_PK } from '../../lib/alerts/action-links.js';
import { CHAT_ACTION_LOG_PK } from '../../lib/alerts/chat-actions.js';
import { INGEST_DEADLETTER_PK } from '../../lib/ingest/accept.js';
import { feishuCallbackSignature } from '../../lib/ingest/feishu-card.js';
import { startWebhookServer, type WebhookServer } from '../../lib/ingest/http-server.js';
import { signPayload } from '../../lib/ingest/signing.js';
import { slackSignature } from '../../lib/ingest/slack-interactions.js';
import { feishuEncrypt } from '../../lib/sandbox/chat-sink.js';
import {
  apiEvent,
  cloudEyeQueueAlarm,
  type Harness,
  makeSigningCert,
  SECRETS,
  type SigningCert,
  type SmnOrigin,
  smnMessage,
  startHarness,
  startSmnOrigin,
  testConfigYaml,
  withinCertificate,
} from './helpers.js';

/**
 * Malformed bodies, headers, methods and query strings at every route. Properties: never a 5xx, never a
 * crash, every answer is a JSON error or result without a stack trace or a configured secret, and no
 * unauthenticated request produces an event (on the bus or in the dead letter).
 */
const RUNS = 300;
const ROUTES = [
  '/ingest/huawei-smn',
  '/ingest/alibaba-cloudmonitor',
  '/ingest/alibaba-arms',
  '/ingest/events',
  '/api/silences',
  '/api/silences/abc-123',
  '/api/acks',
  '/act',
  '/slack/interactions',
  '/feishu/card',
  '/api/targets/dli-prod/poll',
  '/api/events',
  '/api/remediations',
  '/status',
  '/status/login',
  '/status/logout',
  '/',
];
const SECRET_VALUES = Object.values(SECRETS);

let h: Harness;
let origin: SmnOrigin;
let server: WebhookServer;
let certUrl = '';
let keyPem = '';
let cert: SigningCert;

beforeAll(async () => {
  cert = makeSigningCert();
  keyPem = cert.keyPem;
  origin = await startSmnOrigin(cert.certPem);
  certUrl = `${origin.url}/smn/certificate/current.pem`;
  // Only the local origin (with its port) may serve certificates, so a fuzzed URL is never fetched.
  // With one Slack app and one Feishu app receiver, so that the chat callback routes are live.
  h = await startHarness({
    yaml: `${testConfigYaml({ certHost: new URL(origin.url).host })}
channels:
  - name: oncall-slack
    type: slack
    url: env:JW_SLACK_SIGNING_SECRET
    interactive: { signingSecret: env:JW_SLACK_SIGNING_SECRET, allow: { ack: ['*'], silence: ['*'] } }
  - name: oncall-feishu
    type: feishu
    url: env:JW_FEISHU_VERIFICATION_TOKEN
    interactive:
      appId: cli_fuzzapp0001
      appSecret: env:JW_FEISHU_VERIFICATION_TOKEN
      chatId: oc_fuzzchat001
      verificationToken: env:JW_FEISHU_VERIFICATION_TOKEN
      encryptKey: env:JW_FEISHU_ENCRYPT_KEY
      allow: { ack: ['*'], silence: ['*'] }
`,
  });
  server = await startWebhookServer({ handler: h.handler, maxBodyBytes: 16 * 1024 });
});

afterAll(async () => {
  await server?.stop();
  await origin?.stop();
  await h?.stop();
});

const headerName = fc.oneof(
  fc.constantFrom(
    'authorization',
    'x-jobwatch-token',
    'x-jobwatch-timestamp',
    'x-jobwatch-signature',
    'content-type',
    'x-smn-message-type',
    'content-length',
    'cookie',
    'x-slack-signature',
    'x-slack-request-timestamp',
    'x-lark-signature',
    'x-lark-request-timestamp',
    'x-lark-request-nonce',
  ),
  fc.string({ minLength: 1, maxLength: 12 }),
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom(
    'Bearer ',
    'Bearer x',
    'Bearer operator-token-1a2b3c4d5e6',
    'v1=',
    'v1=00ff',
    'sha256=zz',
    'application/json',
    'application/x-www-form-urlencoded',
    'application/octet-stream',
    'Notification',
    '0',
    '-1',
    '99999999999999999999',
  ),
  fc.integer({ min: 0, max: 2_000_000_000 }).map(String),
);
const headers = fc.dictionary(headerName, headerValue, { maxKeys: 6 });

/** Mostly-valid values with occasional garbage, so fuzzed SMN messages reach signature verification. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: other, weight: 1 });

const smnLike = fc.record(
  {
    type: mostly(
      fc.constantFrom('Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'),
      fc.string(),
    ),
    signature: mostly(fc.base64String({ minLength: 4, maxLength: 400 }), fc.string()),
    signature_version: mostly(fc.constant('v1'), fc.constantFrom('V1', 'v2', '')),
    signing_cert_url: mostly(
      fc.constant('CERT_URL'),
      fc.oneof(
        fc.webUrl(),
        fc.constantFrom(
          'file:///etc/passwd',
          'http://169.254.169.254/latest',
          'https://a.myhuaweicloud.com.evil.io/c',
        ),
      ),
    ),
    message_id: mostly(fc.stringMatching(/^[0-9a-f]{1,40}$/), fc.string()),
    topic_urn: mostly(fc.constant('urn:smn:cn-north-4:0a419ac94f80f2c62f14c01e34000001:t'), fc.string()),
    timestamp: mostly(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string(),
    ),
    message: fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.constant(cloudEyeQueueAlarm('alarm', '2026-11-23T05:00:00Z')),
    ),
    subject: fc.string(),
    subscribe_url: fc.oneof(fc.webUrl(), fc.string(), fc.constant('SUBSCRIBE_URL')),
  },
  {
    requiredKeys: [
      'type',
      'signature',
      'signature_version',
      'signing_cert_url',
      'message_id',
      'topic_urn',
      'timestamp',
      'message',
    ],
  },
);

const eventLike = fc.record(
  {
    type: fc.constantFrom('job.failed', 'remediation.performed', 'nope'),
    provider: fc.constantFrom('huawei-dli', 'aws'),
    targetId: fc.string(),
    region: fc.string(),
    resource: fc.anything(),
    severity: fc.constantFrom('critical', 'x'),
    status: fc.constantFrom('firing', 'resolved', 'x'),
    title: fc.string(),
    summary: fc.string(),
    startsAtMs: fc.oneof(fc.integer(), fc.double()),
  },
  { requiredKeys: [] },
);

const armsLike = fc.record(
  {
    status: fc.string(),
    alerts: fc.array(
      fc.record(
        {
          status: fc.constantFrom('firing', 'resolved', 'x'),
          labels: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
          annotations: fc.anything(),
          startsAt: fc.string(),
          endsAt: fc.string(),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 4 },
    ),
  },
  { requiredKeys: [] },
);

const formLike = fc
  .dictionary(
    fc.constantFrom(
      'alertName',
      'alertState',
      'curValue',
      'dimensions',
      'metricName',
      'timestamp',
      'token',
      'x',
    ),
    fc.oneof(
      fc.string(),
      fc.constantFrom('ALERT', 'OK', 'INSUFFICIENT_DATA', '{a=b, c}', '[{"x":1}]', '1e400'),
    ),
  )
  .map((d) => new URLSearchParams(d).toString());

const body = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 300 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  smnLike.map((v) =>
    JSON.stringify(v)
      .replace('"CERT_URL"', JSON.stringify(certUrl))
      .replace('"SUBSCRIBE_URL"', JSON.stringify(`${origin.url}/smn/subscription/confirm?x=1`)),
  ),
  eventLike.map((v) => JSON.stringify(v)),
  fc.array(eventLike, { maxLength: 3 }).map((v) => JSON.stringify(v)),
  armsLike.map((v) => JSON.stringify(v)),
  formLike,
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.constant('x'.repeat(17 * 1024)),
);

const request = fc.record({
  route: fc.constantFrom(...ROUTES),
  suffix: fc.constantFrom('', '/', '/x', '%', '%2F..', '?'),
  method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'get'),
  query: fc.oneof(
    fc.constant(''),
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      'limit=0',
      'limit=-1',
      'limit=1e9',
      'limit=5&limit=6',
      'job=%',
      'token=',
      'includeExpired=yes',
      'token=%E0%A4%A',
    ),
  ),
  headers,
  body,
  base64: fc.boolean(),
  sourceIp: fc.constantFrom('127.0.0.1', '203.0.113.5', '::1', '', 'not-an-ip', '::ffff:47.74.206.10'),
});

type FuzzRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

function toEvent(r: Omit<FuzzRequest, 'sourceIp'> & { sourceIp: string }): APIGatewayProxyEventV2 {
  const path = `${r.route}${r.suffix}`.replace(/\/\/+/g, '/');
  const event = apiEvent(r.method, path, {
    ...(r.body === undefined ? {} : { body: r.body }),
    headers: r.headers,
    query: r.query,
    sourceIp: r.sourceIp,
  });
  if (typeof r.body === 'string' && r.base64) event.isBase64Encoded = true;
  return event;
}

function checkResponse(status: number | undefined, text: string | undefined, contentType?: string): void {
  expect(status).toBeGreaterThanOrEqual(200);
  expect(status).toBeLessThan(500);
  if (contentType?.startsWith('text/html')) {
    // The status page answers browsers in HTML: the sign-in form (or a redirect), never the page itself;
    // the action-link confirm page, without a valid token, only a 4xx refusal.
    const refusal = (status ?? 0) >= 400 && /<h1>Nothing was done<\/h1>/.test(text ?? '');
    expect(status === 303 || /<form class="login"/.test(text ?? '') || refusal).toBe(true);
    expect(text).not.toContain('id="incidents"');
  } else {
    const parsed = JSON.parse(text ?? '') as Record<string, unknown>;
    expect(typeof parsed).toBe('object');
  }
  expect(text).not.toMatch(/\n\s+at |\.ts:\d+|ZodError|TypeError/);
  for (const secret of SECRET_VALUES) expect(text).not.toContain(secret);
}

/** Whether fast-check produced credentials that actually authenticate (then an event may be legitimate). */
function authenticated(r: FuzzRequest): boolean {
  const values = Object.values(r.headers).join(' ') + r.query;
  return SECRET_VALUES.some((s) => values.includes(s));
}

describe('fuzzing every route', () => {
  it(`answers ${RUNS} malformed requests per route (API Gateway events) with 2xx-4xx and no event`, async () => {
    const deadBefore = (await h.store.query(INGEST_DEADLETTER_PK)).length;
    for (const route of ROUTES) {
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const input = { ...r, route };
          fc.pre(!authenticated(input));
          const response = await h.handler(toEvent(input));
          checkResponse(response.statusCode, response.body, response.headers?.['content-type'] as string);
        }),
        { numRuns: RUNS, seed: 20261123 },
      );
    }
    expect(h.bus.published).toHaveLength(0);
    expect(await h.store.query(INGEST_DEADLETTER_PK)).toHaveLength(deadBefore);
    // No action link was used, no chat button pressed, nothing acknowledged or silenced.
    await h.handler.idle();
    expect(await h.store.query(ACTION_NONCE_PK)).toHaveLength(0);
    expect(await h.store.query(CHAT_ACTION_LOG_PK)).toHaveLength(0);
    expect(await h.store.query(ACK_PK)).toHaveLength(0);
    expect(h.polls).toHaveLength(0);
  });

  it('answers malformed requests over real HTTP through the local server the same way', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        fc.pre(!authenticated(r));
        const path = `${r.route}${r.suffix}`.replace(/\/\/+/g, '/');
        const method = r.method.toUpperCase();
        const safeHeaders: Record<string, string> = {};
        for (const [k, v] of Object.entries(r.headers)) {
          // fetch itself refuses some names and values; those are not our server's to handle.
          if (
            /^[a-z0-9-]+$/i.test(k) &&
            !/[\r\n\0]/.test(v) &&
            !/^(content-length|host|connection)$/i.test(k)
          )
            safeHeaders[k] = v;
        }
        const withBody = method !== 'GET' && r.body !== undefined;
        const response = await fetch(`${server.url}${encodeURI(path)}${r.query ? `?${r.query}` : ''}`, {
          method,
          headers: safeHeaders,
          ...(withBody ? { body: r.body } : {}),
        }).catch((error: unknown) => {
          // Only requests fetch refuses to send (invalid header values) may fail here.
          expect(String(error)).toMatch(/TypeError|invalid|header/i);
          return undefined;
        });
        if (!response) return;
        checkResponse(response.status, await response.text(), response.headers.get('content-type') ?? '');
      }),
      { numRuns: RUNS, seed: 7 },
    );
    expect(h.bus.published).toHaveLength(0);
  });

  it('answers malformed but authenticated requests with 4xx, never 5xx', async () => {
    const authed = request.map((r) => {
      const ts = String(Math.floor(h.clock.nowMs / 1000));
      const text = typeof r.body === 'string' ? r.body : '';
      const signedChat: Record<string, string> | undefined =
        r.route === '/slack/interactions'
          ? {
              'x-slack-request-timestamp': ts,
              'x-slack-signature': slackSignature(SECRETS.JW_SLACK_SIGNING_SECRET, ts, text),
            }
          : undefined;
      if (r.route === '/feishu/card') {
        // Whatever the fuzzer wrote, encrypted and signed as the open platform would.
        const body = JSON.stringify({ encrypt: feishuEncrypt(text, SECRETS.JW_FEISHU_ENCRYPT_KEY) });
        const nonce = 'fuzznonce';
        return {
          ...r,
          headers: {
            ...r.headers,
            'x-lark-request-timestamp': ts,
            'x-lark-request-nonce': nonce,
            'x-lark-signature': feishuCallbackSignature(ts, nonce, SECRETS.JW_FEISHU_ENCRYPT_KEY, body),
          },
          body,
          base64: false,
          sourceIp: '127.0.0.1',
        };
      }
      const credentials: Record<string, string> = signedChat
        ? signedChat
        : /^\/(api|status)/.test(r.route)
          ? { authorization: `Bearer ${SECRETS.JW_OPERATOR_TOKEN}` }
          : r.route === '/ingest/events'
            ? {
                'x-jobwatch-timestamp': ts,
                'x-jobwatch-signature': signPayload(SECRETS.JW_EVENTS_SECRET, ts, text),
              }
            : { 'x-jobwatch-token': r.route.includes('arms') ? SECRETS.JW_ARMS_TOKEN : SECRETS.JW_CM_TOKEN };
      return {
        ...r,
        headers: { ...r.headers, ...credentials },
        body: text,
        base64: false,
        sourceIp: '127.0.0.1',
      };
    });
    await fc.assert(
      fc.asyncProperty(authed, async (r) => {
        h.clock.nowMs = Date.now();
        const response = await h.handler(toEvent(r));
        expect(response.statusCode).toBeLessThan(500);
        expect(response.body).not.toMatch(/\n\s+at |\.ts:\d+/);
      }),
      { numRuns: RUNS, seed: 11 },
    );
  });

  it('still verifies a genuinely signed SMN message after the fuzzing (sanity: the routes were live)', async () => {
    h.clock.nowMs = withinCertificate(cert);
    const nowIso = new Date(h.clock.nowMs).toISOString();
    const message = smnMessage(
      {
        type: 'Notification',
        message_id: 'fuzzsanity0001',
        timestamp: nowIso,
        message: cloudEyeQueueAlarm('alarm', nowIso, 'sanity_q'),
      },
      keyPem,
      certUrl,
    );
    const response = await h.handler(
      apiEvent('POST', '/ingest/huawei-smn', { body: JSON.stringify(message) }),
    );
    expect(response.statusCode).toBe(200);
    expect(h.bus.published.at(-1)?.data.resource.name).toBe('sanity_q');
  });
});
