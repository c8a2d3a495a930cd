/**
 * Acting on an alert from a chat message (Slack buttons, Feishu card buttons): who may, what happens, and
 * the record of it. One implementation for every platform; each platform's route only verifies, parses and
 * answers in its own format.
 *
 * - Who may: an allow-list per receiver and action (`interactive.allow` on the channel), of chat user ids;
 *   everyone else is refused politely and nothing happens.
 * - Once: a claim per alert episode and action (conditional write) decides between two clicks, so a double
 *   click or two people at once acknowledge (or silence) once; the second hears who did it.
 * - On record: every press, accepted or refused, is appended to the action log (pk `alert#actionlog`),
 *   which `jobwatch events tail` shows next to the events.
 */
import { randomUUID } from 'node:crypto';
import type { SecretResolver } from '../config/secrets.js';
import type { JobwatchEvent } from '../events/schema.js';
import type { Logger } from '../observability/logger.js';
import { ConditionFailedError, type Store } from '../state/store.js';
import { acknowledgeAlerts } from './acknowledge.js';
import { AckError, ackInputSchema, DEFAULT_ACK_DURATION_MS } from './acks.js';
import { LINK_ACTIONS, type LinkAction } from './action-links.js';
import type { ChatAllow } from './channels/interactive.js';
import { GROUP_PK, type GroupState } from './notifier.js';
import { silenceAlert } from './silences.js';

export const CHAT_ACTION_LOG_PK = 'alert#actionlog';
export const CHAT_ACTION_CLAIM_PK = 'alert#actionclaim';
export const CHAT_ACTION_LOG_RETENTION_SEC = 90 * 24 * 3600;

export type ChatAction = LinkAction;
export const CHAT_ACTIONS = Object.keys(LINK_ACTIONS) as ChatAction[];
/** The allow-list an action is checked against: both silences share one. */
export const ACTION_PERMISSION = { ack: 'ack', 'silence-1h': 'silence', 'silence-4h': 'silence' } as const;
export type ActionPermission = (typeof ACTION_PERMISSION)[ChatAction];

export { type ChatAllow, chatAllowSchema } from './channels/interactive.js';

export interface ChatActor {
  platform: 'slack' | 'feishu';
  /** The platform's user id, as the verified callback gives it. */
  id: string;
  /** Display name for people reading the log; untrusted, trimmed. */
  name?: string;
}

export type ChatActionOutcome = 'done' | 'refused' | 'not-firing' | 'already';

export interface ChatActionRecord {
  atMs: number;
  platform: ChatActor['platform'];
  receiver: string;
  user: { id: string; name?: string };
  action: ChatAction;
  fingerprint: string;
  outcome: ChatActionOutcome;
  /** One sentence: what happened or why not. */
  detail: string;
  alert?: { title: string; targetId: string; resourceName: string };
}

export interface ChatActionResult {
  outcome: ChatActionOutcome;
  /** Plain text for the person who pressed (a refusal, or what was done, by whom, when). */
  text: string;
  event?: JobwatchEvent;
  /** Until when the acknowledgement or silence holds (done / already). */
  untilMs?: number;
  /** Who did it (done: the presser; already: whoever came first). */
  by?: { id: string; name?: string };
  atMs?: number;
}

export interface ChatActionDeps {
  store: Store;
  logger: Logger;
  /** With it, acknowledgements are forwarded to incident tools right away; without, the caller does it later. */
  secrets?: SecretResolver;
  config: { channels: Parameters<typeof acknowledgeAlerts>[0]['config']['channels'] };
}

export interface ChatActionRequest {
  receiver: string;
  allow: ChatAllow;
  fingerprint: string;
  action: ChatAction;
  actor: ChatActor;
}

const clock = (ms: number) => `${new Date(ms).toISOString().slice(11, 16)} UTC`;
const cleanName = (name: string | undefined) =>
  name
    ?.replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .slice(0, 80) || undefined;

/** Whether `actor` is on the receiver's list for this action. */
export function mayAct(allow: ChatAllow, action: ChatAction, actorId: string): boolean {
  const list = allow[ACTION_PERMISSION[action]];
  return list.includes('*') || list.includes(actorId);
}

/** The latest stored event of a fingerprint, when it is firing. */
export async function firingEvent(store: Store, fingerprint: string): Promise<JobwatchEvent | undefined> {
  const groups = await store.query<GroupState>(GROUP_PK, { consistent: true });
  let latest: { event: JobwatchEvent; atMs: number } | undefined;
  for (const group of groups) {
    const alert = group.data.alerts[fingerprint];
    if (alert && (!latest || alert.atMs > latest.atMs)) latest = alert;
  }
  return latest?.event.data.status === 'firing' ? latest.event : undefined;
}

interface Claim {
  by: { id: string; name?: string };
  atMs: number;
  untilMs: number;
}

/** One conditional write per alert episode and permission; false (with the holder) when someone came first. */
async function claim(
  store: Store,
  sk: string,
  mine: Claim,
  nowMs: number,
): Promise<{ ok: true } | { ok: false; holder: Claim }> {
  const item = { pk: CHAT_ACTION_CLAIM_PK, sk, data: mine, expiresAtSec: Math.ceil(mine.untilMs / 1000) };
  try {
    await store.put(item, { ifAbsent: true });
    return { ok: true };
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    const existing = (error.existing ?? (await store.get<Claim>(CHAT_ACTION_CLAIM_PK, sk))) as
      | { data: Claim; version: number }
      | undefined;
    if (!existing) return claim(store, sk, mine, nowMs);
    // DynamoDB deletes expired items lazily: an expired claim is free to take over.
    if (existing.data.untilMs > nowMs) return { ok: false, holder: existing.data };
    try {
      await store.put(item, { ifVersion: existing.version });
      return { ok: true };
    } catch (again) {
      if (again instanceof ConditionFailedError)
        return { ok: false, holder: (again.existing?.data as Claim | undefined) ?? existing.data };
      throw again;
    }
  }
}

