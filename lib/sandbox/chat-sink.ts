/**
 * A local chat sink that behaves like each vendor's incoming webhook, on one loopback origin:
 *   Slack     POST /slack/services/…     'ok'; 400 invalid_blocks past 50 blocks / 3000-char sections;
 *                                        429 + Retry-After past 1 message/s per webhook
 *             POST /slack/actions/…      a press's response_url (message updates, ephemeral replies);
 *                                        `pressSlackButton` plays Slack pressing a button: the signed
 *                                        block_actions callback to an app's interactivity URL
 *   DingTalk  POST /dingtalk/robot/send  errcode inside HTTP 200: 310000 bad sign/timestamp,
 *                                        130101 past 20 messages/min, 460101 oversize markdown
 *   Feishu    POST /feishu/open-apis/bot/v2/hook/…  code inside HTTP 200: 19021 bad sign/timestamp
 *             POST /feishu/open-apis/auth/v3/tenant_access_token/internal, /feishu/open-apis/im/v1/messages
 *                                        an app sending interactive cards (10014 bad app secret, 99991663 bad
 *                                        token); `pressFeishuButton` / `feishuChallenge` play the open
 *                                        platform calling an app's card callback URL (encrypted and signed
 *                                        with the Encrypt Key when one is given)
 *   WeCom     POST /wecom/cgi-bin/webhook/send      errcode 40058 past 4096 bytes of markdown,
 *                                        45009 past 20 messages/min
 *   webhook   POST /webhook/…            JSON; 401 when the HMAC header is required and wrong
 *   PagerDuty POST /pagerduty/v2/enqueue  Events API v2: 202 + dedup_key; 400 invalid event (bad routing
 *                                        key, action, missing summary/source/severity, long dedup_key);
 *                                        429 past 120 events/min per routing key
 *   Opsgenie  POST /opsgenie/v2/alerts, /opsgenie/v2/alerts/{alias}/{close|acknowledge}?identifierType=alias
 *                                        202 + requestId; 401 without `GenieKey <key>`; 422 on a missing
 *                                        or over-long message/alias; keeps each alias' status
 * Tests drive real requests at it; the demo prints what arrives.
 */
import { createCipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The channel types the sink emulates: the keys of its handler table (startChatSink). The sandbox sits
 * below lib/alerts, so it cannot read the channel registry; test/providers/registry.test.ts checks that the
 * sink emulates exactly the registry's built-in channel types.
 */
export type ChatChannel = 'slack' | 'dingtalk' | 'feishu' | 'wecom' | 'webhook' | 'pagerduty' | 'opsgenie';

export interface ChatMessage {
  channel: ChatChannel;
  body: unknown;
  atMs: number;
  /** The request path (incident tools have one per action). */
  path?: string;
}

export interface ChatRequestLog {
  channel: ChatChannel | 'unknown';
  status: number;
  /** The vendor's verdict: 'ok', or the error code/name it answered. */
  verdict: string;
  atMs: number;
}

export interface ChatSinkOptions {
  /** Signing secrets the sink checks (DingTalk 加签, Feishu 签名校验, webhook HMAC); unchecked when absent. */
  secrets?: { dingtalk?: string; feishu?: string; webhook?: string };
  print?: (line: string) => void;
  rateLimits?: {
    slackPerSecond?: number;
    dingtalkPerMinute?: number;
    wecomPerMinute?: number;
    pagerdutyPerMinute?: number;
  };
  /** Clock for signature freshness; the wall clock by default. */
  now?: () => number;
  /** Monotonic clock of the rate limits' windows; performance.now by default (a test may hold it still). */
  rateClock?: () => number;
  host?: string;
}

export interface ChatSink {
  url: string;
  /** Full webhook URLs (tokens included: they are the sink's fake secrets). */
  endpoints: Record<ChatChannel, string>;
  /** Accepted messages, in arrival order. */
  messages: ChatMessage[];
  /** Every request with the sink's verdict, accepted or not. */
  requests: ChatRequestLog[];
  /** Incident-tool alert state by dedup key / alias, as PagerDuty and Opsgenie would hold it. */
  incidents: Record<'pagerduty' | 'opsgenie', Map<string, 'triggered' | 'acknowledged' | 'resolved'>>;
  /**
   * Plays Slack when someone presses a button of a message jobwatch sent: posts the signed `block_actions`
   * callback to `interactionsUrl` (form-encoded `payload=`, `X-Slack-Signature` over `v0:{ts}:{body}`), with
   * a `response_url` on this sink. Returns the response and that response_url.
   */
  pressSlackButton(press: SlackPress): Promise<{ response: Response; responseUrl: string }>;
  /**
   * Plays Feishu when someone presses a card button: the schema 2.0 `card.action.trigger` callback to
   * `cardUrl`, with the Verification Token, encrypted and signed (X-Lark-Signature) when `encryptKey` is
   * given. Returns the response.
   */
  pressFeishuButton(press: FeishuPress): Promise<Response>;
  /** Plays Feishu checking a callback URL: the `url_verification` challenge. */
  feishuChallenge(check: Omit<FeishuPress, 'message' | 'fingerprint' | 'action' | 'user'>): Promise<Response>;
  /** Answers the next `count` requests of a channel with `status` (e.g. 500, or 429 with Retry-After). */
  failNext(channel: ChatChannel, count: number, status: number, retryAfterSeconds?: number): void;
  clear(): void;
  stop(): Promise<void>;
}

export interface SlackPress {
  interactionsUrl: string;
  signingSecret: string;
  /** The message as jobwatch sent it (a body the sink received). */
  message: Loose;
  /** The button's action_id, and the block it is in (the first block holding it when absent). */
  actionId: string;
  blockId?: string;
  user: { id: string; name?: string };
  /** Unix seconds put in X-Slack-Request-Timestamp; default now. */
  timestampSec?: number;
  /** Changes the body after signing (a forged or tampered request). */
  tamper?: (body: string) => string;
}

export interface FeishuPress {
  cardUrl: string;
  verificationToken: string;
  encryptKey?: string;
  /** The message as the app sent it (a body the sink received: `card` is the parsed card). */
  message: Loose;
  fingerprint: string;
  action: string;
  user: { openId: string; userId?: string };
  timestampSec?: number;
  /** Changes the (possibly encrypted) body after signing. */
  tamper?: (body: string) => string;
}

/** The app the sink knows (app id, secret, the token it hands out). */
export const FEISHU_SINK_APP = {
  appId: 'cli_sinkapp00001',
  appSecret: 'sink-feishu-app-secret-0123456789',
  tenantToken: 't-sinktenanttoken0123456789',
  chatId: 'oc_sinkchat0001',
} as const;

/** Encrypts like the open platform: base64(iv + AES-256-CBC(key = SHA-256(Encrypt Key), PKCS#7)). */
export function feishuEncrypt(plain: string, encryptKey: string): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(encryptKey).digest(), iv);
  return Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
}

/** Fake tokens; only valid against the sink. Tests search error texts for them. */
export const CHAT_SINK_TOKENS = {
  slack: 'T0SINK/B0SINK/sinkslacktoken0123456789',
  dingtalk: 'sinkdingtalktoken0123456789abcdef',
  feishu: 'sink-feishu-hook-0123-4567-89ab',
  wecom: 'sink-wecom-key-0123-4567-89ab',
  webhook: 'sinkwebhookpath0123456789',
  /** PagerDuty routing keys are 32 characters. */
  pagerduty: 'sinkpagerdutyroutingkey012345678',
  opsgenie: 'sink-opsgenie-genie-key-0123-4567',
} as const;

