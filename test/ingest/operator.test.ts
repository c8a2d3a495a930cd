import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookServer, type WebhookServer } from '../../lib/ingest/http-server.js';
import { operatorPayload, signPayload } from '../../lib/ingest/signing.js';
import { writeAudit } from '../../lib/remediation/audit.js';
import { jobEvent } from '../alerts/helpers.js';
import {
  apiEvent,
  type Harness,
  notifierFor,
  responseJson,
  SECRETS,
  startHarness,
  testConfigYaml,
} from './helpers.js';

/** A chat endpoint stand-in: counts the alert batches the notifier posts. */
let sink: Server;
let sinkUrl = '';
const received: string[] = [];

let h: Harness;
let server: WebhookServer;
const auth = { authorization: `Bearer ${SECRETS.JW_OPERATOR_TOKEN}` };

beforeAll(async () => {
  sink = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
  const yaml = `${testConfigYaml()}
channels:
  - name: ops
    type: webhook
    url: env:JW_SINK_URL
route:
  receiver: ops
  groupBy: ['...']
  groupWaitSeconds: 0
`;
  h = await startHarness({ yaml });
  server = await startWebhookServer({ handler: h.handler });
});

afterAll(async () => {
  await server?.stop();
  await h?.stop();
  await new Promise<void>((resolve) => {
    sink.closeAllConnections();
    sink.close(() => resolve());
  });
});

