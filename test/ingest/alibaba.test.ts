import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookServer, type WebhookServer } from '../../lib/ingest/http-server.js';
import { resourceKey } from '../../lib/model/snapshot.js';
import { apiEvent, type Harness, responseJson, SECRETS, startHarness } from './helpers.js';

let h: Harness;
let server: WebhookServer;

beforeAll(async () => {
  h = await startHarness();
  server = await startWebhookServer({ handler: h.handler });
});

afterAll(async () => {
  await server?.stop();
  await h?.stop();
});

beforeEach(() => {
  h.bus.published.length = 0;
  h.clock.nowMs = Date.now();
});

/** A CloudMonitor threshold callback as the alert-callback doc lists its form fields. */
function cloudMonitorForm(state: 'ALERT' | 'OK' | 'INSUFFICIENT_DATA', timestampMs: number) {
  return new URLSearchParams({
    alertName: 'blink-delay-high',
    alertState: state,
    curValue: state === 'ALERT' ? '912' : '3',
    dimensions: '{userId=1270676679540000, projectName=etl, jobName=orders}',
    expression: '$Average>600',
    instanceName: 'orders',
    metricName: 'delay',
    metricProject: 'acs_realtime_compute',
    namespace: 'acs_realtime_compute',
    ruleId: 'rule-7f3a',
    timestamp: String(timestampMs),
    triggerLevel: state === 'ALERT' ? 'CRITICAL' : 'INFO',
    userId: '1270676679540000',
    regionId: 'cn-hangzhou',
  }).toString();
}

