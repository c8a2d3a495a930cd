/**
 * Feishu / Lark custom bot (自定义机器人): interactive card, optional signature.
 * https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { secretRef } from '../../../config/refs.js';
import { LINK_ACTIONS } from '../../action-links.js';
import { BUTTON_ACTIONS, chatAllowSchema, encodeActionValue, linkButtons } from '../interactive.js';
import { alertLines, markdownDocument, markdownMarkup, messageTitle } from '../render.js';
import {
  channelBase,
  classifyStatus,
  createPacer,
  envelopeResult,
  failureFromError,
  jsonBody,
  ownerIds,
  ownersSchema,
  resolveWebhook,
  type VendorEnvelope,
  WebhookPoster,
  webhookChannel,
} from '../shared.js';
import { escapeMarkdown, truncateRunes } from '../text.js';
import type { AlertGroupMessage, AlertView, Channel, ChannelDeps, NotifyResult } from '../types.js';

/** A custom bot accepts 100 requests per minute and 5 per second. */
export const FEISHU_MESSAGES_PER_SECOND = 5;
/** The request body may be at most 20 KB; the card text gets what the envelope leaves. */
export const FEISHU_MAX_BODY_BYTES = 20 * 1024;
/** code 9499 / 11232: too many requests; worth a retry after a pause. */
export const FEISHU_THROTTLED_CODES = new Set([9499, 11232]);

const FEISHU_ENVELOPE: VendorEnvelope = {
  // Newer bots answer {code, msg}; older ones {StatusCode, StatusMessage}.
  codeKeys: ['code', 'StatusCode'],
  messageKeys: ['msg', 'StatusMessage'],
  retryFor: (code) => (FEISHU_THROTTLED_CODES.has(code) ? { retryAfterMs: 1000 } : undefined),
};

export const feishuConfigSchema = z
  .object({
    type: z.literal('feishu'),
    ...channelBase,
    /** The bot's 签名校验 secret; when set, every request carries timestamp + sign. */
    secret: secretRef.optional(),
    /** Owner label value -> Feishu user id (open_id `ou_…` or user_id), mentioned when their job's alert fires. */
    owners: ownersSchema(/^[\w-]{1,64}$/),
    /**
     * Cards with buttons that call jobwatch back (`/feishu/card`). A custom bot's cards can only open links,
     * so the card is sent by a Feishu/Lark app instead: `url` is then the app's Open API origin
     * (https://open.feishu.cn or https://open.larksuite.com) and `chatId` the group it posts to.
     */
    interactive: z
      .object({
        appId: z.string().regex(/^cli_[\w]{4,40}$/, 'must be the app id (cli_…)'),
        appSecret: secretRef,
        /** The group chat (oc_…) the app posts to; the app must be in it. */
        chatId: z.string().regex(/^oc_[\w]{4,64}$/, 'must be a chat id (oc_…)'),
        /** The app's Verification Token (Events and callbacks > Encryption strategy). */
        verificationToken: secretRef,
        /** The app's Encrypt Key: callbacks arrive encrypted and signed (X-Lark-Signature). Recommended. */
        encryptKey: secretRef.optional(),
        /** Feishu user ids (open_id ou_… or user_id) allowed per action; `*` for everyone in the chat. */
        allow: chatAllowSchema.default({ ack: [], silence: [] }),
      })
      .strict()
      .optional(),
  })
  .strict();
export type FeishuConfig = z.infer<typeof feishuConfigSchema>;

/** `sign` = Base64(HmacSHA256(key = timestamp + "\n" + secret, data = "")), timestamp in seconds. */
export function feishuSign(secret: string, timestampSec: number): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64');
}

const markup = markdownMarkup(escapeMarkdown);
const TEMPLATES = { critical: 'red', warning: 'orange', info: 'blue' } as const;

