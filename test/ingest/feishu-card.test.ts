/**
 * Feishu/Lark card callbacks over real HTTP: the chat sink plays the open platform (an app sending cards,
 * encrypted and signed card.action.trigger callbacks, the URL challenge); jobwatch answers with a toast and
 * the updated card, acts once, and only for people on the receiver's allow-list.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { activeAcks } from '../../lib/alerts/acks.js';
import { chatActionHistory } from '../../lib/alerts/chat-actions.js';
import { listSilences } from '../../lib/alerts/silences.js';
import type { JobwatchEvent } from '../../lib/events/schema.js';
import { FEISHU_SINK_APP, type FeishuPress } from '../../lib/sandbox/chat-sink.js';
import {
  FIRING_ALERT_BUTTONS,
  type Loose,
  notifyFreshAlerts,
  SECRETS,
  testConfigYaml,
  useChatHarness,
} from './helpers.js';

const ONCALL = 'ou_oncall0001';
const STRANGER = 'ou_stranger01';
const PLAIN_TOKEN = 'plain-verification-token-0000';

let firing: JobwatchEvent;
let message: Loose;

/** An interactive Feishu receiver through the sink's app, its callbacks checked with `verificationToken`. */
const feishuChannel = (name: string, verificationToken: string, more: string[]) => `  - name: ${name}
    type: feishu
    url: env:FEISHU_API
    interactive:
      appId: ${FEISHU_SINK_APP.appId}
      appSecret: env:JW_FEISHU_APP_SECRET
      chatId: ${FEISHU_SINK_APP.chatId}
      verificationToken: env:${verificationToken}
${more.map((line) => `      ${line}\n`).join('')}`;

const yaml = () => `${testConfigYaml()}
channels:
${feishuChannel('oncall-feishu', 'JW_FEISHU_VERIFICATION_TOKEN', [
  'encryptKey: env:JW_FEISHU_ENCRYPT_KEY',
  `allow: { ack: [${ONCALL}], silence: [${ONCALL}] }`,
])}${feishuChannel('plain-feishu', 'JW_FEISHU_PLAIN_TOKEN', ["allow: { ack: ['*'] }"])}route:
  receiver: oncall-feishu
  groupWaitSeconds: 0
`;

const press = (action: string, openId = ONCALL, extra: Partial<FeishuPress> = {}) =>
  chat.sink.pressFeishuButton({
    cardUrl: `${chat.server.url}/feishu/card`,
    verificationToken: SECRETS.JW_FEISHU_VERIFICATION_TOKEN,
    encryptKey: SECRETS.JW_FEISHU_ENCRYPT_KEY,
    message,
    fingerprint: firing.data.fingerprint,
    action,
    user: { openId },
    timestampSec: Math.floor(chat.h.clock.nowMs / 1000),
    ...extra,
  });

const chat = useChatHarness(() => ({
  yaml: yaml(),
  env: (sink) => ({
    FEISHU_API: `${sink.url}/feishu`,
    JW_FEISHU_APP_SECRET: FEISHU_SINK_APP.appSecret,
    JW_FEISHU_PLAIN_TOKEN: PLAIN_TOKEN,
  }),
}));

beforeEach(async () => {
  let events: JobwatchEvent[];
  ({ events, message } = await notifyFreshAlerts(chat, ['pay']));
  firing = events[0] as JobwatchEvent;
});

const buttonsOf = (card: Loose, fingerprint: string) =>
  (card.elements as Loose[])
    .filter((e) => e.tag === 'action')
    .flatMap((e) => e.actions as Loose[])
    .filter((b) => b.value?.f === fingerprint || b.url);

describe('Feishu cards', () => {
  it('an interactive receiver sends the card through the app, with buttons instead of signed links', () => {
    expect(message.receive_id).toBe(FEISHU_SINK_APP.chatId);
    expect(buttonsOf(message.card, firing.data.fingerprint).map((b) => b.text.content)).toEqual(
      FIRING_ALERT_BUTTONS,
    );
    expect(JSON.stringify(message)).not.toContain('/act?t=');
  });
});