/** `Acknowledged by Ana at 14:03 UTC (until 18:03 UTC)`: what was done, by whom, when; `who` is markup-ready. */
export function actionSentence(action: ChatAction, who: string, atMs: number, untilMs: number): string {
  const spec = LINK_ACTIONS[action];
  return spec.silenceMs === undefined
    ? `Acknowledged by ${who} at ${clock(atMs)}: not repeated until it resolves or ${clock(untilMs)}.`
    : `Silenced for ${spec.silenceMs / 3600_000} h by ${who} at ${clock(atMs)} (until ${clock(untilMs)}).`;
}

function verbOf(action: ChatAction): string {
  return action === 'ack' ? 'acknowledge' : 'silence';
}

/**
 * Checks the allow-list, acts once and records the press. Never throws for a refusal; throws only when the
 * store fails (the caller answers "try again").
 */
export async function performChatAction(
  deps: ChatActionDeps,
  request: ChatActionRequest,
  nowMs: number,
): Promise<ChatActionResult> {
  const { actor, action, fingerprint } = request;
  const user = { id: actor.id, ...(cleanName(actor.name) ? { name: cleanName(actor.name) } : {}) };
  const record = async (result: ChatActionResult): Promise<ChatActionResult> => {
    const event = result.event;
    const entry: ChatActionRecord = {
      atMs: nowMs,
      platform: actor.platform,
      receiver: request.receiver,
      user,
      action,
      fingerprint,
      outcome: result.outcome,
      detail: result.text,
      ...(event
        ? {
            alert: {
              title: event.data.title,
              targetId: event.data.targetId,
              resourceName: event.data.resource.name,
            },
          }
        : {}),
    };
    await deps.store.put({
      pk: CHAT_ACTION_LOG_PK,
      sk: `${String(nowMs).padStart(15, '0')}#${randomUUID().slice(0, 8)}`,
      data: entry,
      expiresAtSec: Math.floor(nowMs / 1000) + CHAT_ACTION_LOG_RETENTION_SEC,
    });
    deps.logger.info('chat action', {
      platform: actor.platform,
      receiver: request.receiver,
      user: actor.id,
      action,
      fingerprint,
      outcome: result.outcome,
    });
    return result;
  };

  // Read first, so that a refusal on record names the alert too.
  const event = await firingEvent(deps.store, fingerprint);
  if (!mayAct(request.allow, action, actor.id))
    return record({
      outcome: 'refused',
      ...(event ? { event } : {}),
      text: `Sorry, only the people on ${request.receiver}'s ${ACTION_PERMISSION[action]} list may ${verbOf(action)} these alerts, and nothing was done. Ask your on-call lead to add your id (${actor.id}) if you should.`,
    });

  if (!event)
    return record({
      outcome: 'not-firing',
      text: 'This alert is not firing any more, so nothing was done.',
    });

  const spec = LINK_ACTIONS[action];
  const durationMs = spec.silenceMs ?? DEFAULT_ACK_DURATION_MS;
  const who = user.name ?? user.id;
  const claimed = await claim(
    deps.store,
    `${fingerprint}#${ACTION_PERMISSION[action]}#${event.data.startsAtMs}`,
    { by: user, atMs: nowMs, untilMs: nowMs + durationMs },
    nowMs,
  );
  if (!claimed.ok) {
    const holder = claimed.holder;
    const past = action === 'ack' ? 'acknowledged' : 'silenced';
    return record({
      outcome: 'already',
      text: `Already ${past} by ${holder.by.name ?? holder.by.id} at ${clock(holder.atMs)} (until ${clock(holder.untilMs)}); nothing more was done.`,
      event,
      untilMs: holder.untilMs,
      by: holder.by,
      atMs: holder.atMs,
    });
  }

  if (spec.silenceMs === undefined) {
    try {
      await acknowledgeAlerts(
        {
          store: deps.store,
          config: deps.config,
          ...(deps.secrets ? { secrets: deps.secrets } : {}),
          logger: deps.logger,
        },
        ackInputSchema.parse({
          alert: fingerprint,
          createdBy: `${who} (${actor.platform} ${actor.id})`,
          comment: `from ${request.receiver}`,
        }),
        actor.platform,
        nowMs,
      );
    } catch (error) {
      if (error instanceof AckError)
        return record({
          outcome: 'not-firing',
          text: 'This alert is not firing any more, so nothing was done.',
        });
      throw error;
    }
    return record({
      outcome: 'done',
      text: actionSentence(action, who, nowMs, nowMs + durationMs),
      event,
      untilMs: nowMs + durationMs,
      by: user,
      atMs: nowMs,
    });
  }

  await silenceAlert(deps.store, event, {
    nowMs,
    durationMs: spec.silenceMs,
    createdBy: `${who} (${actor.platform} ${actor.id})`,
    comment: `silenced from ${request.receiver} (${fingerprint})`,
  });
  return record({
    outcome: 'done',
    text: actionSentence(action, who, nowMs, nowMs + spec.silenceMs),
    event,
    untilMs: nowMs + spec.silenceMs,
    by: user,
    atMs: nowMs,
  });
}

/** The action log, newest first. */
export async function chatActionHistory(store: Store, limit = 50): Promise<ChatActionRecord[]> {
  const items = await store.query<ChatActionRecord>(CHAT_ACTION_LOG_PK, { descending: true, limit });
  return items.map((i) => i.data);
}
