/**
 * Feishu / Lark custom bot (自定义机器人): interactive card, optional signature.
 * https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { secretRef } from '../../../config/refs.js';
import { markdownDocument, markdownMarkup, messageTitle } from '../render.js';
import { channelBase, ownerIds, ownersSchema, type VendorEnvelope, webhookChannel } from '../shared.js';
import { escapeMarkdown, truncateRunes } from '../text.js';
import type { AlertGroupMessage, Channel, ChannelDeps } from '../types.js';

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

export function createFeishuChannel(config: FeishuConfig, deps: ChannelDeps): Channel {
  return webhookChannel(config, deps, {
    type: 'feishu',
    operation: 'feishu.send',
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
