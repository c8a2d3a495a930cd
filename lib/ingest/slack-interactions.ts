/**
 * Slack app interactivity (`POST /slack/interactions`): a button press on a firing alert's message.
 * https://api.slack.com/authentication/verifying-requests-from-slack: `X-Slack-Signature` is `v0=` +
 * hex HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}` under the app's signing secret; a
 * timestamp more than five minutes from now is refused (replays). The body is form-encoded `payload=` JSON.
 *
 * Slack wants an answer within 3 s: the route verifies, parses, answers 200 at once and hands the action to
 * deferred work, which acts (allow-list, once) and then updates the original message in place through the
 * press's `response_url` (or tells a refused person why, visible to them only).
 */
import { createHmac } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { forwardAcknowledgement } from '../alerts/acknowledge.js';
import type { LinkAction } from '../alerts/action-links.js';
import { decodeActionValue } from '../alerts/channels/interactive.js';
import { WebhookPoster } from '../alerts/channels/shared.js';
import type { SlackConfig } from '../alerts/channels/slack/index.js';
import { SLACK_ACTION_PREFIX } from '../alerts/channels/slack/index.js';
import {
  actionSentence,
  type ChatActionDeps,
  type ChatActionResult,
  performChatAction,
} from '../alerts/chat-actions.js';
import type { Config } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../state/store.js';
import { callbackReceivers, checkCallbackTime, interactiveChannels } from './callbacks.js';
import { badRequest, forbidden, unauthorized } from './errors.js';
import { allowedUrl, constantTimeEqual, type IngestRequest } from './request.js';

export const SLACK_INTERACTIONS_PATH = '/slack/interactions';
/** Slack's own rule: refuse requests whose timestamp is more than five minutes from now. */
export const SLACK_TIMESTAMP_TOLERANCE_MS = 5 * 60_000;
const RESPONSE_TIMEOUT_MS = 5_000;

/** Work a press leaves for after the answer; plain data, so the Lambda can hand it to its own async invoke. */
export interface SlackActionTask {
  kind: 'slack-action';
  receiver: string;
  fingerprint: string;
  action: LinkAction;
  user: { id: string; name?: string };
  /** Slack's per-press URL for updating the message (valid 30 minutes); never logged. */
  responseUrl: string;
  /** The original message's blocks, to update in place; absent when Slack did not send them. */
  blocks?: Record<string, unknown>[];
  text?: string;
}

export interface SlackRouteDeps {
  config: Config;
  now: () => number;
  resolveSecrets: (refs: readonly string[]) => Promise<string[]>;
  defer: (task: SlackActionTask) => Promise<void>;
}

/** `v0=<hex>` for a body, as Slack signs it. */
export function slackSignature(secret: string, timestamp: string, body: Buffer | string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
}

/** Verifies the request and answers at once; the action itself is deferred. */
export async function handleSlackInteraction(
  request: IngestRequest,
  deps: SlackRouteDeps,
): Promise<APIGatewayProxyStructuredResultV2> {
  const receivers = callbackReceivers<SlackConfig>(deps.config, 'slack', 'Slack interactivity');

  const timestamp = request.headers['x-slack-request-timestamp'];
  const signature = request.headers['x-slack-signature'];
  if (!timestamp) throw unauthorized('missing X-Slack-Request-Timestamp header', 'Slack');
  if (!signature) throw unauthorized('missing X-Slack-Signature header', 'Slack');
  checkCallbackTime(
    'X-Slack-Request-Timestamp',
    timestamp,
    deps.now(),
    SLACK_TIMESTAMP_TOLERANCE_MS,
    'Slack',
  );
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) throw unauthorized('X-Slack-Signature is malformed', 'Slack');
  const secrets = await deps.resolveSecrets(receivers.map((r) => r.interactive.signingSecret));
  // Several receivers may share one Slack app (one secret); the press may only act for those.
  const signedFor = receivers.filter((_, i) =>
    constantTimeEqual(signature, slackSignature(secrets[i] as string, timestamp, request.body)),
  );
  if (signedFor.length === 0)
    throw unauthorized('X-Slack-Signature does not match the body (check the signing secret)', 'Slack');

  if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? ''))
    throw badRequest('expected application/x-www-form-urlencoded with a payload field');
  const payloads = new URLSearchParams(request.body.toString('utf8')).getAll('payload');
  if (payloads.length !== 1) throw badRequest('payload: expected exactly one payload field');
  let payload: SlackPayload;
  try {
    payload = JSON.parse(payloads[0] as string) as SlackPayload;
  } catch {
    throw badRequest('payload: not JSON');
  }
  if (!payload || typeof payload !== 'object') throw badRequest('payload: not an object');
  // Other interaction types (shortcuts, view submissions) are not ours to handle: acknowledge and move on.
  if (payload.type !== 'block_actions') return ok();
  const pressed = Array.isArray(payload.actions) ? payload.actions[0] : undefined;
  const actionId = typeof pressed?.action_id === 'string' ? pressed.action_id : '';
  // Link buttons (Open console, Runbook) also notify the app; they need nothing from jobwatch.
  if (!actionId.startsWith(SLACK_ACTION_PREFIX) || actionId.startsWith(`${SLACK_ACTION_PREFIX}open-`))
    return ok();
  const value = decodeActionValue(pressed?.value);
  if (!value || `${SLACK_ACTION_PREFIX}${value.action}` !== actionId)
    throw badRequest('actions[0].value: not a jobwatch button value');
  const receiver = signedFor.find((r) => r.name === value.receiver);
  if (!receiver) throw forbidden(`this button is not from a receiver of this Slack app`);
  const userId = payload.user?.id;
  if (typeof userId !== 'string' || !/^[\w-]{1,64}$/.test(userId)) throw badRequest('user.id: missing');
  const responseUrl = typeof payload.response_url === 'string' ? payload.response_url : '';
  const target = allowedUrl(
    responseUrl,
    receiver.interactive.responseUrlHosts,
    receiver.interactive.allowHttp,
  );
  if (!target.ok) throw badRequest(`response_url ${target.reason}`);
  const name = payload.user?.name ?? payload.user?.username;
  const blocks = Array.isArray(payload.message?.blocks)
    ? payload.message.blocks.filter((b): b is Record<string, unknown> => !!b && typeof b === 'object')
    : undefined;
  await deps.defer({
    kind: 'slack-action',
    receiver: receiver.name,
    fingerprint: value.fingerprint,
    action: value.action,
    user: { id: userId, ...(typeof name === 'string' ? { name: name.slice(0, 80) } : {}) },
    responseUrl: target.url.href,
    ...(blocks && blocks.length <= 50 ? { blocks } : {}),
    ...(typeof payload.message?.text === 'string' ? { text: payload.message.text.slice(0, 3000) } : {}),
  });
  return ok();
}

