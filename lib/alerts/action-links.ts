/**
 * Signed action links: the message of a firing alert carries links (Acknowledge, Silence 1 h / 4 h) to a
 * confirm page served by the webhook function. A link holds a token: the alert fingerprint, the action,
 * an expiry and a nonce, signed with HMAC-SHA256 under a key from the secret store. A GET only shows what
 * would happen (link previewers and scanners follow links); a POST acts, once: the nonce is consumed with
 * a conditional write, so a second POST of the same token (a double click, a replay) acts never again.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConditionFailedError, type Store } from '../state/store.js';

export const ACTION_PATH = '/act';
export const ACTION_NONCE_PK = 'action#nonce';
/** How long a link in a message stays usable. */
export const ACTION_LINK_TTL_MS = 24 * 3600_000;
/** Longer tokens are refused before any work. */
export const MAX_TOKEN_CHARS = 600;

export const LINK_ACTIONS = {
  ack: { title: 'Acknowledge', silenceMs: undefined },
  'silence-1h': { title: 'Silence 1 h', silenceMs: 3600_000 },
  'silence-4h': { title: 'Silence 4 h', silenceMs: 4 * 3600_000 },
} as const;
export type LinkAction = keyof typeof LINK_ACTIONS;

/**
 * Answers to a remediation waiting for approval (policy `approval: required`), on its decision message
 * only; the token's subject is the approval id, and the approval's own window decides whether it counts.
 */
export const APPROVAL_LINK_ACTIONS = {
  approve: { title: 'Approve' },
  reject: { title: 'Reject' },
} as const;
export type ApprovalLinkAction = keyof typeof APPROVAL_LINK_ACTIONS;
export type TokenAction = LinkAction | ApprovalLinkAction;

export const isApprovalAction = (action: TokenAction): action is ApprovalLinkAction =>
  Object.hasOwn(APPROVAL_LINK_ACTIONS, action);

export interface ActionClaims {
  fingerprint: string;
  action: TokenAction;
  expiresAtMs: number;
  nonce: string;
}

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');
const sign = (key: string, payload: string) =>
  createHmac('sha256', key).update(`jobwatch-action.v1.${payload}`).digest();

export function signActionToken(key: string, claims: ActionClaims): string {
  const payload = b64(
    JSON.stringify({ f: claims.fingerprint, a: claims.action, e: claims.expiresAtMs, n: claims.nonce }),
  );
  return `${payload}.${b64(sign(key, payload))}`;
}

export type TokenCheck =
  | { ok: true; claims: ActionClaims }
  | { ok: false; status: 400 | 403 | 410; reason: string };

/** Checks form, signature (constant time) and expiry; never throws. */
export function verifyActionToken(key: string, token: string, nowMs: number): TokenCheck {
  if (token.length === 0 || token.length > MAX_TOKEN_CHARS || !/^[\w-]+\.[\w-]+$/.test(token))
    return { ok: false, status: 400, reason: 'this link is malformed' };
  const [payload, signature] = token.split('.') as [string, string];
  const given = Buffer.from(signature, 'base64url');
  const expected = sign(key, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, status: 403, reason: 'this link is not signed by jobwatch' };
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, status: 400, reason: 'this link is malformed' };
  }
  const r = raw as { f?: unknown; a?: unknown; e?: unknown; n?: unknown };
  if (
    typeof r.f !== 'string' ||
    !/^[\w:.-]{1,200}$/.test(r.f) ||
    typeof r.a !== 'string' ||
    !(Object.hasOwn(LINK_ACTIONS, r.a) || Object.hasOwn(APPROVAL_LINK_ACTIONS, r.a)) ||
    typeof r.e !== 'number' ||
    typeof r.n !== 'string' ||
    !/^[\w-]{16,64}$/.test(r.n)
  )
    return { ok: false, status: 400, reason: 'this link is malformed' };
  if (r.e <= nowMs) return { ok: false, status: 410, reason: 'this link has expired' };
  return { ok: true, claims: { fingerprint: r.f, action: r.a as TokenAction, expiresAtMs: r.e, nonce: r.n } };
}

/** Marks a token used; false when it was used before (one conditional write decides between racers). */
export async function consumeNonce(store: Store, claims: ActionClaims, nowMs: number): Promise<boolean> {
  try {
    await store.put(
      {
        pk: ACTION_NONCE_PK,
        sk: claims.nonce,
        data: { usedAtMs: nowMs, fingerprint: claims.fingerprint, action: claims.action },
        expiresAtSec: Math.floor(claims.expiresAtMs / 1000) + 3600,
      },
      { ifAbsent: true },
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionFailedError) return false;
    throw error;
  }
}

/**
 * Signed links to `ACTION_PATH`, one per action, each with its own nonce: `subject` is what the token
 * names (an alert fingerprint, an approval id).
 */
function signedLinks(actions: Readonly<Partial<Record<TokenAction, { title: string }>>>) {
  return (
    publicUrl: string,
    key: string,
    subject: string,
    nowMs: number,
    nonce: () => string = () => randomBytes(16).toString('base64url'),
  ): { title: string; url: string }[] => {
    const base = publicUrl.replace(/\/+$/, '');
    return (Object.keys(actions) as TokenAction[]).map((action) => ({
      title: actions[action]?.title ?? action,
      url: `${base}${ACTION_PATH}?t=${signActionToken(key, {
        fingerprint: subject,
        action,
        expiresAtMs: nowMs + ACTION_LINK_TTL_MS,
        nonce: nonce(),
      })}`,
    }));
  };
}

/** The links for one firing alert (its fingerprint is the subject). */
export const actionLinks = signedLinks(LINK_ACTIONS);

/** Approve / Reject for a remediation waiting for approval; `approvalId` is the subject. */
export const approvalLinks = signedLinks(APPROVAL_LINK_ACTIONS);