describe('POST /feishu/card', () => {
  it('answers the URL challenge, encrypted and signed, or plain for a receiver without an Encrypt Key', async () => {
    const encrypted = await chat.sink.feishuChallenge({
      cardUrl: `${chat.server.url}/feishu/card`,
      verificationToken: SECRETS.JW_FEISHU_VERIFICATION_TOKEN,
      encryptKey: SECRETS.JW_FEISHU_ENCRYPT_KEY,
      timestampSec: Math.floor(chat.h.clock.nowMs / 1000),
    });
    expect(encrypted.status).toBe(200);
    expect(((await encrypted.json()) as Loose).challenge).toMatch(/^sink-challenge-/);
    const plain = await chat.sink.feishuChallenge({
      cardUrl: `${chat.server.url}/feishu/card`,
      verificationToken: PLAIN_TOKEN,
    });
    expect(plain.status).toBe(200);
    // The encrypted receiver's token in a plain request: that receiver takes encrypted callbacks only.
    const downgraded = await chat.sink.feishuChallenge({
      cardUrl: `${chat.server.url}/feishu/card`,
      verificationToken: SECRETS.JW_FEISHU_VERIFICATION_TOKEN,
    });
    expect(downgraded.status).toBe(401);
    const wrong = await chat.sink.feishuChallenge({
      cardUrl: `${chat.server.url}/feishu/card`,
      verificationToken: 'not-the-token',
      encryptKey: SECRETS.JW_FEISHU_ENCRYPT_KEY,
      timestampSec: Math.floor(chat.h.clock.nowMs / 1000),
    });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as Loose).error.message).toMatch(/verification token does not match/);
  });

  it('a press from an allowed person acknowledges, with a toast and the card showing who and when', async () => {
    const response = await press('ack');
    expect(response.status).toBe(200);
    const answer = (await response.json()) as Loose;
    expect(answer.toast).toMatchObject({ type: 'success' });
    expect(answer.toast.content).toMatch(/^Acknowledged by ou_oncall0001 at \d\d:\d\d UTC/);
    expect(answer.card.type).toBe('raw');
    const card = answer.card.data as Loose;
    expect(buttonsOf(card, firing.data.fingerprint).filter((b) => b.value)).toEqual([]);
    expect(JSON.stringify(card)).toContain('✅ Acknowledged by <at id=ou_oncall0001></at>');
    const ack = (await activeAcks(chat.h.store, chat.h.clock.nowMs)).get(firing.data.fingerprint);
    expect(ack?.via).toBe('feishu');
    const [record] = await chatActionHistory(chat.h.store, 1);
    expect(record).toMatchObject({ outcome: 'done', platform: 'feishu', user: { id: ONCALL } });
  });

  it('a wrong signature, a tampered body or an old timestamp is 401 and does nothing', async () => {
    const cases: [Partial<FeishuPress>, RegExp][] = [
      [{ tamper: (body) => body.replace(/.$/, ' }') }, /X-Lark-Signature does not match/],
      [{ timestampSec: Math.floor(chat.h.clock.nowMs / 1000) - 6 * 60 }, /more than 5 minutes from now/],
    ];
    for (const [extra, reason] of cases) {
      const response = await press('ack', ONCALL, extra);
      expect(response.status).toBe(401);
      expect(((await response.json()) as Loose).error.message).toMatch(reason);
    }
    // Encrypted with another key: the signature (over the same key) matches nothing configured.
    const other = await press('ack', ONCALL, { encryptKey: 'some-other-encrypt-key-0000' });
    expect(other.status).toBe(401);
    expect((await activeAcks(chat.h.store, chat.h.clock.nowMs)).has(firing.data.fingerprint)).toBe(false);
  });

  it('someone not on the allow-list gets a polite toast, no card change, and it is on record', async () => {
    const response = await press('silence-4h', STRANGER);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as Loose;
    expect(answer.toast.type).toBe('error');
    expect(answer.toast.content).toMatch(/^Sorry, only the people on oncall-feishu's silence list/);
    expect(answer.card).toBeUndefined();
    const mine = (await listSilences(chat.h.store, chat.h.clock.nowMs)).filter((s) =>
      s.comment.includes(firing.data.fingerprint),
    );
    expect(mine).toEqual([]);
    const [record] = await chatActionHistory(chat.h.store, 1);
    expect(record).toMatchObject({ outcome: 'refused', action: 'silence-4h', user: { id: STRANGER } });
  });

  it('two presses of Silence 1 h at once silence once; the second is told who came first', async () => {
    const answers = (await Promise.all([press('silence-1h'), press('silence-1h')])).map(
      async (r) => (await r.json()) as Loose,
    );
    const toasts = (await Promise.all(answers)).map((a) => a.toast.type).sort();
    expect(toasts).toEqual(['info', 'success']);
    const mine = (await listSilences(chat.h.store, chat.h.clock.nowMs)).filter((s) =>
      s.comment.includes(firing.data.fingerprint),
    );
    expect(mine).toHaveLength(1);
  });
});
