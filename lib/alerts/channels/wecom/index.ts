/**
 * WeCom (企业微信) group robot: markdown message within 4096 bytes.
 * https://developer.work.weixin.qq.com/document/path/91770
 */
import { z } from 'zod';
import { markdownDocument, markdownMarkup } from '../render.js';
import { channelBase, ownerIds, ownersSchema, type VendorEnvelope, webhookChannel } from '../shared.js';
import { escapeMarkdown } from '../text.js';
import type { AlertGroupMessage, Channel, ChannelDeps } from '../types.js';

/** "markdown.content 最长不超过4096个字节，必须是utf8编码". */
export const WECOM_MAX_MARKDOWN_BYTES = 4096;
/** "每个机器人发送的消息不能超过20条/分钟". */
export const WECOM_MESSAGES_PER_MINUTE = 20;
/** errcode 45009: api freq out of limit; -1: system busy. Both are worth a retry. */
export const WECOM_RETRY_CODES = new Set([45009, -1]);

const WECOM_ENVELOPE: VendorEnvelope = {
  codeKeys: ['errcode'],
  messageKeys: ['errmsg'],
  retryFor: (code) => (WECOM_RETRY_CODES.has(code) ? { retryAfterMs: 60_000 } : undefined),
};

export const wecomConfigSchema = z
  .object({
    type: z.literal('wecom'),
    ...channelBase,
    /** WeCom user ids to mention (`<@userid>`) when a critical alert fires. */
    mentionUserIds: z.array(z.string().regex(/^[\w.-]{1,64}$/)).default([]),
    /** Owner label value -> WeCom user id, mentioned (`<@userid>`) when their job's critical alert fires. */
    owners: ownersSchema(/^[\w.-]{1,64}$/),
  })
  .strict();
export type WecomConfig = z.infer<typeof wecomConfigSchema>;

// A 4096-byte message: the root cause gets a small share of it.
const markup = markdownMarkup(escapeMarkdown, { rootCauseChars: 300 });

export function buildWecomPayload(config: WecomConfig, message: AlertGroupMessage) {
  const mention = message.firing.some((a) => a.severity === 'critical');
  const ids = mention
    ? [...new Set([...config.mentionUserIds, ...ownerIds(message, config.owners, ['critical'])])]
    : [];
  const footer = ids.length > 0 ? ids.map((u) => `<@${u}>`).join(' ') : undefined;
  const doc = markdownDocument(message, markup, {
    maxBytes: WECOM_MAX_MARKDOWN_BYTES,
    lineBreak: '\n',
    heading: (title) => `**${title}**`,
    ...(footer ? { footer } : {}),
  });
  return { payload: { msgtype: 'markdown', markdown: { content: doc.text } }, dropped: doc.dropped };
}

export function createWecomChannel(config: WecomConfig, deps: ChannelDeps): Channel {
  return webhookChannel(config, deps, {
    rate: { max: WECOM_MESSAGES_PER_MINUTE, windowMs: 60_000 },
    envelope: WECOM_ENVELOPE,
    render: (message) => buildWecomPayload(config, message),
    request: (payload, { url }) => ({ url, body: JSON.stringify(payload) }),
  });
}
