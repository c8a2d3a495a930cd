/**
 * Feishu/Lark card callbacks (`POST /feishu/card`): `card.action.trigger` when someone presses a button of
 * an alert card an interactive Feishu receiver sent, and the URL verification challenge.
 *
 * Security as the open platform specifies it (callback subscription, "send callbacks to the developer's
 * server"): with an Encrypt Key, the body is `{"encrypt": base64(iv + AES-256-CBC(key = SHA-256(Encrypt
 * Key), PKCS#7))}` and `X-Lark-Signature` is hex SHA-256 of `X-Lark-Request-Timestamp +
 * X-Lark-Request-Nonce + Encrypt Key + raw body`; the decrypted (or plain) callback carries the app's
 * Verification Token (`header.token` in schema 2.0, `token` in the challenge). A receiver with an Encrypt
 * Key accepts only encrypted, signed callbacks; timestamps more than five minutes from now are refused.
 *
 * Feishu wants the answer within 3 s: the action is a few store writes, done before answering with a
 * toast and the updated card; forwarding an acknowledgement to incident tools is left for afterwards.
 */
import { createDecipheriv, createHash } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { activeAcks, covers } from '../alerts/acks.js';
import { buildFeishuInteractiveCard, type FeishuConfig } from '../alerts/channels/feishu/index.js';
import { decodeActionValue } from '../alerts/channels/interactive.js';
import { actionSentence, type ChatActionResult, performChatAction } from '../alerts/chat-actions.js';
import { GROUP_PK, type GroupState } from '../alerts/notifier.js';
import { toAlertView } from '../alerts/view.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../state/store.js';
import { callbackReceivers, checkCallbackTime, type Interactive } from './callbacks.js';
import { badRequest, forbidden, unauthorized } from './errors.js';
import { constantTimeEqual, type IngestRequest, json } from './request.js';

export const FEISHU_CARD_PATH = '/feishu/card';
export const FEISHU_TIMESTAMP_TOLERANCE_MS = 5 * 60_000;

/** Work left for after the answer: tell incident tools about an acknowledgement. */
export interface ForwardAckTask {
  kind: 'forward-ack';
  fingerprints: string[];
  note: string;
}

type InteractiveFeishu = Interactive<FeishuConfig>;

/** `X-Lark-Signature` for a body: hex SHA-256 of timestamp + nonce + Encrypt Key + body. */
export function feishuCallbackSignature(
  timestamp: string,
  nonce: string,
  encryptKey: string,
  body: Buffer | string,
): string {
  return createHash('sha256').update(`${timestamp}${nonce}${encryptKey}`).update(body).digest('hex');
}

/** Decrypts an `encrypt` field; throws on anything that is not a well-formed ciphertext. */
export function feishuDecrypt(encrypt: string, encryptKey: string): string {
  const raw = Buffer.from(encrypt, 'base64');
  if (raw.length < 32 || raw.length % 16 !== 0) throw new Error('not an AES-CBC ciphertext');
  const key = createHash('sha256').update(encryptKey).digest();
  const decipher = createDecipheriv('aes-256-cbc', key, raw.subarray(0, 16));
  return Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]).toString('utf8');
}

export interface FeishuRouteDeps {
  config: Config;
  store: Store;
  logger: Logger;
  now: () => number;
  resolveSecrets: (refs: readonly string[]) => Promise<string[]>;
  defer: (task: ForwardAckTask) => Promise<void>;
}

