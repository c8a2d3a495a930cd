/**
 * DingTalk custom robot (自定义机器人): markdown message, optional HMAC-SHA256 signature, @mentions.
 * https://open.dingtalk.com/document/orgapp/custom-robots-send-group-messages
 */
import { z } from 'zod';
import { secretRef } from '../../../config/refs.js';
import { markdownDocument, markdownMarkup } from '../render.js';
import {
  channelBase,
  hmacSha256Base64,
  ownerIds,
  ownersSchema,
  type VendorEnvelope,
  webhookChannel,
  withQuery,
} from '../shared.js';
import { escapeMarkdown } from '../text.js';
import type { AlertGroupMessage, Channel, ChannelDeps } from '../types.js';

/** Each robot may send 20 messages per minute; past that it is throttled for 10 minutes (errcode 130101). */
export const DINGTALK_MESSAGES_PER_MINUTE = 20;
/** The markdown text is limited to 20000 bytes (custom-robot message-type reference). */
export const DINGTALK_MAX_MARKDOWN_BYTES = 20_000;
/** errcode 130101: "send too fast, exceed 20 times per minute"; the robot is blocked for a while. */
export const DINGTALK_THROTTLED_CODES = new Set([130101, 130102]);
/** errcode -1: "system busy", worth a retry. */
export const DINGTALK_RETRY_CODES = new Set([-1]);

const DINGTALK_ENVELOPE: VendorEnvelope = {
  codeKeys: ['errcode'],
  messageKeys: ['errmsg'],
  retryFor: (code) =>
    DINGTALK_THROTTLED_CODES.has(code)
      ? { retryAfterMs: 60_000 }
      : DINGTALK_RETRY_CODES.has(code)
        ? {}
        : undefined,
};

export const dingtalkConfigSchema = z
  .object({
    type: z.literal('dingtalk'),
    ...channelBase,
    /** The robot's 加签 secret (SEC…); when set, every request carries timestamp + sign. */
    secret: secretRef.optional(),
    atMobiles: z.array(z.string().regex(/^[0-9+-]{5,20}$/)).default([]),
    atUserIds: z.array(z.string().regex(/^[\w.-]{1,64}$/)).default([]),
    /** Owner label value -> DingTalk user id, mentioned (`atUserIds`) when their job's alert fires. */
    owners: ownersSchema(/^[\w.-]{1,64}$/),
    /** Mention everyone: off unless set, and then only for the severities below. */
    atAll: z.boolean().default(false),
    /** Mentions are added only when a firing alert has one of these severities. */
    mentionSeverities: z.array(z.enum(['critical', 'warning', 'info'])).default(['critical']),
  })
  .strict();
export type DingtalkConfig = z.infer<typeof dingtalkConfigSchema>;

/** `sign` = Base64(HmacSHA256(key=secret, data=timestamp + "\n" + secret)), URL-encoded as a query value. */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return hmacSha256Base64(secret, `${timestampMs}\n${secret}`);
}

const markup = markdownMarkup(escapeMarkdown);

export function buildDingtalkPayload(config: DingtalkConfig, message: AlertGroupMessage) {
  const mention = message.firing.some((a) => config.mentionSeverities.includes(a.severity));
  const owners = ownerIds(message, config.owners, config.mentionSeverities).filter(
    (id) => !config.atUserIds.includes(id),
  );
  const userIds = mention ? [...config.atUserIds, ...owners] : [];
  const mentions = mention ? [...config.atMobiles, ...userIds].map((m) => `@${m}`).join(' ') : '';
  const doc = markdownDocument(message, markup, {
    maxBytes: DINGTALK_MAX_MARKDOWN_BYTES - Buffer.byteLength(mentions) - 4,
    lineBreak: '\n\n',
    heading: (title) => `#### ${title}`,
  });
  return {
    payload: {
      msgtype: 'markdown',
      // The title only shows in the notification preview; keep it plain and short.
      markdown: {
        title: `jobwatch ${message.status}`,
        text: mentions ? `${doc.text}\n\n${mentions}` : doc.text,
      },
      at: {
        atMobiles: mention ? config.atMobiles : [],
        atUserIds: userIds,
        isAtAll: mention && config.atAll,
      },
    },
    dropped: doc.dropped,
  };
}

export function createDingtalkChannel(config: DingtalkConfig, deps: ChannelDeps): Channel {
  return webhookChannel(config, deps, {
    rate: { max: DINGTALK_MESSAGES_PER_MINUTE, windowMs: 60_000 },
    envelope: DINGTALK_ENVELOPE,
    render: (message) => buildDingtalkPayload(config, message),
    request: (payload, { url, secret }, timestampMs) => ({
      url: secret
        ? withQuery(url, { timestamp: String(timestampMs), sign: dingtalkSign(secret, timestampMs) })
        : url,
      body: JSON.stringify(payload),
    }),
  });
}
