import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INGEST_DEADLETTER_PK, replayIngestDeadLetters } from '../../lib/ingest/accept.js';
import { startWebhookServer, type WebhookServer } from '../../lib/ingest/http-server.js';
import { signPayload } from '../../lib/ingest/signing.js';
import { silentLogger } from '../../lib/observability/logger.js';
import { dliJobFailed } from '../support/events.js';
import { apiEvent, type Harness, responseJson, SECRETS, startHarness } from './helpers.js';

let h: Harness;
let server: WebhookServer;

beforeAll(async () => {
  h = await startHarness();
  server = await startWebhookServer({ handler: h.handler, maxBodyBytes: 256 * 1024 });
});

afterAll(async () => {
  await server?.stop();
  await h?.stop();
});

beforeEach(() => {
  h.bus.published.length = 0;
  h.bus.failing = 'no';
  h.clock.nowMs = Date.now();
});

let seq = 0;
function eventInput(overrides: Record<string, unknown> = {}) {
  seq += 1;
  return { ...dliJobFailed(seq, h.clock.nowMs - 1000), ...overrides };
}

function signed(
  body: string,
  timestampSec = Math.floor(h.clock.nowMs / 1000),
  secret: string = SECRETS.JW_EVENTS_SECRET,
) {
  const ts = String(timestampSec);
  return {
    'content-type': 'application/json',
    'x-jobwatch-timestamp': ts,
    'x-jobwatch-signature': signPayload(secret, ts, body),
  };
}

