/**
 * Slack incoming webhooks through `@slack/webhook`: a Block Kit message per group. The library surfaces a
 * 429 as an error without its headers, so a fetch wrapper keeps the last response's Retry-After.
 */
import { IncomingWebhook, IncomingWebhookHTTPError } from '@slack/webhook';
import { z } from 'zod';
import { secretRef } from '../../../config/refs.js';
import { LINK_ACTIONS } from '../../action-links.js';
import { BUTTON_ACTIONS, chatAllowSchema, encodeActionValue, linkButtons } from '../interactive.js';
import { alertLines, digestLines, type Markup, messageTitle, omittedLine } from '../render.js';
import {
  channelBase,
  classifyStatus,
  createPacer,
  failureFromError,
  ownerIds,
  ownersSchema,
  resolveWebhook,
  scrubKnown,
} from '../shared.js';
import { escapeSlack, truncateRunes } from '../text.js';
import type { AlertGroupMessage, Channel, ChannelDeps, NotifyResult } from '../types.js';

/** https://api.slack.com/reference/block-kit/blocks#section: section text is at most 3000 characters. */
export const SLACK_MAX_SECTION_CHARS = 3000;
/** https://api.slack.com/reference/block-kit/blocks: a message holds at most 50 blocks. */
export const SLACK_MAX_BLOCKS = 50;
/** https://api.slack.com/reference/block-kit/blocks#header: header text is at most 150 characters. */
export const SLACK_MAX_HEADER_CHARS = 150;
/** Root cause shown in a section (of SLACK_MAX_SECTION_CHARS), so the rest of the alert still fits. */
export const SLACK_ROOT_CAUSE_CHARS = 1000;
/** https://api.slack.com/docs/rate-limits#incoming-webhooks: 1 message per second per webhook. */
export const SLACK_MESSAGES_PER_SECOND = 1;

export const slackConfigSchema = z
  .object({
    type: z.literal('slack'),
    ...channelBase,
    /** Display name override (works for legacy webhooks only). */
    username: z.string().max(80).optional(),
    iconEmoji: z
      .string()
      .regex(/^:[a-z0-9_+-]+:$/)
      .optional(),
    /** Owner label value -> Slack member id (U…/W…), mentioned when their job's alert fires. */
    owners: ownersSchema(/^[UW][A-Z0-9]{2,20}$/),
    /**
     * The Slack app that owns this incoming webhook has interactivity on, pointed at jobwatch's
     * `/slack/interactions`: firing alerts carry buttons instead of signed links, and presses are checked
     * against the app's signing secret and `allow`.
     */
    interactive: z
      .object({
        /** The app's Signing Secret (Basic Information page), as a secret reference. */
        signingSecret: secretRef,
        /** Slack member ids (U…/W…) allowed per action; `*` for everyone in the channel. */
        allow: chatAllowSchema.default({ ack: [], silence: [] }),
        /** Hosts a press's `response_url` may point at; only these are ever posted to. */
        responseUrlHosts: z.array(z.string().min(1)).min(1).default(['hooks.slack.com']),
        /** Only for tests: allow an http: response_url. */
        allowHttp: z.boolean().default(false),
      })
      .strict()
      .optional(),
  })
  .strict();
export type SlackConfig = z.infer<typeof slackConfigSchema>;

const slackMarkup: Markup = {
  text: escapeSlack,
  bold: (s) => (s ? `*${s}*` : s),
  // Inside <url|title> the title must not contain `|` or `>`; escapeSlack handled `>`.
  link: (title, url) =>
    `<${url.replace(/[|<>]/g, encodeURIComponent)}|${escapeSlack(title).replace(/\|/g, '¦')}>`,
  code: (raw) => `\`${escapeSlack(raw).replace(/`/g, "'")}\``,
  codeBlock: (raw) => `\`\`\`${escapeSlack(raw).replace(/`/g, "'")}\`\`\``,
  rootCauseChars: SLACK_ROOT_CAUSE_CHARS,
};

type Block = Record<string, unknown>;

function section(text: string): Block {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncateRunes(text, SLACK_MAX_SECTION_CHARS).text },
  };
}

