/** Signed action links over real HTTP: rendered in firing messages, a GET never acts, a POST acts once. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ackHistory, activeAcks } from '../../lib/alerts/acks.js';
import { signActionToken } from '../../lib/alerts/action-links.js';
import { listSilences } from '../../lib/alerts/silences.js';
import type { JobwatchEvent } from '../../lib/events/schema.js';
import type { WebhookServer } from '../../lib/ingest/http-server.js';
import type { ChatSink } from '../../lib/sandbox/chat-sink.js';
import {
  CHANNEL_CONFIGS,
  jobEvent,
  resolvedOf,
  SINK_SECRETS,
  sinkEnv,
  UNPACED_SINK_RATES,
} from '../alerts/helpers.js';
import {
  type ChatHarness,
  type Harness,
  notifierFor,
  notifyOnce,
  startChatHarness,
  stopChatHarness,
  testConfigYaml,
} from './helpers.js';

let sink: ChatSink;
let h: Harness;
let server: WebhookServer;
let firing: JobwatchEvent;
const links: Record<string, string> = {};

const TYPES = Object.keys(CHANNEL_CONFIGS);

let started: ChatHarness;
beforeAll(async () => {
  const yaml = `${testConfigYaml()}
channels: ${JSON.stringify(Object.values(CHANNEL_CONFIGS))}
route:
  receiver: webhook
  groupWaitSeconds: 0
  routes: ${JSON.stringify(TYPES.filter((t) => t !== 'webhook').map((t) => ({ receiver: t, continue: true })))}
`;
  started = await startChatHarness({
    yaml,
    env: () => ({}),
    sink: { secrets: SINK_SECRETS, rateLimits: UNPACED_SINK_RATES },
  });
  ({ sink, h, server } = started);
  firing = jobEvent({ name: 'act-job', startsAtMs: h.clock.nowMs - 60_000 });
  await notifyOnce(h, sinkEnv(sink), [firing]);
  const slack = JSON.stringify(sink.messages.find((m) => m.channel === 'slack')?.body);
  for (const m of slack.matchAll(
    /<(https:\/\/jobwatch\.example\.com\/act\?t=[\w.-]+)\|(Acknowledge|Silence [14] h)>/g,
  ))
    links[m[2] as string] = m[1] as string;
});

afterAll(async () => stopChatHarness(started));

beforeEach(() => {
  h.clock.nowMs = Date.now();
});

const tokenOf = (link: string | undefined) => new URL(link ?? 'https://x/').searchParams.get('t') ?? '';
const get = (token: string) => fetch(`${server.url}/act?t=${encodeURIComponent(token)}`);
const post = (token: string, type = 'application/x-www-form-urlencoded') =>
  fetch(`${server.url}/act`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: new URLSearchParams({ t: token }).toString(),
  });

describe('action links', () => {
  it('every chat and incident channel carries them in the firing message', () => {
    expect(Object.keys(links).sort()).toEqual(['Acknowledge', 'Silence 1 h', 'Silence 4 h']);
    for (const type of TYPES.filter((t) => t !== 'webhook')) {
      const bodies = sink.messages.filter((m) => m.channel === type).map((m) => JSON.stringify(m.body));
      expect(bodies.join(' '), type).toMatch(/https:\/\/jobwatch\.example\.com\/act\?t=[\w.-]+/);
    }
  });

  it('a GET shows what will happen and a form, and never acts', async () => {
    const token = tokenOf(links['Acknowledge']);
    for (let i = 0; i < 3; i++) {
      const page = await get(token);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<form method="post" action="/act">');
      expect(html).toContain('act-job');
      expect(page.headers.get('cache-control')).toBe('no-store');
    }
    expect(await activeAcks(h.store, h.clock.nowMs)).toEqual(new Map());
  });

  it('forged, tampered, expired and malformed tokens are 4xx and do nothing', async () => {
    const token = tokenOf(links['Acknowledge']);
    const [payload, signature] = token.split('.') as [string, string];
    const forged = signActionToken('not-the-key-not-the-key-not-the-key', {
      fingerprint: firing.data.fingerprint,
      action: 'ack',
      expiresAtMs: h.clock.nowMs + 3600_000,
      nonce: 'forgedforgedforged01',
    });
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${Buffer.from(JSON.stringify({ ...claims, a: 'silence-4h' })).toString('base64url')}.${signature}`;
    for (const [bad, status] of [
      [forged, 403],
      [tampered, 403],
      ['not-a-token', 400],
      ['', 400],
      [`${token}x`, 403],
    ] as const) {
      expect((await get(bad)).status, bad).toBe(status);
      expect((await post(bad)).status, bad).toBe(status);
    }
    h.clock.nowMs += 25 * 3600_000;
    expect((await get(token)).status).toBe(410);
    expect((await post(token)).status).toBe(410);
    h.clock.nowMs = Date.now();
    expect((await post(token, 'text/plain')).status).toBe(415);
    expect((await fetch(`${server.url}/act`, { method: 'PUT' })).status).toBe(405);
    expect(await activeAcks(h.store, h.clock.nowMs)).toEqual(new Map());
  });

  it('two POSTs of one link act once: one 200, one 409, one acknowledgement', async () => {
    const token = tokenOf(links['Acknowledge']);
    const statuses = (await Promise.all([post(token), post(token)])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    expect([...(await activeAcks(h.store, h.clock.nowMs)).keys()]).toEqual([firing.data.fingerprint]);
    expect((await ackHistory(h.store)).filter((a) => a.via === 'link')).toHaveLength(1);
    expect((await post(token)).status).toBe(409);
  });

  it('Silence 1 h creates one silence ending in an hour for that alert', async () => {
    const response = await post(tokenOf(links['Silence 1 h']));
    expect(response.status).toBe(200);
    const silences = await listSilences(h.store, h.clock.nowMs);
    expect(silences).toHaveLength(1);
    expect(silences[0]?.endsAtMs).toBeGreaterThan(h.clock.nowMs + 3500_000);
    expect(silences[0]?.endsAtMs).toBeLessThanOrEqual(h.clock.nowMs + 3600_000);
    expect(silences[0]?.matchers).toContainEqual(
      expect.objectContaining({ name: 'resource', value: 'act-job' }),
    );
  });

  it('an alert that no longer fires is refused (409)', async () => {
    const notifier = notifierFor(h, sinkEnv(sink));
    await notifier.handle([resolvedOf(firing, h.clock.nowMs)]);
    await notifier.close();
    expect((await post(tokenOf(links['Silence 4 h']))).status).toBe(409);
    expect(await listSilences(h.store, h.clock.nowMs)).toHaveLength(1);
  });
});

describe('approval links', () => {
  it('a remediation waiting for approval carries Approve / Reject (not Acknowledge); without a remediator they are refused', async () => {
    const notifier = notifierFor(h, sinkEnv(sink));
    const approvalId = 'apr-0123456789abcdef0123';
    const asked = jobEvent({
      name: 'approval-job',
      type: 'remediation.skipped',
      severity: 'warning',
      title: 'Approval needed: restart approval-job',
      values: {
        action: 'restart',
        outcome: 'skipped',
        reasonCode: 'awaiting-approval',
        approvalId,
        approvalExpiresAtMs: h.clock.nowMs + 1800_000,
      },
    });
    const before = sink.messages.length;
    await notifier.handle([asked]);
    await notifier.flush();
    await notifier.close();
    const slack = sink.messages
      .slice(before)
      .filter((m) => m.channel === 'slack')
      .map((m) => JSON.stringify(m.body))
      .join(' ');
    const titles = [...slack.matchAll(/<https:\/\/jobwatch\.example\.com\/act\?t=[\w.-]+\|([^>]+)>/g)].map(
      (m) => m[1],
    );
    expect(titles).toEqual(['Approve', 'Reject']);
    const approve = /<(https:\/\/jobwatch\.example\.com\/act\?t=[\w.-]+)\|Approve>/.exec(slack)?.[1];
    const token = tokenOf(approve);
    const claims = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({ f: approvalId, a: 'approve' });
    // This webhook has no remediator: the link is refused, and says so.
    const refused = await post(token);
    expect(refused.status).toBe(404);
    expect(await refused.text()).toContain('there is no such approval request here');
  });
});