/** The vendors' message limits, enforced here as their endpoints do. */
const LIMITS = {
  slackBlocks: 50,
  slackSectionChars: 3000,
  dingtalkBytes: 20_000,
  wecomMarkdownBytes: 4096,
} as const;
/** DingTalk and Feishu accept a signature timestamp within one hour of their clock. */
const SIGNATURE_WINDOW_MS = 3600_000;

// biome-ignore lint/suspicious/noExplicitAny: payloads are inspected loosely, as the vendors do.
type Loose = Record<string, any>;

type Reply = { status: number; headers?: Record<string, string>; body: unknown; verdict: string };

const ok = (body: unknown): Reply => ({ status: 200, body, verdict: 'ok' });

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

class Window {
  private readonly times = new Map<string, number[]>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: () => number,
  ) {}
  /** Records a hit; false when over the limit. Uses a monotonic clock, like a vendor would use its own. */
  allow(key: string): boolean {
    const now = this.clock();
    const list = (this.times.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length >= this.max) {
      this.times.set(key, list);
      return false;
    }
    list.push(now);
    this.times.set(key, list);
    return true;
  }
}

/** Readable lines for a received message (the demo prints these). */
export function describeChatMessage(channel: ChatChannel, body: unknown): string[] {
  const b = (body ?? {}) as Loose;
  const unslack = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  let lines: string[] = [];
  if (channel === 'slack') {
    for (const block of (b.blocks ?? []) as Loose[]) {
      if (block.type === 'header') lines.push(String(block.text?.text ?? ''));
      if (block.type === 'section') lines.push(...unslack(String(block.text?.text ?? '')).split('\n'));
    }
    if (lines.length === 0) lines.push(String(b.text ?? ''));
  } else if (channel === 'dingtalk') {
    lines = String(b.markdown?.text ?? b.text?.content ?? '').split(/\n+/);
  } else if (channel === 'feishu') {
    lines.push(String(b.card?.header?.title?.content ?? ''));
    for (const el of (b.card?.elements ?? []) as Loose[])
      lines.push(...String(el.text?.content ?? '').split('\n'));
  } else if (channel === 'wecom') {
    lines = String(b.markdown?.content ?? b.text?.content ?? '').split('\n');
  } else if (channel === 'pagerduty') {
    lines.push(`${b.event_action ?? '?'} ${b.dedup_key ?? ''}`);
    if (b.payload?.summary) lines.push(String(b.payload.summary));
  } else if (channel === 'opsgenie') {
    lines.push(b.message ? `create ${b.alias ?? ''}` : String(b.note ?? 'close/acknowledge'));
    if (b.message) lines.push(String(b.message));
  } else {
    const events = Array.isArray(body) ? body : (b.alerts ?? []);
    lines.push(`${events.length} alert(s)${b.status ? ` ${b.status}` : ''}`);
  }
  const unmarkdown = (l: string) =>
    channel === 'slack' || channel === 'webhook'
      ? l
      : l
          .replace(/\\([\\`*_[\]|~#+-])/g, '$1')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&amp;/g, '&');
  return lines.map((l) => unmarkdown(l.replace(/\u200b/g, '')).trim()).filter((l) => l.length > 0);
}

export async function startChatSink(options: ChatSinkOptions = {}): Promise<ChatSink> {
  const now = options.now ?? Date.now;
  const rateClock = options.rateClock ?? (() => performance.now());
  const slackRate = new Window(options.rateLimits?.slackPerSecond ?? 1, 1000, rateClock);
  const dingtalkRate = new Window(options.rateLimits?.dingtalkPerMinute ?? 20, 60_000, rateClock);
  const wecomRate = new Window(options.rateLimits?.wecomPerMinute ?? 20, 60_000, rateClock);
  const pagerdutyRate = new Window(options.rateLimits?.pagerdutyPerMinute ?? 120, 60_000, rateClock);
  const incidents: ChatSink['incidents'] = { pagerduty: new Map(), opsgenie: new Map() };
  let requestCounter = 0;
  const messages: ChatMessage[] = [];
  const requests: ChatRequestLog[] = [];
  const faults: { channel: ChatChannel; remaining: number; status: number; retryAfterSeconds?: number }[] =
    [];

  const accept = (channel: ChatChannel, body: unknown, reply: Reply, path?: string): Reply => {
    messages.push({ channel, body, atMs: now(), ...(path ? { path } : {}) });
    if (options.print) {
      const [first, ...rest] = describeChatMessage(channel, body);
      options.print(`[${channel}] ${first ?? ''}`);
      for (const line of rest.slice(0, 14)) options.print(`    ${line}`);
      if (rest.length > 14) options.print(`    … (${rest.length - 14} more lines)`);
    }
    return reply;
  };

  function slack(path: string, json: Loose | undefined): Reply {
    if (/^\/slack\/actions\/[\w-]+$/.test(path)) {
      // response_url: Slack answers 'ok', or 404 no_text / invalid_blocks like the webhook.
      if (!json || (!json.text && !json.blocks)) return { status: 400, body: 'no_text', verdict: 'no_text' };
      return accept('slack', json, { status: 200, body: 'ok', verdict: 'ok' }, path);
    }
    if (path !== `/slack/services/${CHAT_SINK_TOKENS.slack}`)
      return { status: 404, body: 'no_service', verdict: 'no_service' };
    if (!slackRate.allow(path))
      return { status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited', verdict: 'rate_limited' };
    if (!json) return { status: 400, body: 'invalid_payload', verdict: 'invalid_payload' };
    const blocks = json.blocks as Loose[] | undefined;
    if (!json.text && !blocks) return { status: 400, body: 'no_text', verdict: 'no_text' };
    if (blocks) {
      const tooLong = blocks.some(
        (b) => b.type === 'section' && String(b.text?.text ?? '').length > LIMITS.slackSectionChars,
      );
      if (blocks.length > LIMITS.slackBlocks || tooLong)
        return { status: 400, body: 'invalid_blocks', verdict: 'invalid_blocks' };
    }
    return accept('slack', json, { status: 200, body: 'ok', verdict: 'ok' });
  }

  function dingtalk(url: URL, json: Loose | undefined): Reply {
    if (url.searchParams.get('access_token') !== CHAT_SINK_TOKENS.dingtalk)
      return ok({ errcode: 300001, errmsg: 'token is not exist' });
    const secret = options.secrets?.dingtalk;
    if (secret) {
      const timestamp = Number(url.searchParams.get('timestamp'));
      const sign = url.searchParams.get('sign') ?? '';
      const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
      if (!Number.isFinite(timestamp) || Math.abs(now() - timestamp) > SIGNATURE_WINDOW_MS)
        return { ...ok({ errcode: 310000, errmsg: 'timestamp is invalid' }), verdict: '310000' };
      if (!safeEqual(sign, expected))
        return { ...ok({ errcode: 310000, errmsg: 'sign not match' }), verdict: '310000' };
    }
    if (!dingtalkRate.allow('robot'))
      return {
        ...ok({ errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' }),
        verdict: '130101',
      };
    if (!json || !['markdown', 'text', 'actionCard', 'link', 'feedCard'].includes(json.msgtype))
      return { ...ok({ errcode: 40035, errmsg: 'invalid parameter' }), verdict: '40035' };
    const text = String(json.markdown?.text ?? json.text?.content ?? '');
    if (Buffer.byteLength(text) > LIMITS.dingtalkBytes)
      return { ...ok({ errcode: 460101, errmsg: 'message too long' }), verdict: '460101' };
    return accept('dingtalk', json, ok({ errcode: 0, errmsg: 'ok' }));
  }

  function feishuApp(url: URL, headers: IncomingMessage['headers'], json: Loose | undefined): Reply {
    if (url.pathname === '/feishu/open-apis/auth/v3/tenant_access_token/internal') {
      if (json?.app_id !== FEISHU_SINK_APP.appId || json?.app_secret !== FEISHU_SINK_APP.appSecret)
        return { ...ok({ code: 10014, msg: 'app secret invalid' }), verdict: '10014' };
      return ok({ code: 0, msg: 'ok', tenant_access_token: FEISHU_SINK_APP.tenantToken, expire: 7200 });
    }
    if (!safeEqual(String(headers.authorization ?? ''), `Bearer ${FEISHU_SINK_APP.tenantToken}`))
      return {
        status: 400,
        body: { code: 99991663, msg: 'Invalid access token for authorization.' },
        verdict: '99991663',
      };
    if (url.searchParams.get('receive_id_type') !== 'chat_id' || json?.receive_id !== FEISHU_SINK_APP.chatId)
      return { status: 400, body: { code: 230001, msg: 'invalid receive_id' }, verdict: '230001' };
    let card: unknown;
    try {
      card = JSON.parse(String(json?.content));
    } catch {
      return { status: 400, body: { code: 230001, msg: 'content is not JSON' }, verdict: '230001' };
    }
    if (json?.msg_type !== 'interactive')
      return { status: 400, body: { code: 230001, msg: 'msg_type' }, verdict: '230001' };
    const messageId = `om_sink${++requestCounter}`;
    return accept(
      'feishu',
      { ...json, card, message_id: messageId },
      ok({ code: 0, msg: 'success', data: { message_id: messageId, chat_id: FEISHU_SINK_APP.chatId } }),
      url.pathname,
    );
  }

  function feishu(path: string, json: Loose | undefined): Reply {
    if (path !== `/feishu/open-apis/bot/v2/hook/${CHAT_SINK_TOKENS.feishu}`)
      return {
        ...ok({ code: 19001, msg: 'param invalid: incoming webhook access token invalid' }),
        verdict: '19001',
      };
    if (!json) return { ...ok({ code: 9499, msg: 'Bad Request' }), verdict: '9499' };
    const secret = options.secrets?.feishu;
    if (secret) {
      const timestampSec = Number(json.timestamp);
      const expected = createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64');
      const fresh =
        Number.isFinite(timestampSec) && Math.abs(now() - timestampSec * 1000) <= SIGNATURE_WINDOW_MS;
      if (!fresh || !safeEqual(String(json.sign ?? ''), expected))
        return {
          ...ok({
            code: 19021,
            msg: 'sign match fail or timestamp is not within one hour from current time',
          }),
          verdict: '19021',
        };
    }
    if (json.msg_type !== 'interactive' && json.msg_type !== 'text' && json.msg_type !== 'post')
      return { ...ok({ code: 19002, msg: 'params error, msg_type need' }), verdict: '19002' };
    return accept('feishu', json, ok({ code: 0, msg: 'success', data: {} }));
  }

  function wecom(url: URL, json: Loose | undefined): Reply {
    if (url.searchParams.get('key') !== CHAT_SINK_TOKENS.wecom)
      return { ...ok({ errcode: 93000, errmsg: 'invalid webhook url' }), verdict: '93000' };
    if (!wecomRate.allow('robot'))
      return { ...ok({ errcode: 45009, errmsg: 'api freq out of limit' }), verdict: '45009' };
    if (!json || (json.msgtype !== 'markdown' && json.msgtype !== 'text'))
      return { ...ok({ errcode: 40008, errmsg: 'invalid message type' }), verdict: '40008' };
    const content = String(json.markdown?.content ?? json.text?.content ?? '');
    if (Buffer.byteLength(content, 'utf8') > LIMITS.wecomMarkdownBytes)
      return {
        ...ok({ errcode: 40058, errmsg: 'markdown.content exceed max length 4096' }),
        verdict: '40058',
      };
    return accept('wecom', json, ok({ errcode: 0, errmsg: 'ok' }));
  }

  function webhook(path: string, headers: IncomingMessage['headers'], raw: string): Reply {
    if (path !== `/webhook/${CHAT_SINK_TOKENS.webhook}`)
      return { status: 404, body: 'not found', verdict: '404' };
    const secret = options.secrets?.webhook;
    if (secret) {
      const timestamp = String(headers['x-jobwatch-timestamp'] ?? '');
      const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`;
      if (!safeEqual(String(headers['x-jobwatch-signature'] ?? ''), expected))
        return { status: 401, body: { error: 'bad signature' }, verdict: '401' };
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return { status: 400, body: { error: 'body is not JSON' }, verdict: '400' };
    }
    return accept('webhook', json, { status: 202, body: { accepted: true }, verdict: 'ok' });
  }

  function pagerduty(path: string, json: Loose | undefined): Reply {
    const invalid = (error: string): Reply => ({
      status: 400,
      body: { status: 'invalid event', message: 'Event object is invalid', errors: [error] },
      verdict: '400',
    });
    if (path !== '/pagerduty/v2/enqueue') return { status: 404, body: 'not found', verdict: '404' };
    if (!json) return invalid('Malformed JSON');
    if (json.routing_key !== CHAT_SINK_TOKENS.pagerduty) return invalid('Invalid routing key');
    if (!pagerdutyRate.allow(json.routing_key))
      return {
        status: 429,
        body: { status: 'throttle event', message: 'Requests for this service are arriving too quickly' },
        verdict: '429',
      };
    const action = json.event_action;
    if (!['trigger', 'acknowledge', 'resolve'].includes(action)) return invalid("'event_action' is invalid");
    const key = json.dedup_key;
    if (typeof key !== 'string' || key.length === 0 || key.length > 255)
      return invalid("'dedup_key' must be a string of at most 255 characters");
    if (action === 'trigger') {
      const p = (json.payload ?? {}) as Loose;
      if (typeof p.summary !== 'string' || p.summary.length === 0 || p.summary.length > 1024)
        return invalid("'payload.summary' is missing or longer than 1024 characters");
      if (typeof p.source !== 'string' || p.source.length === 0)
        return invalid("'payload.source' is missing");
      if (!['critical', 'error', 'warning', 'info'].includes(p.severity))
        return invalid("'payload.severity' is invalid");
      incidents.pagerduty.set(key, 'triggered');
    } else {
      // Follow-up events for an alert that is not open are dropped (still 202), as PagerDuty does.
      const current = incidents.pagerduty.get(key);
      if (current && current !== 'resolved')
        incidents.pagerduty.set(key, action === 'resolve' ? 'resolved' : 'acknowledged');
    }
    return accept(
      'pagerduty',
      json,
      { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: key }, verdict: 'ok' },
      path,
    );
  }

  function opsgenie(url: URL, headers: IncomingMessage['headers'], json: Loose | undefined): Reply {
    const requestId = `sink-request-${++requestCounter}`;
    const fail = (status: number, message: string): Reply => ({
      status,
      body: { message, took: 0.001, requestId },
      verdict: String(status),
    });
    if (!safeEqual(String(headers.authorization ?? ''), `GenieKey ${CHAT_SINK_TOKENS.opsgenie}`))
      return fail(401, 'Could not authenticate');
    const accepted: Reply = {
      status: 202,
      body: { result: 'Request will be processed', took: 0.001, requestId },
      verdict: 'ok',
    };
    if (url.pathname === '/opsgenie/v2/alerts') {
      if (!json) return fail(400, 'Request body is not valid JSON');
      if (typeof json.message !== 'string' || json.message.length === 0 || json.message.length > 130)
        return fail(422, 'Request body is not processable. message: must be 1..130 characters');
      if (json.alias !== undefined && (typeof json.alias !== 'string' || json.alias.length > 512))
        return fail(422, 'Request body is not processable. alias: at most 512 characters');
      if (typeof json.alias === 'string') incidents.opsgenie.set(json.alias, 'triggered');
      return accept('opsgenie', json, accepted, url.pathname);
    }
    const action = /^\/opsgenie\/v2\/alerts\/([^/]+)\/(close|acknowledge)$/.exec(url.pathname);
    if (!action) return fail(404, 'Not found');
    if (url.searchParams.get('identifierType') !== 'alias') return fail(422, 'identifierType must be alias');
    const alias = decodeURIComponent(action[1] as string);
    // Actions are asynchronous: an unknown alias is accepted here and fails in the request status.
    const current = incidents.opsgenie.get(alias);
    if (current && current !== 'resolved')
      incidents.opsgenie.set(alias, action[2] === 'close' ? 'resolved' : 'acknowledged');
    return accept('opsgenie', { ...(json ?? {}), alias, action: action[2] }, accepted, url.pathname);
  }

  type Handler = (url: URL, req: IncomingMessage, json: Loose | undefined, raw: string) => Reply;
  const handlers: Record<ChatChannel, Handler> = {
    slack: (url, _req, json) => slack(url.pathname, json),
    dingtalk: (url, _req, json) => dingtalk(url, json),
    feishu: (url, req, json) =>
      url.pathname.startsWith('/feishu/open-apis/bot/')
        ? feishu(url.pathname, json)
        : feishuApp(url, req.headers, json),
    wecom: (url, _req, json) => wecom(url, json),
    webhook: (url, req, _json, raw) => webhook(url.pathname, req.headers, raw),
    pagerduty: (url, _req, json) => pagerduty(url.pathname, json),
    opsgenie: (url, req, json) => opsgenie(url, req.headers, json),
  };
  const channelOf = (path: string): ChatChannel | undefined => {
    const first = path.split('/')[1] ?? '';
    return Object.hasOwn(handlers, first) ? (first as ChatChannel) : undefined;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://sink');
    const channel = channelOf(url.pathname);
    let reply: Reply;
    const fault = channel ? faults.find((f) => f.channel === channel && f.remaining > 0) : undefined;
    if (req.method !== 'POST' || !channel) {
      reply = { status: 404, body: 'not found', verdict: '404' };
    } else if (fault) {
      fault.remaining -= 1;
      reply = {
        status: fault.status,
        headers:
          fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
        body: fault.status === 429 ? 'rate_limited' : 'injected failure',
        verdict: `fault ${fault.status}`,
      };
    } else {
      let json: Loose | undefined;
      try {
        json = JSON.parse(raw) as Loose;
      } catch {
        json = undefined;
      }
      reply = handlers[channel](url, req, json, raw);
    }
    requests.push({
      channel: channel ?? 'unknown',
      status: reply.status,
      verdict: reply.verdict,
      atMs: now(),
    });
    const payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json',
      ...reply.headers,
    });
    res.end(payload);
  }

  async function postFeishuCallback(
    target: Pick<FeishuPress, 'cardUrl' | 'encryptKey' | 'timestampSec' | 'tamper'>,
    callback: unknown,
  ): Promise<Response> {
    const plain = JSON.stringify(callback);
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    let body = plain;
    if (target.encryptKey) {
      body = JSON.stringify({ encrypt: feishuEncrypt(plain, target.encryptKey) });
      const timestamp = String(target.timestampSec ?? Math.floor(now() / 1000));
      const nonce = randomBytes(8).toString('hex');
      headers['x-lark-request-timestamp'] = timestamp;
      headers['x-lark-request-nonce'] = nonce;
      headers['x-lark-signature'] = createHash('sha256')
        .update(`${timestamp}${nonce}${target.encryptKey}${body}`)
        .digest('hex');
    }
    return fetch(target.cardUrl, {
      method: 'POST',
      headers,
      body: target.tamper ? target.tamper(body) : body,
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end('sink error');
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  return {
    url,
    endpoints: {
      slack: `${url}/slack/services/${CHAT_SINK_TOKENS.slack}`,
      dingtalk: `${url}/dingtalk/robot/send?access_token=${CHAT_SINK_TOKENS.dingtalk}`,
      feishu: `${url}/feishu/open-apis/bot/v2/hook/${CHAT_SINK_TOKENS.feishu}`,
      wecom: `${url}/wecom/cgi-bin/webhook/send?key=${CHAT_SINK_TOKENS.wecom}`,
      webhook: `${url}/webhook/${CHAT_SINK_TOKENS.webhook}`,
      pagerduty: `${url}/pagerduty/v2/enqueue`,
      opsgenie: `${url}/opsgenie`,
    },
    messages,
    requests,
    incidents,
    async pressSlackButton(press) {
      const blocks = (press.message.blocks ?? []) as Loose[];
      const block = blocks.find(
        (b) =>
          b.type === 'actions' &&
          (press.blockId === undefined || b.block_id === press.blockId) &&
          (b.elements as Loose[]).some((e) => e.action_id === press.actionId),
      );
      const element = (block?.elements as Loose[] | undefined)?.find((e) => e.action_id === press.actionId);
      const responseUrl = `${url}/slack/actions/${++requestCounter}`;
      const payload = {
        type: 'block_actions',
        user: { id: press.user.id, username: press.user.name ?? press.user.id, name: press.user.name ?? '' },
        api_app_id: 'A0SINK',
        token: 'deprecated-verification-token',
        container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0SINK' },
        trigger_id: `${requestCounter}.sink.trigger`,
        team: { id: 'T0SINK', domain: 'sink' },
        channel: { id: 'C0SINK', name: 'alerts' },
        message: { type: 'message', text: press.message.text, blocks, ts: '1700000000.000100' },
        response_url: responseUrl,
        actions: [
          {
            type: 'button',
            action_id: press.actionId,
            block_id: block?.block_id,
            text: element?.text,
            ...(element?.value === undefined ? {} : { value: element.value }),
            action_ts: String(now() / 1000),
          },
        ],
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const timestamp = String(press.timestampSec ?? Math.floor(now() / 1000));
      const signature = `v0=${createHmac('sha256', press.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
      const response = await fetch(press.interactionsUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': signature,
        },
        body: press.tamper ? press.tamper(body) : body,
      });
      return { response, responseUrl };
    },
    async pressFeishuButton(press) {
      const rows = ((press.message.card?.elements ?? []) as Loose[]).filter((e) => e.tag === 'action');
      const button = rows
        .flatMap((r) => r.actions as Loose[])
        .find((b) => b.value?.f === press.fingerprint && b.value?.a === press.action);
      const callback = {
        schema: '2.0',
        header: {
          event_id: `sink-event-${++requestCounter}`,
          token: press.verificationToken,
          create_time: String(now() * 1000),
          event_type: 'card.action.trigger',
          tenant_key: 'sink-tenant',
          app_id: FEISHU_SINK_APP.appId,
        },
        event: {
          operator: {
            tenant_key: 'sink-tenant',
            open_id: press.user.openId,
            ...(press.user.userId ? { user_id: press.user.userId } : {}),
            union_id: `on_${press.user.openId.slice(3)}`,
          },
          token: `c-sink-update-token-${requestCounter}`,
          action: { value: button?.value ?? { f: press.fingerprint, a: press.action }, tag: 'button' },
          host: 'im_message',
          context: { open_message_id: press.message.message_id, open_chat_id: FEISHU_SINK_APP.chatId },
        },
      };
      return postFeishuCallback(press, callback);
    },
    feishuChallenge(check) {
      return postFeishuCallback(check, {
        challenge: `sink-challenge-${++requestCounter}`,
        token: check.verificationToken,
        type: 'url_verification',
      });
    },
    failNext(channel, count, status, retryAfterSeconds) {
      faults.push({
        channel,
        remaining: count,
        status,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      });
    },
    clear() {
      messages.length = 0;
      requests.length = 0;
      faults.length = 0;
      incidents.pagerduty.clear();
      incidents.opsgenie.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