async function post(body: string, headers: Record<string, string>) {
  const response = await fetch(`${server.url}/ingest/events`, { method: 'POST', headers, body });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('generic signed ingest', () => {
  it('accepts one signed event and an array, building fingerprints and ids itself', async () => {
    const one = JSON.stringify(eventInput());
    expect((await post(one, signed(one))).status).toBe(200);
    const many = JSON.stringify([eventInput(), eventInput({ status: 'resolved', endsAtMs: h.clock.nowMs })]);
    const response = await post(many, signed(many));
    expect(response).toMatchObject({ status: 200, json: { accepted: 2, published: 2 } });
    expect(h.bus.published).toHaveLength(3);
    expect(h.bus.published[0]?.data.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(h.bus.published[0]?.source).toBe('jobwatch/huawei-dli/dli-prod');
  });

  it('rejects an unsigned request with 401 and publishes nothing', async () => {
    const body = JSON.stringify(eventInput());
    const response = await post(body, { 'content-type': 'application/json' });
    expect(response.status).toBe(401);
    expect(h.bus.published).toHaveLength(0);
  });

  it('rejects a wrong signature, a signature by another secret, and a changed body', async () => {
    const body = JSON.stringify(eventInput());
    const headers = signed(body);
    expect((await post(body, { ...headers, 'x-jobwatch-signature': 'v1=00' })).status).toBe(401);
    expect((await post(body, signed(body, undefined, 'another-secret'))).status).toBe(401);
    expect((await post(body.replace('critical', 'info'), headers)).status).toBe(401);
    expect(h.bus.published).toHaveLength(0);
  });

  it('rejects a timestamp outside the 5-minute window (replay protection)', async () => {
    const body = JSON.stringify(eventInput());
    const old = Math.floor(h.clock.nowMs / 1000) - 301;
    const response = await post(body, signed(body, old));
    expect(response.status).toBe(401);
    expect((response.json.error as { message: string }).message).toContain('window');
    const future = Math.floor(h.clock.nowMs / 1000) + 301;
    expect((await post(body, signed(body, future))).status).toBe(401);
    expect(h.bus.published).toHaveLength(0);
  });

  it('rejects the same signed request sent twice within the window', async () => {
    const body = JSON.stringify(eventInput());
    const headers = signed(body);
    expect((await post(body, headers)).status).toBe(200);
    const replay = await post(body, headers);
    expect(replay.status).toBe(401);
    expect((replay.json.error as { message: string }).message).toContain('replay');
    expect(h.bus.published).toHaveLength(1);
  });

  it('names the bad field of an invalid event in the 400, and frees the signature for a retry', async () => {
    const body = JSON.stringify(eventInput({ severity: 'disaster' }));
    const headers = signed(body);
    const response = await post(body, headers);
    expect(response.status).toBe(400);
    expect((response.json.error as { message: string }).message).toContain('severity');
    expect((await post(body, headers)).status).toBe(400);
  });

  it("checks a sender's values against the type's payload, naming the fact, and keeps its own figures", async () => {
    const wrong = JSON.stringify(eventInput({ values: { state: 'failed' } }));
    const refused = await post(wrong, signed(wrong));
    expect(refused.status).toBe(400);
    expect((refused.json.error as { message: string }).message).toContain('data.values.state');
    const body = JSON.stringify(eventInput({ values: { state: 'FAILED', ticket: 'OPS-1', retries: 2 } }));
    expect((await post(body, signed(body))).status).toBe(200);
    expect(h.bus.published.at(-1)?.data.values).toEqual({ state: 'FAILED', ticket: 'OPS-1', retries: 2 });
  });

  it('scrubs, single-spaces and cuts error text where it enters, as a collector does', async () => {
    const lastError = `password=hunter2 java.io.IOException: broken pipe\n${'\tat a.b.C.d(C.java:1)\n'.repeat(40)}`;
    const body = JSON.stringify(eventInput({ values: { lastError } }));
    expect((await post(body, signed(body))).status).toBe(200);
    const kept = String(h.bus.published.at(-1)?.data.values.lastError);
    expect(kept).toMatch(/^password=<redacted> java\.io\.IOException: broken pipe at a\.b\.C\.d/);
    expect(kept.length).toBeLessThanOrEqual(300);
    expect(kept).not.toContain('\n');
  });

  it('refuses remediation event types from outside systems', async () => {
    const body = JSON.stringify(eventInput({ type: 'remediation.performed' }));
    const response = await post(body, signed(body));
    expect(response.status).toBe(400);
    expect((response.json.error as { message: string }).message).toContain('type');
  });

  it('refuses a body over the limit with 413, over HTTP and as an API Gateway event', async () => {
    const huge = JSON.stringify({ ...eventInput(), summary: 'x'.repeat(300 * 1024) });
    const response = await post(huge, signed(huge));
    expect(response.status).toBe(413);
    const direct = await h.handler(apiEvent('POST', '/ingest/events', { body: huge, headers: signed(huge) }));
    expect(direct.statusCode).toBe(413);
    expect(h.bus.published).toHaveLength(0);
  });

  it('dead-letters events the bus refuses and answers 202 accepted-deferred', async () => {
    h.bus.failing = 'refuse';
    const input = eventInput();
    const body = JSON.stringify(input);
    const response = await h.handler(apiEvent('POST', '/ingest/events', { body, headers: signed(body) }));
    expect(response.statusCode).toBe(202);
    expect(responseJson(response)).toMatchObject({ status: 'accepted-deferred', accepted: 1, deferred: 1 });
    const parked = await h.store.query<{ event: { subject: string }; reason: string }>(INGEST_DEADLETTER_PK);
    expect(
      parked.some((p) => p.data.event.subject === input.resource.key && p.data.reason.includes('refused')),
    ).toBe(true);
  });

  it('replays dead-lettered events once the bus is back, and deletes only what the bus took', async () => {
    h.bus.failing = 'refuse';
    const input = eventInput();
    const body = JSON.stringify(input);
    expect(
      (await h.handler(apiEvent('POST', '/ingest/events', { body, headers: signed(body) }))).statusCode,
    ).toBe(202);
    const deps = { bus: h.bus, store: h.store, logger: silentLogger, now: () => h.clock.nowMs };
    // Still down: nothing leaves the dead letter.
    const stillDown = await replayIngestDeadLetters(deps);
    expect(stillDown.replayed).toBe(0);
    expect(stillDown.remaining).toBeGreaterThan(0);
    h.bus.failing = 'no';
    const replay = await replayIngestDeadLetters(deps);
    expect(replay.remaining).toBe(0);
    expect(h.bus.published.map((e) => e.subject)).toContain(input.resource.key);
    expect(await h.store.query(INGEST_DEADLETTER_PK)).toHaveLength(0);
  });

  it('answers a method other than POST with 405 and an unknown path with 404', async () => {
    const get = await h.handler(apiEvent('GET', '/ingest/events'));
    expect(get.statusCode).toBe(405);
    expect(get.headers?.allow).toBe('POST');
    expect((await h.handler(apiEvent('POST', '/ingest/nope'))).statusCode).toBe(404);
  });
});