export function buildFeishuCard(message: AlertGroupMessage, owners: Readonly<Record<string, string>> = {}) {
  const mentions = ownerIds(message, owners).map((id) => `<at id=${id}></at>`);
  const doc = markdownDocument(message, markup, {
    // Leave room for the JSON envelope, escaping and the signature fields.
    maxBytes: Math.floor(FEISHU_MAX_BODY_BYTES * 0.8),
    lineBreak: '\n',
    heading: () => '',
  });
  const worst = message.firing.find((a) => a.severity === 'critical')
    ? 'critical'
    : message.firing.find((a) => a.severity === 'warning')
      ? 'warning'
      : 'info';
  return {
    card: {
      config: { wide_screen_mode: true },
      header: {
        // plain_text is not parsed for mentions or markup.
        title: { tag: 'plain_text', content: truncateRunes(messageTitle(message), 100).text },
        template: message.firing.length > 0 ? TEMPLATES[worst] : 'green',
      },
      elements: [
        { tag: 'div', text: { tag: 'lark_md', content: doc.text.trim() } },
        ...(mentions.length > 0
          ? [{ tag: 'div', text: { tag: 'lark_md', content: `owner: ${mentions.join(' ')}` } }]
          : []),
      ],
    },
    dropped: doc.dropped,
  };
}

/** What an alert shows instead of its buttons once someone acted on it. */
export type FeishuNotes = ReadonlyMap<string, string>;

/**
 * The card of an interactive receiver: each firing alert in its own block, followed by its buttons
 * (Acknowledge, Silence 1 h / 4 h call back; Open console, Runbook open links) or by the note saying who
 * acted. Alerts that do not fit `maxBytes` are counted, not cut.
 */
export function buildFeishuInteractiveCard(
  message: AlertGroupMessage,
  owners: Readonly<Record<string, string>> = {},
  notes: FeishuNotes = new Map(),
  maxBytes = Math.floor(FEISHU_MAX_BODY_BYTES * 0.8),
) {
  const worst = message.firing.some((a) => a.severity === 'critical')
    ? 'critical'
    : message.firing.some((a) => a.severity === 'warning')
      ? 'warning'
      : 'info';
  const header = {
    title: { tag: 'plain_text', content: truncateRunes(messageTitle(message), 100).text },
    template: message.firing.length > 0 ? TEMPLATES[worst] : 'green',
  };
  const elements: Record<string, unknown>[] = [];
  let dropped = 0;
  const views = [...message.firing, ...message.resolved];
  for (const view of views) {
    const block = alertElements(message.receiver, view, notes.get(view.fingerprint), message.nowMs);
    const size = Buffer.byteLength(JSON.stringify([...elements, ...block]), 'utf8');
    if (size > maxBytes) {
      dropped += 1;
      continue;
    }
    elements.push(...block);
  }
  const omitted = message.omitted + dropped;
  if (omitted > 0)
    elements.push({
      tag: 'div',
      text: { tag: 'lark_md', content: `… and ${omitted} more alerts not shown` },
    });
  const mentions = ownerIds(message, owners).map((id) => `<at id=${id}></at>`);
  if (mentions.length > 0)
    elements.push({ tag: 'div', text: { tag: 'lark_md', content: `owner: ${mentions.join(' ')}` } });
  return { card: { config: { wide_screen_mode: true, update_multi: true }, header, elements }, dropped };
}

function alertElements(
  receiver: string,
  view: AlertView,
  note: string | undefined,
  nowMs: number,
): Record<string, unknown>[] {
  const text = { tag: 'div', text: { tag: 'lark_md', content: alertLines(view, markup, nowMs).join('\n') } };
  if (view.status !== 'firing') return [text, { tag: 'hr' }];
  if (note) return [text, { tag: 'note', elements: [{ tag: 'lark_md', content: note }] }, { tag: 'hr' }];
  // An acknowledged alert's lines say who works on it; it needs no buttons.
  if (view.acknowledged) return [text, { tag: 'hr' }];
  const actions = [
    ...BUTTON_ACTIONS.map((action) => ({
      tag: 'button',
      text: { tag: 'plain_text', content: LINK_ACTIONS[action].title },
      type: action === 'ack' ? 'primary' : 'default',
      value: encodeActionValue({ receiver, fingerprint: view.fingerprint, action }),
    })),
    ...linkButtons(view).map((link) => ({
      tag: 'button',
      text: { tag: 'plain_text', content: link.title },
      type: 'default',
      url: link.url,
    })),
  ];
  return [text, { tag: 'action', actions }, { tag: 'hr' }];
}

/** A tenant_access_token is valid 2 hours; it is renewed this long before it ends. */
const TOKEN_RENEW_MARGIN_MS = 5 * 60_000;