beforeEach(() => {
  h.bus.published.length = 0;
  h.clock.nowMs = Date.now();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = auth) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function silenceBody(job: string, minutes = 60) {
  return {
    matchers: [`job="${job}"`],
    endsAt: new Date(h.clock.nowMs + minutes * 60_000).toISOString(),
    createdBy: 'ana',
    comment: 'planned backfill',
  };
}

describe('operator API authentication', () => {
  it('refuses requests without credentials (401 with WWW-Authenticate) and with a wrong token', async () => {
    const none = await h.handler(apiEvent('GET', '/api/silences'));
    expect(none.statusCode).toBe(401);
    expect(none.headers?.['www-authenticate']).toBe('Bearer');
    const wrong = await call('GET', '/api/silences', undefined, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
  });

  it('accepts an HMAC-signed request bound to method, path and query, once', async () => {
    const ts = String(Math.floor(h.clock.nowMs / 1000));
    const signature = signPayload(
      SECRETS.JW_OPERATOR_HMAC,
      ts,
      operatorPayload('GET', '/api/events', 'limit=5', Buffer.alloc(0)),
    );
    const headers = { 'x-jobwatch-timestamp': ts, 'x-jobwatch-signature': signature };
    const ok = await h.handler(apiEvent('GET', '/api/events', { query: 'limit=5', headers }));
    expect(ok.statusCode).toBe(200);
    // The same signature on another query (or again) is refused.
    const other = await h.handler(apiEvent('GET', '/api/events', { query: 'limit=500', headers }));
    expect(other.statusCode).toBe(401);
    const again = await h.handler(apiEvent('GET', '/api/events', { query: 'limit=5', headers }));
    expect(again.statusCode).toBe(401);
  });
});

describe('silences through the API', () => {
  it('creates, lists and expires a silence', async () => {
    const created = await call('POST', '/api/silences', silenceBody('nightly'));
    expect(created.status).toBe(201);
    const silence = created.json.silence as { id: string; matchers: unknown[] };
    expect(silence.matchers).toEqual([{ name: 'job', op: '=', value: 'nightly' }]);
    const listed = await call('GET', '/api/silences');
    expect((listed.json.silences as { id: string }[]).map((s) => s.id)).toContain(silence.id);
    const expired = await call('DELETE', `/api/silences/${silence.id}`);
    expect(expired.status).toBe(200);
    const after = await call('GET', '/api/silences');
    expect((after.json.silences as { id: string }[]).map((s) => s.id)).not.toContain(silence.id);
    const all = await call('GET', '/api/silences?includeExpired=true');
    expect((all.json.silences as { id: string }[]).map((s) => s.id)).toContain(silence.id);
  });

  it('names the problem when a silence is invalid, and 404s an unknown silence', async () => {
    const noEnd = await call('POST', '/api/silences', {
      matchers: ['job="x"'],
      createdBy: 'a',
      comment: 'c',
    });
    expect(noEnd.status).toBe(400);
    expect((noEnd.json.error as { message: string }).message).toContain('endsAt');
    const past = await call('POST', '/api/silences', silenceBody('x', -5));
    expect(past.status).toBe(400);
    expect((past.json.error as { message: string }).message).toContain('past');
    expect((await call('DELETE', '/api/silences/does-not-exist')).status).toBe(404);
  });

  it('answers 400 naming the matcher field for an invalid regular expression, in text and object form', async () => {
    const before = (await call('GET', '/api/silences')).json.silences as unknown[];
    for (const matchers of [['job=~"(etl"'], [{ name: 'team', op: '!~', value: 'data[' }]]) {
      const response = await call('POST', '/api/silences', { ...silenceBody('x'), matchers });
      expect(response.status).toBe(400);
      const message = (response.json.error as { message: string }).message;
      expect(message).toContain('matchers[0].value: invalid regular expression');
      expect(message).toContain('missing closing');
    }
    // Lookahead is not RE2: refused as input instead of being stored and failing later.
    const perl = await call('POST', '/api/silences', { ...silenceBody('x'), matchers: ['job=~"(?=a)a"'] });
    expect(perl.status).toBe(400);
    expect((perl.json.error as { message: string }).message).toContain('matchers[0].value');
    expect((await call('GET', '/api/silences')).json.silences).toHaveLength(before.length);
  });

  it('mutes alerts in the router: a silenced job sends nothing, an unsilenced one is sent', async () => {
    const created = await call('POST', '/api/silences', silenceBody('orders'));
    expect(created.status).toBe(201);
    // Two events in through the signed ingest: one for the silenced job, one for another job.
    const body = JSON.stringify(
      ['orders', 'payments'].map((name) => ({
        type: 'job.failed',
        provider: 'huawei-dli',
        targetId: 'dli-prod',
        region: 'cn-north-4',
        resource: {
          key: `huawei-dli/cn-north-4/project:p/job:${name}`,
          kind: 'job',
          name,
          vendorId: name,
          scope: { kind: 'project', id: 'p' },
        },
        severity: 'critical',
        status: 'firing',
        title: `${name} failed`,
        summary: 'exit 1',
        startsAtMs: h.clock.nowMs - 1000,
      })),
    );
    const ts = String(Math.floor(h.clock.nowMs / 1000));
    const ingest = await h.handler(
      apiEvent('POST', '/ingest/events', {
        body,
        headers: {
          'x-jobwatch-timestamp': ts,
          'x-jobwatch-signature': signPayload(SECRETS.JW_EVENTS_SECRET, ts, body),
        },
      }),
    );
    expect(ingest.statusCode).toBe(200);
    const notifier = notifierFor(h, { JW_SINK_URL: sinkUrl });
    try {
      received.length = 0;
      const silenced = h.bus.published.filter((e) => e.data.resource.name === 'orders');
      const report = await notifier.handle(silenced);
      expect(report.sent).toBe(0);
      expect(received).toHaveLength(0);
      const control = await notifier.handle(
        h.bus.published.filter((e) => e.data.resource.name === 'payments'),
      );
      expect(control.sent).toBe(1);
      expect(received).toHaveLength(1);
      expect(received[0]).toContain('payments');
      expect(received[0]).not.toContain('orders failed');
    } finally {
      await notifier.close();
    }
  });
});

describe('targets, events and remediation history', () => {
  it('triggers a poll of a configured target (202) and 404s an unknown one', async () => {
    const polled = await call('POST', '/api/targets/dli-prod/poll');
    expect(polled).toEqual({ status: 202, json: { targetId: 'dli-prod', poll: 'requested' } });
    expect(h.polls).toContain('dli-prod');
    expect((await call('POST', '/api/targets/nope/poll')).status).toBe(404);
    expect((await call('GET', '/api/targets/dli-prod/poll')).status).toBe(405);
  });

  it('lists recent events newest first, honouring and validating limit', async () => {
    const body = JSON.stringify({
      type: 'job.stuck',
      provider: 'huawei-mrs',
      targetId: 'mrs-prod',
      region: 'cn-north-4',
      resource: {
        key: 'k-recent',
        kind: 'job',
        name: 'recent',
        vendorId: '1',
        scope: { kind: 'cluster', id: 'c' },
      },
      severity: 'warning',
      status: 'firing',
      title: 'recent stuck',
      summary: 'pending 20 minutes',
      startsAtMs: h.clock.nowMs + 1,
    });
    const ts = String(Math.floor(h.clock.nowMs / 1000));
    await h.handler(
      apiEvent('POST', '/ingest/events', {
        body,
        headers: {
          'x-jobwatch-timestamp': ts,
          'x-jobwatch-signature': signPayload(SECRETS.JW_EVENTS_SECRET, ts, body),
        },
      }),
    );
    const events = await call('GET', '/api/events?limit=1');
    expect(events.status).toBe(200);
    expect((events.json.events as { subject: string }[]).map((e) => e.subject)).toEqual(['k-recent']);
    const bad = await call('GET', '/api/events?limit=abc');
    expect(bad.status).toBe(400);
    expect((bad.json.error as { message: string }).message).toContain('limit');
  });

  it('reads remediation history for a job', async () => {
    const base = {
      decision: 'performed' as const,
      mode: 'dry-run',
      policy: 'restart-failed',
      action: 'restart' as const,
      outcome: 'dry-run' as const,
      reason: 'would restart',
      actor: 'remediate',
      job: {
        key: 'huawei-dli/cn-north-4/project:p/job:7',
        name: 'etl-orders',
        kind: 'job' as const,
        provider: 'huawei-dli' as const,
        targetId: 'dli-prod',
        vendorId: '7',
      },
      trigger: {
        type: 'job.failed',
        fingerprint: '0123456789abcdef',
        startsAtMs: 1,
        severity: 'critical',
        eventId: 'e',
      },
    };
    await writeAudit(h.store, { ...base, id: 'a1', atMs: h.clock.nowMs - 2000 } as never, 30);
    await writeAudit(h.store, { ...base, id: 'a2', atMs: h.clock.nowMs - 1000 } as never, 30);
    const byName = await call('GET', '/api/remediations?job=etl-orders');
    expect(byName.status).toBe(200);
    expect((byName.json.remediations as { id: string }[]).map((r) => r.id)).toEqual(['a2', 'a1']);
    const limited = await call('GET', `/api/remediations?job=${encodeURIComponent(base.job.key)}&limit=1`);
    expect((limited.json.remediations as { id: string }[]).map((r) => r.id)).toEqual(['a2']);
    expect(responseJson({ body: JSON.stringify(byName.json) })).not.toHaveProperty('error');
  });
});

describe('acknowledgements through the API', () => {
  it('POST /api/acks acknowledges a firing alert (201), GET lists it; bad input is a 4xx', async () => {
    const notifier = notifierFor(h, { JW_SINK_URL: sinkUrl });
    try {
      const firing = jobEvent({ name: 'ack-me', startsAtMs: h.clock.nowMs });
      await notifier.handle([firing]);
      const body = { alert: 'ack-me', durationMs: 3600_000, createdBy: 'ana', comment: 'on it' };
      const unauthenticated = await call('POST', '/api/acks', body, {});
      expect(unauthenticated.status).toBe(401);
      const created = await call('POST', '/api/acks', body);
      expect(created.status).toBe(201);
      expect((created.json.acks as { fingerprint: string }[]).map((a) => a.fingerprint)).toEqual([
        firing.data.fingerprint,
      ]);
      const listed = await call('GET', '/api/acks');
      expect(listed.status).toBe(200);
      expect(listed.json.active).toEqual([
        expect.objectContaining({ fingerprint: firing.data.fingerprint, createdBy: 'ana', via: 'api' }),
      ]);
      expect((listed.json.history as unknown[]).length).toBeGreaterThanOrEqual(1);
      expect((await call('POST', '/api/acks', { ...body, alert: 'nothing-fires' })).status).toBe(404);
      expect((await call('POST', '/api/acks', { alert: 'ack-me' })).status).toBe(400);
      expect((await call('POST', '/api/acks', { ...body, durationMs: 30 * 86_400_000 })).status).toBe(400);
      expect((await call('DELETE', '/api/acks')).status).toBe(405);
    } finally {
      await notifier.close();
    }
  });
});
