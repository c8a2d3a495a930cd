import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildEvent } from '../../lib/events/build.js';
import { fingerprint } from '../../lib/events/fingerprint.js';
import { INGEST_DEADLETTER_PK } from '../../lib/ingest/accept.js';
import { cloudEyeEventInput, parseCloudEyeAlarm } from '../../lib/ingest/cloud-eye.js';
import { SMN_DEDUPE_PK } from '../../lib/ingest/handler.js';
import { startWebhookServer, type WebhookServer } from '../../lib/ingest/http-server.js';
import { smnStringToSign } from '../../lib/ingest/smn.js';
import { resourceKey } from '../../lib/model/snapshot.js';
import {
  apiEvent,
  cloudEyeQueueAlarm,
  type Harness,
  makeSigningCert,
  PROJECT_ID,
  REGION,
  responseJson,
  type SigningCert,
  type SmnOrigin,
  smnMessage,
  startHarness,
  startSmnOrigin,
  TOPIC_URN,
  withinCertificate,
} from './helpers.js';

let cert: SigningCert;
let rogue: SigningCert;
let origin: SmnOrigin;
let h: Harness;
let server: WebhookServer;
let seq = 0;
const nextId = () => `msg${Date.now().toString(16)}${(seq++).toString(16).padStart(4, '0')}`;

beforeAll(async () => {
  cert = makeSigningCert();
  rogue = makeSigningCert(2, 'not-smn');
  origin = await startSmnOrigin(cert.certPem);
  h = await startHarness();
  server = await startWebhookServer({ handler: h.handler });
});

afterAll(async () => {
  await server?.stop();
  await origin?.stop();
  await h?.stop();
});

beforeEach(() => {
  h.bus.published.length = 0;
  h.bus.failing = 'no';
  h.clock.nowMs = withinCertificate(cert);
});