/**
 * An app-sent interactive card: tenant_access_token (auth/v3/tenant_access_token/internal), then
 * im/v1/messages?receive_id_type=chat_id with the card as a JSON string.
 */
function createFeishuAppChannel(
  config: FeishuConfig & { interactive: NonNullable<FeishuConfig['interactive']> },
  deps: ChannelDeps,
): Channel {
  const poster = new WebhookPoster(config.timeoutMs);
  const pace = createPacer(FEISHU_MESSAGES_PER_SECOND, 1000, deps);
  let token: { value: string; untilMs: number } | undefined;
  const app = config.interactive;
  async function tenantToken(origin: string, secret: string, signal?: AbortSignal): Promise<string> {
    if (token && token.untilMs > deps.now()) return token.value;
    const response = await poster.post(
      `${origin}/open-apis/auth/v3/tenant_access_token/internal`,
      JSON.stringify({ app_id: app.appId, app_secret: secret }),
      'feishu.token',
      signal,
    );
    const body = jsonBody(response.body);
    if (response.status !== 200 || body?.code !== 0 || typeof body.tenant_access_token !== 'string')
      throw new Error(`tenant_access_token refused (code ${String(body?.code ?? response.status)})`);
    const expireSec = typeof body.expire === 'number' ? body.expire : 3600;
    token = {
      value: body.tenant_access_token,
      untilMs: deps.now() + expireSec * 1000 - TOKEN_RENEW_MARGIN_MS,
    };
    return token.value;
  }
  return {
    name: config.name,
    type: 'feishu',
    sendResolved: config.sendResolved,
    interactive: true,
    async notify(message, signal): Promise<NotifyResult> {
      const resolved = await resolveWebhook(config, deps);
      if (!resolved.ok) return resolved.result;
      let secret: string;
      try {
        secret = await deps.secrets(app.appSecret);
      } catch {
        return {
          ok: false,
          retry: !app.appSecret.startsWith('env:'),
          reason: 'secret-unavailable',
          error: `${config.name}: secret reference ${app.appSecret} could not be resolved`,
        };
      }
      const origin = new URL(resolved.url).origin + new URL(resolved.url).pathname.replace(/\/+$/, '');
      const { card, dropped } = buildFeishuInteractiveCard(message, config.owners);
      if (dropped > 0)
        deps.logger.warn('feishu message truncated', { channel: config.name, droppedAlerts: dropped });
      try {
        await pace(signal);
        const bearer = await tenantToken(origin, secret, signal);
        const response = await poster.post(
          `${origin}/open-apis/im/v1/messages?receive_id_type=chat_id`,
          JSON.stringify({ receive_id: app.chatId, msg_type: 'interactive', content: JSON.stringify(card) }),
          'feishu.send',
          signal,
          { authorization: `Bearer ${bearer}` },
        );
        const status = classifyStatus(config.name, response.status, response.headers, deps.now());
        const envelope = envelopeResult(config.name, jsonBody(response.body), FEISHU_ENVELOPE);
        // An expired or revoked token: fetch a new one on the next attempt.
        if (!envelope.ok || !status.ok) token = undefined;
        return status.ok ? envelope : status;
      } catch (error) {
        return failureFromError(config.name, error, [secret, token?.value]);
      }
    },
    close: () => poster.close(),
  };
}

export function createFeishuChannel(config: FeishuConfig, deps: ChannelDeps): Channel {
  if (config.interactive) return createFeishuAppChannel({ ...config, interactive: config.interactive }, deps);
  return webhookChannel(config, deps, {
    rate: { max: FEISHU_MESSAGES_PER_SECOND, windowMs: 1000 },
    envelope: FEISHU_ENVELOPE,
    render: (message) => {
      const { card, dropped } = buildFeishuCard(message, config.owners);
      return { payload: card, dropped };
    },
    request: (card, { url, secret }, nowMs) => {
      const timestampSec = Math.floor(nowMs / 1000);
      const body = {
        ...(secret ? { timestamp: String(timestampSec), sign: feishuSign(secret, timestampSec) } : {}),
        msg_type: 'interactive',
        card,
      };
      return { url, body: JSON.stringify(body) };
    },
  });
}