async function postForm(path: string, body: string, query = '', headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('Alibaba CloudMonitor callbacks', () => {
  it('turns a form-encoded ALERT into a firing metric.threshold event on the Blink job', async () => {
    const atMs = h.clock.nowMs - 30_000;
    const response = await postForm(
      '/ingest/alibaba-cloudmonitor',
      cloudMonitorForm('ALERT', atMs),
      `?token=${SECRETS.JW_CM_TOKEN}`,
    );
    expect(response.status).toBe(200);
    expect(h.bus.published).toHaveLength(1);
    const event = h.bus.published[0]!;
    expect(event.data).toMatchObject({
      type: 'metric.threshold',
      provider: 'alibaba-blink',
      targetId: 'blink-prod',
      region: 'cn-hangzhou',
      status: 'firing',
      severity: 'critical',
      startsAtMs: atMs,
      values: { metric: 'delay', currentValue: '912' },
      resource: {
        kind: 'job',
        name: 'orders',
        key: resourceKey({
          provider: 'alibaba-blink',
          region: 'cn-hangzhou',
          scope: { kind: 'project', id: 'etl' },
          type: 'job',
          vendorId: 'orders',
        }),
      },
    });
  });

  it('turns OK into a resolved event with the same fingerprint', async () => {
    await postForm('/ingest/alibaba-cloudmonitor', cloudMonitorForm('ALERT', h.clock.nowMs - 60_000), '', {
      'x-jobwatch-token': SECRETS.JW_CM_TOKEN,
    });
    await postForm('/ingest/alibaba-cloudmonitor', cloudMonitorForm('OK', h.clock.nowMs), '', {
      'x-jobwatch-token': SECRETS.JW_CM_TOKEN,
    });
    const [firing, resolved] = h.bus.published;
    expect(resolved?.data.status).toBe('resolved');
    expect(resolved?.data.fingerprint).toBe(firing?.data.fingerprint);
  });

  it('ignores INSUFFICIENT_DATA with a 200 and no event', async () => {
    const response = await postForm(
      '/ingest/alibaba-cloudmonitor',
      cloudMonitorForm('INSUFFICIENT_DATA', h.clock.nowMs),
      `?token=${SECRETS.JW_CM_TOKEN}`,
    );
    expect(response).toMatchObject({ status: 200, json: { status: 'ignored' } });
    expect(h.bus.published).toHaveLength(0);
  });

  it('refuses a missing or wrong token with 401 and no event', async () => {
    const body = cloudMonitorForm('ALERT', h.clock.nowMs);
    expect((await postForm('/ingest/alibaba-cloudmonitor', body)).status).toBe(401);
    expect(
      (await postForm('/ingest/alibaba-cloudmonitor', body, '?token=cm-token-9f8e7d6c5b4b')).status,
    ).toBe(401);
    expect(h.bus.published).toHaveLength(0);
  });

  it('refuses a source address outside the allow-list with 403, even with the right token', async () => {
    const alertFrom = (sourceIp: string) =>
      h.handler(
        apiEvent('POST', '/ingest/alibaba-cloudmonitor', {
          body: cloudMonitorForm('ALERT', h.clock.nowMs),
          query: `token=${SECRETS.JW_CM_TOKEN}`,
          sourceIp,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
      );
    const response = await alertFrom('203.0.113.9');
    expect(response.statusCode).toBe(403);
    const allowed = await alertFrom('47.74.206.17');
    expect(allowed.statusCode).toBe(200);
    expect(h.bus.published).toHaveLength(1);
  });

  it('names the problem in a 400 for a callback without a state', async () => {
    const response = await postForm(
      '/ingest/alibaba-cloudmonitor',
      'metricName=delay',
      `?token=${SECRETS.JW_CM_TOKEN}`,
    );
    expect(response.status).toBe(400);
    expect((response.json.error as { message: string }).message).toContain('alertState');
  });
});

/** An ARMS alert webhook body, Alertmanager format (version 4). */
function armsPayload(status: 'firing' | 'resolved') {
  return {
    version: '4',
    receiver: 'jobwatch',
    status,
    groupLabels: { alertname: 'FlinkCheckpointFailures' },
    commonLabels: { alertname: 'FlinkCheckpointFailures', severity: 'P2' },
    commonAnnotations: {},
    externalURL: 'https://arms.console.aliyun.com',
    alerts: [
      {
        status,
        labels: {
          alertname: 'FlinkCheckpointFailures',
          severity: 'P2',
          projectName: 'etl',
          jobName: 'orders',
        },
        annotations: {
          summary: 'orders: checkpoints failing',
          description: '3 checkpoints failed in 10 minutes',
        },
        startsAt: '2026-11-23T04:50:00Z',
        endsAt: status === 'resolved' ? '2026-11-23T05:00:00Z' : '0001-01-01T00:00:00Z',
        generatorURL: 'https://arms.console.aliyun.com/alert/1',
        fingerprint: 'a1b2c3',
      },
      {
        status,
        labels: {
          alertname: 'FlinkCheckpointFailures',
          severity: 'critical',
          projectName: 'etl',
          jobName: 'payments',
        },
        annotations: { summary: 'payments: checkpoints failing' },
        startsAt: '2026-11-23T04:55:00Z',
        endsAt: status === 'resolved' ? '2026-11-23T05:00:00Z' : '0001-01-01T00:00:00Z',
      },
    ],
  };
}

describe('Alibaba ARMS (Alertmanager format) webhooks', () => {
  it('turns each alert into an event, firing then resolved with the same fingerprints', async () => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.JW_ARMS_TOKEN}` };
    const firing = await fetch(`${server.url}/ingest/alibaba-arms`, {
      method: 'POST',
      headers,
      body: JSON.stringify(armsPayload('firing')),
    });
    expect(firing.status).toBe(200);
    const resolved = await fetch(`${server.url}/ingest/alibaba-arms`, {
      method: 'POST',
      headers,
      body: JSON.stringify(armsPayload('resolved')),
    });
    expect(resolved.status).toBe(200);
    expect(h.bus.published.map((e) => [e.data.resource.name, e.data.status, e.data.severity])).toEqual([
      ['orders', 'firing', 'warning'],
      ['payments', 'firing', 'critical'],
      ['orders', 'resolved', 'warning'],
      ['payments', 'resolved', 'critical'],
    ]);
    expect(h.bus.published[2]?.data.fingerprint).toBe(h.bus.published[0]?.data.fingerprint);
    expect(h.bus.published[0]?.data).toMatchObject({
      title: 'orders: checkpoints failing',
      startsAtMs: Date.parse('2026-11-23T04:50:00Z'),
      labels: { source: 'arms', alertname: 'FlinkCheckpointFailures' },
    });
    expect(h.bus.published[2]?.data.endsAtMs).toBe(Date.parse('2026-11-23T05:00:00Z'));
  });

  it('refuses an unauthenticated ARMS request with 401 and a payload without alerts with 400', async () => {
    const unauth = await h.handler(
      apiEvent('POST', '/ingest/alibaba-arms', { body: JSON.stringify(armsPayload('firing')) }),
    );
    expect(unauth.statusCode).toBe(401);
    const empty = await h.handler(
      apiEvent('POST', '/ingest/alibaba-arms', {
        body: JSON.stringify({ ...armsPayload('firing'), alerts: [] }),
        headers: { 'x-jobwatch-token': SECRETS.JW_ARMS_TOKEN },
      }),
    );
    expect(empty.statusCode).toBe(400);
    expect(String((responseJson(empty).error as { message: string }).message)).toContain('alerts');
    expect(h.bus.published).toHaveLength(0);
  });
});