async function post(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/ingest/huawei-smn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function notification(message: string, id = nextId(), certUrl = `${origin.url}/smn/certificate/current.pem`) {
  return smnMessage(
    {
      type: 'Notification',
      message_id: id,
      subject: 'Cloud Eye alarm',
      timestamp: new Date(h.clock.nowMs - 5_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      message,
    },
    cert.keyPem,
    certUrl,
  );
}

describe('SMN string to sign', () => {
  it('sorts the signed keys, one key line and one value line each, leaving out an empty subject', () => {
    // Rule (SMN "校验消息签名"): notification keys are message, message_id, subject, timestamp, topic_urn, type.
    const base = {
      type: 'Notification' as const,
      message: 'My test message',
      message_id: '88c726942175432bac921eafd0036163',
      timestamp: '2016-08-15T07:29:16Z',
      topic_urn: 'urn:smn:regionId:74dc9e44d0cc4573adfce91cdfdd3ba9:xxxx',
      signature: 'x',
      signature_version: 'v1',
      signing_cert_url: 'https://smn.example.com/cert.pem',
    };
    expect(smnStringToSign({ ...base, subject: 'demo' })).toBe(
      'message\nMy test message\nmessage_id\n88c726942175432bac921eafd0036163\nsubject\ndemo\n' +
        'timestamp\n2016-08-15T07:29:16Z\ntopic_urn\nurn:smn:regionId:74dc9e44d0cc4573adfce91cdfdd3ba9:xxxx\n' +
        'type\nNotification\n',
    );
    expect(smnStringToSign({ ...base, subject: '' })).not.toContain('subject');
    // Subscription confirmations sign subscribe_url instead of subject.
    expect(
      smnStringToSign({ ...base, type: 'SubscriptionConfirmation', subscribe_url: 'https://s/confirm' }),
    ).toContain('subscribe_url\nhttps://s/confirm\n');
  });
});

describe('Huawei SMN ingest over HTTP', () => {
  it('confirms a subscription by visiting the allow-listed subscribe_url', async () => {
    const subscribeUrl = `${origin.url}/smn/subscription/confirm?token=abc&topic=${encodeURIComponent(TOPIC_URN)}`;
    const message = smnMessage(
      {
        type: 'SubscriptionConfirmation',
        message_id: nextId(),
        timestamp: iso(h.clock.nowMs - 5_000),
        message: 'You are invited to subscribe to topic jobwatch-alarms.',
        subscribe_url: subscribeUrl,
      },
      cert.keyPem,
      `${origin.url}/smn/certificate/current.pem`,
    );
    const before = origin.subscribeHits.length;
    const response = await post(message, { 'x-smn-message-type': 'SubscriptionConfirmation' });
    expect(response.status).toBe(200);
    expect(response.json.status).toBe('confirmed');
    expect(origin.subscribeHits.slice(before)).toEqual([
      new URL(subscribeUrl).pathname + new URL(subscribeUrl).search,
    ]);
  });

  it('refuses a subscription confirmation whose subscribe_url host is not allowed, without visiting it', async () => {
    const message = smnMessage(
      {
        type: 'SubscriptionConfirmation',
        message_id: nextId(),
        timestamp: iso(h.clock.nowMs - 5_000),
        message: 'subscribe',
        subscribe_url: 'http://evil.example.com/smn/subscription/confirm?token=abc',
      },
      cert.keyPem,
      `${origin.url}/smn/certificate/current.pem`,
    );
    const before = origin.subscribeHits.length;
    const response = await post(message);
    expect(response.status).toBe(403);
    expect(String((response.json.error as { message: string }).message)).toContain('subscribe_url');
    expect(origin.subscribeHits.length).toBe(before);
  });

  it('turns a signed Cloud Eye DLI queue alarm into a queue.unhealthy event keyed like the collector', async () => {
    const atIso = new Date(h.clock.nowMs - 60_000).toISOString();
    const response = await post(notification(cloudEyeQueueAlarm('alarm', atIso)));
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ status: 'accepted', accepted: 1, published: 1, deferred: 0 });
    expect(h.bus.published).toHaveLength(1);
    const event = h.bus.published[0]!;
    const key = resourceKey({
      provider: 'huawei-dli',
      region: REGION,
      scope: { kind: 'project', id: PROJECT_ID },
      type: 'queue',
      vendorId: 'etl_queue',
    });
    expect(event.type).toBe('io.jobwatch.queue.unhealthy');
    expect(event.subject).toBe(key);
    expect(event.data).toMatchObject({
      targetId: 'dli-prod',
      status: 'firing',
      severity: 'critical',
      fingerprint: fingerprint('queue.unhealthy', key, 'cloud-eye:queue_cu_usage'),
      startsAtMs: Date.parse(atIso),
    });
  });

  it('resolves the same fingerprint when the alarm returns to OK', async () => {
    const firing = await post(
      notification(cloudEyeQueueAlarm('alarm', new Date(h.clock.nowMs - 120_000).toISOString())),
    );
    const ok = await post(
      notification(cloudEyeQueueAlarm('ok', new Date(h.clock.nowMs - 10_000).toISOString())),
    );
    expect([firing.status, ok.status]).toEqual([200, 200]);
    const [a, b] = h.bus.published;
    expect(a?.data.status).toBe('firing');
    expect(b?.data.status).toBe('resolved');
    expect(b?.data.fingerprint).toBe(a?.data.fingerprint);
    expect(b?.data.endsAtMs).toBeDefined();
  });

  it('maps an MRS cluster alarm to cluster.unhealthy on the MRS target', async () => {
    const message = JSON.stringify({
      Namespace: 'SYS.MRS',
      MetricName: 'node_status',
      Dimensions: [{ name: 'cluster_id', value: 'c0ffee00-1111-2222-3333-444455556666' }],
      ResourceName: 'analytics',
      IsAlarm: true,
      AlarmLevel: 'Minor',
      AlarmName: 'nodes-down',
    });
    const response = await post(notification(message));
    expect(response.status).toBe(200);
    const event = h.bus.published[0]!;
    expect(event.data).toMatchObject({
      type: 'cluster.unhealthy',
      provider: 'huawei-mrs',
      targetId: 'mrs-prod',
      severity: 'warning',
      resource: { kind: 'cluster', vendorId: 'c0ffee00-1111-2222-3333-444455556666', name: 'analytics' },
    });
  });

  it('answers a redelivered message_id as a duplicate and publishes nothing new', async () => {
    const message = notification(cloudEyeQueueAlarm('alarm', new Date(h.clock.nowMs).toISOString(), 'dup_q'));
    const first = await post(message);
    const second = await post(message);
    expect(first.status).toBe(200);
    expect(second).toEqual({ status: 200, json: { status: 'duplicate', messageId: message.message_id } });
    expect(h.bus.published).toHaveLength(1);
    expect(await h.store.get(SMN_DEDUPE_PK, message.message_id as string)).toBeDefined();
  });

  it('rejects a tampered message (changed after signing) and publishes nothing', async () => {
    const message = notification(cloudEyeQueueAlarm('alarm', new Date(h.clock.nowMs).toISOString()));
    const tampered = { ...message, message: message.message!.replace('etl_queue', 'other_queue') };
    const response = await post(tampered);
    expect(response.status).toBe(403);
    expect((response.json.error as { message: string }).message).toBe(
      'SMN signature does not match the message',
    );
    expect(h.bus.published).toHaveLength(0);
  });

  it('rejects a message signed by a key other than the certificate’s', async () => {
    const message = notification(cloudEyeQueueAlarm('alarm', new Date(h.clock.nowMs).toISOString()));
    const forged = smnMessage(
      {
        type: 'Notification',
        message_id: message.message_id!,
        subject: message.subject!,
        timestamp: message.timestamp!,
        message: message.message!,
      },
      rogue.keyPem,
      message.signing_cert_url!,
    );
    expect((await post(forged)).status).toBe(403);
    expect(h.bus.published).toHaveLength(0);
  });

  it('never fetches a certificate from a host that is not allowed', async () => {
    const hits = origin.certHits;
    const message = notification(
      cloudEyeQueueAlarm('alarm', new Date(h.clock.nowMs).toISOString()),
      nextId(),
      'https://attacker.example.net/cert.pem',
    );
    const response = await post(message);
    expect(response.status).toBe(403);
    expect((response.json.error as { message: string }).message).toContain('not an allowed host');
    expect(origin.certHits).toBe(hits);
  });

  it('caches the certificate between messages', async () => {
    await post(notification(cloudEyeQueueAlarm('alarm', new Date(h.clock.nowMs).toISOString(), 'cache_a')));
    const hits = origin.certHits;
    await post(notification(cloudEyeQueueAlarm('alarm', new Date(h.clock.nowMs).toISOString(), 'cache_b')));
    expect(origin.certHits).toBe(hits);
    expect(h.bus.published).toHaveLength(2);
  });

  it('ignores (200) a notification that is not a DLI/MRS alarm, and one for an unknown project', async () => {
    const text = await post(notification('Alarm: ECS cpu_util > 90%'));
    expect(text).toMatchObject({ status: 200, json: { status: 'ignored' } });
    const otherProject = smnMessage(
      {
        type: 'Notification',
        message_id: nextId(),
        timestamp: new Date(h.clock.nowMs).toISOString(),
        message: cloudEyeQueueAlarm('alarm', new Date(h.clock.nowMs).toISOString()),
        topic_urn: `urn:smn:${REGION}:${'f'.repeat(32)}:t`,
      },
      cert.keyPem,
      `${origin.url}/smn/certificate/current.pem`,
    );
    expect(await post(otherProject)).toMatchObject({ status: 200, json: { status: 'ignored' } });
    const userConfirm = await post({ type: 'HttpSubscriptionUserConfirm', message: 'x' });
    expect(userConfirm).toMatchObject({ status: 200, json: { status: 'ignored' } });
    expect(h.bus.published).toHaveLength(0);
  });

  it('refuses a message older than the dedupe window (a replay it could no longer recognise)', async () => {
    const message = smnMessage(
      {
        type: 'Notification',
        message_id: nextId(),
        timestamp: new Date(h.clock.nowMs - 4 * 86_400_000).toISOString(),
        message: cloudEyeQueueAlarm('alarm', new Date(h.clock.nowMs).toISOString()),
      },
      cert.keyPem,
      `${origin.url}/smn/certificate/current.pem`,
    );
    const response = await post(message);
    expect(response.status).toBe(400);
    expect(h.bus.published).toHaveLength(0);
  });

  it('dead-letters when the bus is down and answers 202, and the message id stays claimed', async () => {
    h.bus.failing = 'throw';
    const message = notification(
      cloudEyeQueueAlarm('alarm', new Date(h.clock.nowMs).toISOString(), 'dl_queue'),
    );
    const response = await post(message);
    expect(response.status).toBe(202);
    expect(response.json).toMatchObject({ status: 'accepted-deferred', accepted: 1, deferred: 1 });
    const parked = await h.store.query<{ event: { subject: string }; source: string }>(INGEST_DEADLETTER_PK);
    expect(
      parked.some(
        (item) => item.data.event.subject.includes('queue:dl_queue') && item.data.source === 'huawei-smn',
      ),
    ).toBe(true);
    h.bus.failing = 'no';
    expect((await post(message)).json.status).toBe('duplicate');
  });

  it('reports a validation problem by field name, and never a stack trace', async () => {
    const response = await post({ type: 'Notification', message_id: 'x', topic_urn: 'nope' });
    expect(response.status).toBe(400);
    const text = (response.json.error as { message: string }).message;
    expect(text).toContain('topic_urn');
    expect(text).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('Huawei SMN ingest as API Gateway v2 events', () => {
  it('accepts a valid signed notification and rejects the tampered copy', async () => {
    const message = notification(
      cloudEyeQueueAlarm('alarm', new Date(h.clock.nowMs).toISOString(), 'apigw_q'),
    );
    const ok = await h.handler(apiEvent('POST', '/ingest/huawei-smn', { body: JSON.stringify(message) }));
    expect(ok.statusCode).toBe(200);
    const tampered = { ...message, message_id: nextId() };
    const bad = await h.handler(apiEvent('POST', '/ingest/huawei-smn', { body: JSON.stringify(tampered) }));
    expect(bad.statusCode).toBe(403);
    expect(h.bus.published.map((e) => e.data.resource.name)).toEqual(['apigw_q']);
  });

  it('accepts a base64-encoded body (binary content type)', async () => {
    const message = notification(cloudEyeQueueAlarm('alarm', new Date(h.clock.nowMs).toISOString(), 'b64_q'));
    const response = await h.handler(
      apiEvent('POST', '/ingest/huawei-smn', { body: Buffer.from(JSON.stringify(message)) }),
    );
    expect(response.statusCode).toBe(200);
    expect(responseJson(response).status).toBe('accepted');
  });
});

describe('Cloud Eye alarm to event', () => {
  it('shares detection’s fingerprint (no discriminator) only when sharedFingerprint is set', () => {
    const parsed = parseCloudEyeAlarm(cloudEyeQueueAlarm('alarm', '2026-11-23T05:00:00Z'));
    if (!parsed.ok) throw new Error(parsed.reason);
    const context = { targetId: 'dli-prod', region: REGION, projectId: PROJECT_ID, messageAtMs: 1 };
    const key = `huawei-dli/${REGION}/project:${PROJECT_ID}/queue:etl_queue`;
    expect(buildEvent(cloudEyeEventInput(parsed.alarm, context)).data.fingerprint).toBe(
      fingerprint('queue.unhealthy', key, 'cloud-eye:queue_cu_usage'),
    );
    expect(
      buildEvent(cloudEyeEventInput(parsed.alarm, { ...context, sharedFingerprint: true })).data.fingerprint,
    ).toBe(fingerprint('queue.unhealthy', key));
  });

  it('reads both the recommended template and SMN-style capitalised keys, and says why it ignores others', () => {
    expect(parseCloudEyeAlarm('plain text alarm')).toMatchObject({ ok: false });
    expect(parseCloudEyeAlarm(JSON.stringify({ namespace: 'SYS.ECS', alarm_status: 'alarm' }))).toMatchObject(
      {
        ok: false,
        reason: expect.stringContaining('SYS.ECS'),
      },
    );
    expect(
      parseCloudEyeAlarm(
        JSON.stringify({ Namespace: 'SYS.DLI', ResourceName: 'Q1', AlarmStatus: 'ok', MetricName: 'm' }),
      ),
    ).toMatchObject({
      ok: true,
      alarm: { kind: 'queue', resourceId: 'q1', status: 'resolved', metric: 'm' },
    });
  });
});

describe('SMN certificate checks', () => {
  /** Posts a queue alarm signed with the test key to a harness whose certificate is fetched by `fetchCertificate`. */
  async function postSignedAlarm(
    options: Parameters<typeof startHarness>[0],
    check: (response: Awaited<ReturnType<Harness['handler']>>, harness: Harness) => void,
  ) {
    const harness = await startHarness(options);
    try {
      const atIso = new Date(harness.clock.nowMs).toISOString();
      const message = smnMessage(
        {
          type: 'Notification',
          message_id: nextId(),
          timestamp: atIso,
          message: cloudEyeQueueAlarm('alarm', atIso),
        },
        cert.keyPem,
        'http://127.0.0.1:1/smn/certificate/current.pem',
      );
      check(
        await harness.handler(apiEvent('POST', '/ingest/huawei-smn', { body: JSON.stringify(message) })),
        harness,
      );
    } finally {
      await harness.stop();
    }
  }

  it('rejects a signature made with the right key when the certificate is expired', async () => {
    const options = {
      nowMs: withinCertificate(cert) + 5 * 86_400_000,
      fetchCertificate: async () => cert.certPem,
    };
    await postSignedAlarm(options, (response, stale) => {
      expect(response.statusCode).toBe(403);
      expect(responseJson(response)).toMatchObject({
        error: { message: expect.stringContaining('expired') },
      });
      expect(stale.bus.published).toHaveLength(0);
    });
  });

  it('answers 503 (retry later) when the certificate cannot be downloaded', async () => {
    const fetchCertificate = async (): Promise<string> => {
      throw new Error('connect ECONNREFUSED');
    };
    await postSignedAlarm({ fetchCertificate }, (response) => {
      expect(response.statusCode).toBe(503);
      expect(responseJson(response)).toEqual({
        error: { status: 503, message: 'temporarily unavailable; retry later' },
      });
    });
  });
});

describe('SMN checks before any certificate fetch', () => {
  const fetchesOf = (path: string) =>
    origin.requests.filter((r) => new URL(r, origin.url).pathname === path).length;
  const alarm = () => cloudEyeQueueAlarm('alarm', iso(h.clock.nowMs));

  it('20 forged messages whose certificate URL differs only in query or fragment cause one fetch', async () => {
    const path = '/smn/certificate/varied.pem';
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const certUrl = `${origin.url}${path}?v=${i}&token=${i * 7}${i % 2 ? `#f${i}` : ''}`;
      const forged = smnMessage(
        {
          type: 'Notification',
          message_id: nextId(),
          subject: 's',
          timestamp: iso(h.clock.nowMs),
          message: alarm(),
        },
        rogue.keyPem,
        certUrl,
      );
      statuses.push((await post(forged)).status);
    }
    expect(new Set(statuses)).toEqual(new Set([403]));
    // One fetch, of the address without query or fragment.
    expect(origin.requests.filter((r) => r.startsWith(path))).toEqual([path]);
    expect(h.bus.published).toHaveLength(0);
  });

  it('a message with a bad shape, topic, certificate host or timestamp is refused without a fetch', async () => {
    const before = origin.requests.length;
    const certUrl = `${origin.url}/smn/certificate/unfetched.pem`;
    const signed = (fields: Record<string, string>) =>
      smnMessage(
        {
          type: 'Notification',
          message_id: nextId(),
          subject: 's',
          timestamp: iso(h.clock.nowMs),
          message: 'm',
          ...fields,
        },
        cert.keyPem,
        certUrl,
      );
    const refusals = [
      { ...signed({}), signature: 'not base64!' },
      { ...signed({}), topic_urn: 'urn:smn:x' },
      { ...signed({}), signing_cert_url: 'https://evil.example.com/cert.pem' },
      signed({ timestamp: 'yesterday-ish' }),
      signed({ timestamp: iso(h.clock.nowMs - 4 * 86_400_000) }),
      signed({ timestamp: iso(h.clock.nowMs + 3_600_000) }),
    ];
    for (const body of refusals) expect((await post(body)).status).toBeGreaterThanOrEqual(400);
    for (const body of refusals) expect((await post(body)).status).toBeLessThan(500);
    expect(origin.requests.length).toBe(before);
  });

  it.each([
    ['/smn/missing.pem', 'answered HTTP 404'],
    ['/smn/not-pem/cert.pem', 'is not a PEM certificate'],
  ])(
    'a certificate at %s is a 400 naming signing_cert_url, remembered for certFailureCacheSeconds',
    async (path, reason) => {
      const send = () => post(notification(alarm(), nextId(), `${origin.url}${path}?n=${seq}`));
      const first = await send();
      expect(first.status).toBe(400);
      expect((first.json.error as { message: string }).message).toMatch(
        new RegExp(`^signing_cert_url: .*${reason}`),
      );
      expect((await send()).status).toBe(400);
      expect(fetchesOf(path)).toBe(1);
      // Short: after the failure window (30 s by default) the address is tried again.
      h.clock.nowMs += 31_000;
      expect((await send()).status).toBe(400);
      expect(fetchesOf(path)).toBe(2);
      expect(h.bus.published).toHaveLength(0);
    },
  );

  it('a certificate host answering 500 is a 503 (retry later), also remembered briefly', async () => {
    const path = '/smn/broken/cert.pem';
    const send = () => post(notification(alarm(), nextId(), `${origin.url}${path}`));
    expect((await send()).status).toBe(503);
    expect((await send()).status).toBe(503);
    expect(fetchesOf(path)).toBe(1);
  });

  it('refuses a correctly signed message dated a year ahead; one a minute ahead is accepted and remembered', async () => {
    const certUrl = `${origin.url}/smn/certificate/current.pem`;
    const dated = (aheadMs: number) =>
      smnMessage(
        {
          type: 'Notification',
          message_id: nextId(),
          subject: 's',
          timestamp: iso(h.clock.nowMs + aheadMs),
          message: cloudEyeQueueAlarm('alarm', iso(h.clock.nowMs), 'ahead_q'),
        },
        cert.keyPem,
        certUrl,
      );
    const before = origin.requests.length;
    const yearAhead = await post(dated(365 * 86_400_000));
    expect(yearAhead.status).toBe(400);
    expect((yearAhead.json.error as { message: string }).message).toBe(
      "timestamp: message is dated more than 300 seconds ahead of this server's clock",
    );
    expect(origin.requests.length).toBe(before);
    expect(h.bus.published).toHaveLength(0);

    const minuteAhead = dated(60_000);
    expect((await post(minuteAhead)).status).toBe(200);
    expect(h.bus.published).toHaveLength(1);
    // Acceptable until its own timestamp + dedupeSeconds, so its id is remembered at least that long.
    const claim = await h.store.get(SMN_DEDUPE_PK, minuteAhead.message_id as string);
    expect(claim?.expiresAtSec).toBeGreaterThanOrEqual(
      Math.floor(Date.parse(minuteAhead.timestamp as string) / 1000) + 3 * 86_400,
    );
  });
});
