/**
 * Slack app interactivity over real HTTP: the chat sink plays Slack (signed block_actions callbacks, a
 * response_url that records updates); jobwatch answers at once, acts after the answer, once, for people on
 * the receiver's allow-list only, and updates the original message in place.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ackHistory, activeAcks } from '../../lib/alerts/acks.js';
import { chatActionHistory } from '../../lib/alerts/chat-actions.js';
import { listSilences } from '../../lib/alerts/silences.js';
import type { JobwatchEvent } from '../../lib/events/schema.js';
import type { DeferredTask } from '../../lib/ingest/handler.js';
import { startWebhookServer, type WebhookServer } from '../../lib/ingest/http-server.js';
import type { ChatSink } from '../../lib/sandbox/chat-sink.js';
import { jobEvent, resolvedOf, sinkEnv } from '../alerts/helpers.js';
import {
  type ChatHarness,
  FIRING_ALERT_BUTTONS,
  type Harness,
  type Loose,
  notifyFreshAlerts,
  notifyOnce,
  SECRETS,
  startChatHarness,
  startHarness,
  stopChatHarness,
  testConfigYaml,
} from './helpers.js';

const ONCALL = 'U0ONCALL1';
const STRANGER = 'U0STRANGER';

let sink: ChatSink;
let h: Harness;
let server: WebhookServer;
let firing: JobwatchEvent;
let other: JobwatchEvent;
let message: Loose;

const yaml = () => `${testConfigYaml()}
channels:
  - name: oncall-slack
    type: slack
    url: env:SLACK_URL
    interactive:
      signingSecret: env:JW_SLACK_SIGNING_SECRET
      allow: { ack: [${ONCALL}], silence: [${ONCALL}] }
      responseUrlHosts: ['127.0.0.1']
      allowHttp: true
  - { name: pd, type: pagerduty, routingKey: env:PAGERDUTY_ROUTING_KEY, url: env:PAGERDUTY_URL }
route:
  receiver: oncall-slack
  groupWaitSeconds: 0
  routes:
    - { receiver: pd, continue: true }
    - { receiver: oncall-slack }
`;

const notifyAll = (events: JobwatchEvent[]) => notifyOnce(h, sinkEnv(sink), events);

const press = (
  actionId: string,
  user = ONCALL,
  extra: Partial<Parameters<ChatSink['pressSlackButton']>[0]> = {},
  fingerprint = firing.data.fingerprint,
) =>
  sink.pressSlackButton({
    interactionsUrl: `${server.url}/slack/interactions`,
    signingSecret: SECRETS.JW_SLACK_SIGNING_SECRET,
    message,
    actionId: `jobwatch:${actionId}`,
    blockId: `jobwatch:${fingerprint}`,
    user: { id: user, name: user === ONCALL ? 'ana' : 'eve' },
    timestampSec: Math.floor(h.clock.nowMs / 1000),
    ...extra,
  });

const updatesAt = (responseUrl: string) =>
  sink.messages.filter((m) => m.path === new URL(responseUrl).pathname).map((m) => m.body as Loose);

let started: ChatHarness;
beforeAll(async () => {
  started = await startChatHarness({
    yaml: yaml(),
    env: sinkEnv,
    sink: { rateLimits: { slackPerSecond: 1000, pagerdutyPerMinute: 1000 } },
  });
  ({ sink, h, server } = started);
});

afterAll(async () => stopChatHarness(started));

beforeEach(async () => {
  // Each test gets its own alerts, in one group of their own sent at once; the press goes to the first.
  let events: JobwatchEvent[];
  ({ events, message } = await notifyFreshAlerts(started, ['pay', 'etl'], 'slack'));
  [firing, other] = events as [JobwatchEvent, JobwatchEvent];
});

describe('Slack buttons', () => {
  it('a firing alert carries Acknowledge, Silence 1 h / 4 h and Open console buttons, not signed links', () => {
    const actions = (message.blocks as Loose[]).find(
      (b) => b.type === 'actions' && b.block_id === `jobwatch:${firing.data.fingerprint}`,
    );
    expect(actions?.elements.map((e: Loose) => e.text.text)).toEqual(FIRING_ALERT_BUTTONS);
    expect(JSON.stringify(message)).not.toContain('/act?t=');
  });
});

describe('POST /slack/interactions', () => {
  it('a signed press from an allowed person acknowledges once and updates the message in place', async () => {
    const { response, responseUrl } = await press('ack');
    expect(response.status).toBe(200);
    await h.handler.idle();
    const acks = await activeAcks(h.store, h.clock.nowMs);
    expect([...acks.keys()]).toEqual([firing.data.fingerprint]);
    expect(acks.get(firing.data.fingerprint)?.via).toBe('slack');
    const [update] = updatesAt(responseUrl);
    expect(update?.replace_original).toBe(true);
    const blocks = update?.blocks as Loose[];
    const note = blocks.find((b) => b.block_id === `jobwatch:${firing.data.fingerprint}`);
    expect(note?.type).toBe('context');
    expect(note?.elements[0].text).toMatch(/^✅ Acknowledged by <@U0ONCALL1> at \d\d:\d\d UTC/);
    // The other alert in the message keeps its buttons.
    expect(
      blocks.some((b) => b.type === 'actions' && b.block_id === `jobwatch:${other.data.fingerprint}`),
    ).toBe(true);
    const [record] = await chatActionHistory(h.store, 1);
    expect(record).toMatchObject({ outcome: 'done', action: 'ack', user: { id: ONCALL }, platform: 'slack' });
    // Forwarded to the incident tool that was told about the alert.
    const forwarded = sink.messages.filter((m) => m.channel === 'pagerduty').map((m) => m.body as Loose);
    expect(forwarded).toEqual([
      expect.objectContaining({ event_action: 'acknowledge', dedup_key: firing.data.fingerprint }),
    ]);
  });

  /**
   * A second webhook whose deferred work goes to `defer`: one fresh alert named `name` is sent through it
   * and ONCALL presses its Acknowledge, answered 200; `then` checks what the harness did about it.
   */
  async function ackThroughHarness(
    defer: (task: DeferredTask) => Promise<void>,
    name: string,
    then: (harness: Harness, alert: JobwatchEvent) => Promise<void>,
  ) {
    const harness = await startHarness({ yaml: yaml(), env: sinkEnv(sink), defer });
    const harnessServer = await startWebhookServer({ handler: harness.handler });
    try {
      harness.clock.nowMs = h.clock.nowMs;
      const alert = jobEvent({ name, startsAtMs: h.clock.nowMs - 1000 });
      await notifyOnce(harness, sinkEnv(sink), [alert]);
      const sent = sink.messages.find((m) => JSON.stringify(m.body).includes(alert.data.fingerprint));
      const { response } = await sink.pressSlackButton({
        interactionsUrl: `${harnessServer.url}/slack/interactions`,
        signingSecret: SECRETS.JW_SLACK_SIGNING_SECRET,
        message: sent?.body as Loose,
        actionId: 'jobwatch:ack',
        user: { id: ONCALL },
        timestampSec: Math.floor(harness.clock.nowMs / 1000),
      });
      expect(response.status).toBe(200);
      await then(harness, alert);
    } finally {
      await harnessServer.stop();
      await harness.stop();
    }
  }

  it('answers before it acts: the action runs as deferred work after the 200', async () => {
    const tasks: DeferredTask[] = [];
    const defer = async (task: DeferredTask) => {
      tasks.push(task);
    };
    await ackThroughHarness(defer, 'held-job', async (held, alert) => {
      expect(tasks).toHaveLength(1);
      expect(await activeAcks(held.store, held.clock.nowMs)).toEqual(new Map());
      await held.handler.runDeferred(tasks[0] as DeferredTask);
      expect([...(await activeAcks(held.store, held.clock.nowMs)).keys()]).toEqual([alert.data.fingerprint]);
    });
  });

  it('when the hand-off of the work fails (no invoke permission), the press is still acted on, before the answer', async () => {
    const defer = async () => {
      throw new Error('AccessDeniedException: not authorized to perform lambda:InvokeFunction');
    };
    await ackThroughHarness(defer, 'handoff-job', async (failing, alert) => {
      expect([...(await activeAcks(failing.store, failing.clock.nowMs)).keys()]).toEqual([
        alert.data.fingerprint,
      ]);
    });
  });

  it('a bad signature, an old timestamp or missing headers are 401 with a clear message, and do nothing', async () => {
    const cases: [Partial<Parameters<ChatSink['pressSlackButton']>[0]>, RegExp][] = [
      [{ signingSecret: 'not-the-signing-secret-000000000000' }, /X-Slack-Signature does not match/],
      [{ tamper: (body) => body.replace('U0ONCALL1', 'U0ONCALL2') }, /X-Slack-Signature does not match/],
      [{ timestampSec: Math.floor(h.clock.nowMs / 1000) - 6 * 60 }, /more than 5 minutes from now/],
      [{ timestampSec: Math.floor(h.clock.nowMs / 1000) + 6 * 60 }, /more than 5 minutes from now/],
    ];
    for (const [extra, reason] of cases) {
      const { response } = await press('ack', ONCALL, extra);
      expect(response.status).toBe(401);
      expect(((await response.json()) as Loose).error.message).toMatch(reason);
    }
    const bare = await fetch(`${server.url}/slack/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'payload=%7B%7D',
    });
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as Loose).error.message).toMatch(/missing X-Slack-Request-Timestamp/);
    await h.handler.idle();
    expect((await activeAcks(h.store, h.clock.nowMs)).has(firing.data.fingerprint)).toBe(false);
    expect(sink.messages).toEqual([]);
  });

  it('someone not on the allow-list is refused politely, visibly to them only, and it is on record', async () => {
    const { response, responseUrl } = await press('silence-1h', STRANGER);
    expect(response.status).toBe(200);
    await h.handler.idle();
    const [reply] = updatesAt(responseUrl);
    expect(reply).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(reply?.text).toMatch(/^Sorry, only the people on oncall-slack's silence list may silence/);
    expect(reply?.text).toContain(STRANGER);
    expect(await listSilences(h.store, h.clock.nowMs)).toEqual([]);
    const [record] = await chatActionHistory(h.store, 1);
    expect(record).toMatchObject({ outcome: 'refused', action: 'silence-1h', user: { id: STRANGER } });
  });

  it('two presses of Silence 1 h at once silence once; the second hears who did it', async () => {
    const before = (await listSilences(h.store, h.clock.nowMs)).length;
    const [a, b] = await Promise.all([press('silence-1h'), press('silence-1h')]);
    expect([a.response.status, b.response.status]).toEqual([200, 200]);
    await h.handler.idle();
    expect(await listSilences(h.store, h.clock.nowMs)).toHaveLength(before + 1);
    const texts = [...updatesAt(a.responseUrl), ...updatesAt(b.responseUrl)].map((u) =>
      JSON.stringify(u.blocks ?? u.text),
    );
    expect(texts.filter((t) => t.includes('Silenced for 1 h by <@U0ONCALL1>'))).toHaveLength(2);
    const outcomes = (await chatActionHistory(h.store, 2)).map((r) => r.outcome).sort();
    expect(outcomes).toEqual(['already', 'done']);
  });

  it('a press on an alert that resolved does nothing and says so', async () => {
    await notifyAll([resolvedOf(firing, h.clock.nowMs)]);
    const { responseUrl } = await press('ack');
    await h.handler.idle();
    expect(updatesAt(responseUrl)[0]?.text).toMatch(/not firing any more/);
    expect((await ackHistory(h.store)).filter((a) => a.fingerprint === firing.data.fingerprint)).toEqual([]);
  });

  it('link buttons and foreign interactions are acknowledged and ignored', async () => {
    const { response } = await press('open-0');
    expect(response.status).toBe(200);
    await h.handler.idle();
    expect(sink.messages).toEqual([]);
  });
});