interface Candidate {
  receiver: InteractiveFeishu;
  token: string;
  encryptKey?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: callbacks are read field by field and checked.
type Loose = Record<string, any>;

export async function handleFeishuCard(
  request: IngestRequest,
  deps: FeishuRouteDeps,
): Promise<APIGatewayProxyStructuredResultV2> {
  const receivers = callbackReceivers<FeishuConfig>(deps.config, 'feishu', 'the Feishu card callback');
  let body: Loose;
  try {
    body = JSON.parse(request.body.toString('utf8')) as Loose;
  } catch {
    throw badRequest('body: not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('body: not a JSON object');

  const secrets = await deps.resolveSecrets(
    receivers.flatMap((r) => [
      r.interactive.verificationToken,
      r.interactive.encryptKey ?? r.interactive.verificationToken,
    ]),
  );
  const all: Candidate[] = receivers.map((receiver, i) => ({
    receiver,
    token: secrets[2 * i] as string,
    ...(receiver.interactive.encryptKey ? { encryptKey: secrets[2 * i + 1] as string } : {}),
  }));

  let candidates: Candidate[];
  let callback: Loose;
  if (typeof body.encrypt === 'string') {
    const timestamp = request.headers['x-lark-request-timestamp'];
    const nonce = request.headers['x-lark-request-nonce'];
    const signature = request.headers['x-lark-signature'];
    if (!timestamp || !nonce || !signature)
      throw unauthorized(
        'missing X-Lark-Request-Timestamp, X-Lark-Request-Nonce or X-Lark-Signature header',
        'Lark',
      );
    checkCallbackTime(
      'X-Lark-Request-Timestamp',
      timestamp,
      deps.now(),
      FEISHU_TIMESTAMP_TOLERANCE_MS,
      'Lark',
    );
    candidates = all.filter(
      (c) =>
        c.encryptKey !== undefined &&
        constantTimeEqual(signature, feishuCallbackSignature(timestamp, nonce, c.encryptKey, request.body)),
    );
    if (candidates.length === 0)
      throw unauthorized('X-Lark-Signature does not match the body (check the Encrypt Key)', 'Lark');
    try {
      callback = JSON.parse(feishuDecrypt(body.encrypt, candidates[0]?.encryptKey as string)) as Loose;
    } catch {
      throw badRequest('encrypt: cannot be decrypted with the Encrypt Key');
    }
    if (!callback || typeof callback !== 'object') throw badRequest('encrypt: not a JSON object');
  } else {
    // A receiver with an Encrypt Key takes encrypted, signed callbacks only.
    candidates = all.filter((c) => c.encryptKey === undefined);
    if (candidates.length === 0)
      throw unauthorized('expected an encrypted callback ({"encrypt": …}): the Encrypt Key is set', 'Lark');
    callback = body;
  }

  const offered = typeof callback.header?.token === 'string' ? callback.header.token : callback.token;
  if (typeof offered !== 'string' || offered.length === 0)
    throw unauthorized('missing verification token', 'Lark');
  candidates = candidates.filter((c) => constantTimeEqual(offered, c.token));
  if (candidates.length === 0) throw unauthorized('verification token does not match', 'Lark');

  if (callback.type === 'url_verification') {
    if (typeof callback.challenge !== 'string' || callback.challenge.length > 200)
      throw badRequest('challenge: missing');
    return json(200, { challenge: callback.challenge });
  }
  if (callback.schema !== '2.0' || callback.header?.event_type !== 'card.action.trigger')
    return json(200, {});

  const event = (callback.event ?? {}) as Loose;
  const value = decodeActionValue(event.action?.value);
  if (!value) throw badRequest('event.action.value: not a jobwatch button value');
  const candidate = candidates.find((c) => c.receiver.name === value.receiver);
  if (!candidate) throw forbidden('this button is not from a receiver of this Feishu app');
  const receiver = candidate.receiver;
  const ids = [event.operator?.open_id, event.operator?.user_id].filter(
    (id): id is string => typeof id === 'string' && /^[\w-]{1,64}$/.test(id),
  );
  if (ids.length === 0) throw badRequest('event.operator.open_id: missing');
  const allow = receiver.interactive.allow;
  const list = allow[value.action === 'ack' ? 'ack' : 'silence'];
  // Either of the person's ids may be the one on the list.
  const actorId = ids.find((id) => list.includes(id)) ?? (ids[0] as string);
  const nowMs = deps.now();
  const result = await performChatAction(
    { store: deps.store, logger: deps.logger, config: deps.config },
    {
      receiver: receiver.name,
      allow,
      fingerprint: value.fingerprint,
      action: value.action,
      actor: { platform: 'feishu', id: actorId },
    },
    nowMs,
  );
  if (result.outcome === 'done' && value.action === 'ack')
    await deps.defer({
      kind: 'forward-ack',
      fingerprints: [value.fingerprint],
      note: `acknowledged in Feishu by ${actorId}`,
    });
  const toast = {
    type: result.outcome === 'done' ? 'success' : result.outcome === 'refused' ? 'error' : 'info',
    content: result.text,
  };
  const acted = result.outcome === 'done' || result.outcome === 'already';
  const card = acted
    ? await updatedCard(deps, receiver, value.fingerprint, value.action, result, nowMs)
    : undefined;
  return json(200, { toast, ...(card ? { card: { type: 'raw', data: card } } : {}) });
}

/**
 * The card again, from the group as it stands: the alert acted on shows who did what and when instead of
 * its buttons, and so does every other alert someone acknowledged.
 */
async function updatedCard(
  deps: FeishuRouteDeps,
  receiver: InteractiveFeishu,
  fingerprint: string,
  action: Parameters<typeof actionSentence>[0],
  result: ChatActionResult,
  nowMs: number,
): Promise<Record<string, unknown> | undefined> {
  const groups = await deps.store.query<GroupState>(GROUP_PK, { consistent: true });
  const group = groups.find((g) => g.data.receiver === receiver.name && g.data.alerts[fingerprint]);
  if (!group) return undefined;
  const acks = await activeAcks(deps.store, nowMs);
  const firing = Object.values(group.data.alerts)
    .filter((a) => a.event.data.status === 'firing')
    .map((a) => toAlertView(a.event));
  const notes = new Map<string, string>();
  for (const view of firing) {
    const ack = acks.get(view.fingerprint);
    if (ack && covers(ack, view.startsAtMs, nowMs))
      notes.set(view.fingerprint, `✅ ${actionSentence('ack', ack.createdBy, ack.createdAtMs, ack.untilMs)}`);
  }
  if (result.by)
    notes.set(
      fingerprint,
      `${action === 'ack' ? '✅' : '🔕'} ${actionSentence(action, `<at id=${result.by.id}></at>`, result.atMs ?? nowMs, result.untilMs ?? nowMs)}`,
    );
  const { card } = buildFeishuInteractiveCard(
    {
      receiver: receiver.name,
      groupKey: group.data.groupKey,
      groupLabels: group.data.groupLabels,
      reason: 'first',
      status: firing.length > 0 ? 'firing' : 'resolved',
      firing,
      resolved: [],
      omitted: 0,
      nowMs,
    },
    receiver.owners,
    notes,
  );
  return card;
}