const ok = (): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 200,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  body: '',
});

interface SlackPayload {
  type?: unknown;
  user?: { id?: unknown; name?: unknown; username?: unknown };
  actions?: { action_id?: unknown; value?: unknown }[];
  response_url?: unknown;
  message?: { blocks?: unknown[]; text?: unknown };
}

export interface SlackActionDeps {
  config: Config;
  store: Store;
  secrets: SecretResolver;
  logger: Logger;
  now: () => number;
}

/**
 * The deferred half of a press: act (allow-list, once, on record), then update the original message in
 * place, or tell the presser alone why nothing was done; then forward an acknowledgement to incident tools.
 */
export async function runSlackAction(task: SlackActionTask, deps: SlackActionDeps): Promise<void> {
  const receiver = interactiveChannels<SlackConfig>(deps.config, 'slack').find(
    (r) => r.name === task.receiver,
  );
  if (!receiver) return;
  const nowMs = deps.now();
  const actionDeps: ChatActionDeps = { store: deps.store, logger: deps.logger, config: deps.config };
  const result = await performChatAction(
    actionDeps,
    {
      receiver: task.receiver,
      allow: receiver.interactive.allow,
      fingerprint: task.fingerprint,
      action: task.action,
      actor: { platform: 'slack', id: task.user.id, ...(task.user.name ? { name: task.user.name } : {}) },
    },
    nowMs,
  );
  const poster = new WebhookPoster(RESPONSE_TIMEOUT_MS);
  try {
    const body = slackUpdate(task, result);
    const response = await poster.post(task.responseUrl, JSON.stringify(body), 'slack.response_url');
    if (response.status >= 300)
      deps.logger.warn('slack message update refused', { receiver: task.receiver, status: response.status });
  } catch (error) {
    deps.logger.warn('slack message update failed', {
      receiver: task.receiver,
      error: error instanceof Error ? error.name : 'unknown',
    });
  } finally {
    await poster.close();
  }
  if (result.outcome === 'done' && task.action === 'ack')
    await forwardAcknowledgement(
      { ...actionDeps, secrets: deps.secrets },
      [task.fingerprint],
      `acknowledged in Slack by ${task.user.name ?? task.user.id}`,
      nowMs,
    );
}

/** What goes to `response_url`: the message with the alert's buttons replaced by who did what, or a note. */
export function slackUpdate(task: SlackActionTask, result: ChatActionResult): Record<string, unknown> {
  const acted = result.outcome === 'done' || result.outcome === 'already';
  if (!acted || !task.blocks || result.by === undefined) {
    return { response_type: 'ephemeral', replace_original: false, text: escapeSlackText(result.text) };
  }
  const icon = task.action === 'ack' ? '✅' : '🔕';
  const line = `${icon} ${actionSentence(task.action, `<@${result.by.id}>`, result.atMs ?? 0, result.untilMs ?? 0)}`;
  const blockId = `${SLACK_ACTION_PREFIX}${task.fingerprint}`;
  let replaced = false;
  const blocks = task.blocks.map((block) => {
    if (block.block_id !== blockId) return block;
    replaced = true;
    return { type: 'context', block_id: blockId, elements: [{ type: 'mrkdwn', text: line }] };
  });
  if (!replaced) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: line }] });
  return { replace_original: true, text: task.text ?? line, blocks };
}

function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