/** Builds the Block Kit payload within Slack's limits; exported for tests. */
export function buildSlackPayload(
  message: AlertGroupMessage,
  owners: Readonly<Record<string, string>> = {},
  options: { interactive?: boolean } = {},
): {
  text: string;
  blocks: Block[];
  dropped: number;
} {
  const title = messageTitle(message);
  const blocks: Block[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncateRunes(defuse(title), SLACK_MAX_HEADER_CHARS).text,
        emoji: true,
      },
    },
  ];
  const alertBlocks: Block[] = [];
  if (message.firing.length > 0) alertBlocks.push(section(`*Firing (${message.firing.length})*`));
  for (const view of message.firing) {
    alertBlocks.push(section(alertLines(view, slackMarkup, message.nowMs).join('\n')));
    // An acknowledged alert's line says who works on it; it needs no buttons.
    if (options.interactive && !view.acknowledged) alertBlocks.push(actionsBlock(message.receiver, view));
  }
  if (message.resolved.length > 0) alertBlocks.push(section(`*Resolved (${message.resolved.length})*`));
  for (const view of message.resolved)
    alertBlocks.push(section(alertLines(view, slackMarkup, message.nowMs).join('\n')));
  const digest = digestLines(message, slackMarkup);
  if (digest.length > 0) alertBlocks.push(section(`*Folded into this digest*\n${digest.join('\n')}`));

  const mentions = ownerIds(message, owners).map((id) => `<@${id}>`);
  // Header + context + "more" line (+ owners) take 3 (4) of the 50 blocks.
  const room = SLACK_MAX_BLOCKS - 3 - (mentions.length > 0 ? 1 : 0);
  const dropped = Math.max(0, alertBlocks.length - room);
  blocks.push(...alertBlocks.slice(0, room));
  const more = omittedLine({ ...message, omitted: message.omitted + dropped }, slackMarkup);
  if (more) blocks.push(section(more));
  if (mentions.length > 0) blocks.push(section(`owner: ${mentions.join(' ')}`));
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: escapeSlack(`jobwatch · ${message.receiver} · ${message.reason}`) }],
  });
  return { text: truncateRunes(escapeSlack(title), SLACK_MAX_SECTION_CHARS).text, blocks, dropped };
}

/** Prefix of every jobwatch block and action id, so a press of someone else's button is recognisably not ours. */
export const SLACK_ACTION_PREFIX = 'jobwatch:';

/** One firing alert's buttons: Acknowledge, Silence 1 h / 4 h (callbacks), Open console, Runbook (links). */
export function actionsBlock(receiver: string, view: AlertGroupMessage['firing'][number]): Block {
  return {
    type: 'actions',
    block_id: `${SLACK_ACTION_PREFIX}${view.fingerprint}`,
    elements: [
      ...BUTTON_ACTIONS.map((action) => ({
        type: 'button',
        action_id: `${SLACK_ACTION_PREFIX}${action}`,
        text: { type: 'plain_text', text: LINK_ACTIONS[action].title },
        value: JSON.stringify(encodeActionValue({ receiver, fingerprint: view.fingerprint, action })),
        ...(action === 'ack' ? { style: 'primary' } : {}),
      })),
      ...linkButtons(view).map((link, i) => ({
        type: 'button',
        action_id: `${SLACK_ACTION_PREFIX}open-${i}`,
        text: { type: 'plain_text', text: link.title },
        url: link.url.slice(0, 3000),
      })),
    ],
  };
}

/** Header blocks are plain_text (no mrkdwn), so only mentions need defusing. */
function defuse(text: string): string {
  return text.replace(/@/g, '@\u200b').replace(/<!/g, '<\u200b!');
}

export function createSlackChannel(config: SlackConfig, deps: ChannelDeps): Channel {
  const pace = createPacer(SLACK_MESSAGES_PER_SECOND, 1000, deps);
  return {
    name: config.name,
    type: 'slack',
    sendResolved: config.sendResolved,
    interactive: config.interactive !== undefined,
    async notify(message, signal): Promise<NotifyResult> {
      const resolved = await resolveWebhook(config, deps);
      if (!resolved.ok) return resolved.result;
      const { url } = resolved;
      const payload = buildSlackPayload(message, config.owners, {
        interactive: config.interactive !== undefined,
      });
      if (payload.dropped > 0)
        deps.logger.warn('slack message truncated', { channel: config.name, droppedBlocks: payload.dropped });
      let lastHeaders: Record<string, string> = {};
      const fetchWithCapture: typeof fetch = async (input, init) => {
        const timeout = AbortSignal.timeout(config.timeoutMs);
        const response = await fetch(input, {
          ...init,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        lastHeaders = Object.fromEntries(response.headers.entries());
        return response;
      };
      const webhook = new IncomingWebhook(url, {
        fetch: fetchWithCapture,
        ...(config.username ? { username: config.username } : {}),
        ...(config.iconEmoji ? { icon_emoji: config.iconEmoji } : {}),
      });
      try {
        await pace(signal);
        await webhook.send({ text: payload.text, blocks: payload.blocks as never });
        return { ok: true };
      } catch (error) {
        if (error instanceof IncomingWebhookHTTPError) {
          const result = classifyStatus(config.name, error.statusCode, lastHeaders, deps.now());
          if (!result.ok) {
            // Slack's body is a short code (invalid_blocks, no_service); it helps the operator.
            const code = /^[a-z_]{1,60}$/.test(error.body ?? '') ? ` (${error.body})` : '';
            return { ...result, error: scrubKnown(`${result.error}${code}`, [url]) };
          }
          return result;
        }
        const failure = failureFromError(config.name, error, [url]);
        // Network failures (no response) are worth retrying; the library wraps them as request errors.
        return failure.ok ? failure : { ...failure, retry: true, reason: 'unreachable' };
      }
    },
  };
}
