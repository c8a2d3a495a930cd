/**
 * The status page's login session: a cookie `v1.<expiresAtMs>.<tokenTag>.<nonce>.<mac>` where mac is
 * HMAC-SHA256 over the rest with the session key from the secret store (webhook.statusPage.sessionKey).
 * Nothing secret is in it; `tokenTag` names which operator token opened it (a hash prefix), so removing
 * that token from the config ends its sessions too. Forged, tampered, expired or foreign cookies are
 * refused the same way: no session.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from './request.js';

export const SESSION_COOKIE = 'jobwatch_status';
const VERSION = 'v1';

/** A short, non-reversible tag of an operator token. */
export function tokenTag(token: string): string {
  return createHash('sha256').update(`jobwatch-status-token\u0000${token}`).digest('base64url').slice(0, 12);
}

function mac(key: string, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

export function issueSession(key: string, token: string, expiresAtMs: number): string {
  const payload = `${VERSION}.${expiresAtMs}.${tokenTag(token)}.${randomBytes(12).toString('base64url')}`;
  return `${payload}.${mac(key, payload)}`;
}

/** True for a cookie value this key signed, not expired at nowMs, opened by a token still configured. */
export function verifySession(
  value: string,
  options: { keys: readonly string[]; tokens: readonly string[]; nowMs: number },
): boolean {
  if (value.length > 200) return false;
  const parts = value.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) return false;
  const [, expires, tag, , signature] = parts as [string, string, string, string, string];
  if (!/^\d{1,15}$/.test(expires)) return false;
  const payload = parts.slice(0, 4).join('.');
  let signed = false;
  for (const key of options.keys) signed = constantTimeEqual(signature, mac(key, payload)) || signed;
  if (!signed) return false;
  if (Number(expires) <= options.nowMs) return false;
  return options.tokens.some((token) => constantTimeEqual(tag, tokenTag(token)));
}

/** Every value of a cookie name in API Gateway's `cookies` array (`name=value` strings, maybe `; `-joined). */
export function cookieValues(cookies: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (const header of cookies)
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && pair.slice(0, eq).trim() === name) values.push(pair.slice(eq + 1).trim());
    }
  return values;
}

export function sessionCookie(value: string, maxAgeSec: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/status; Max-Age=${maxAgeSec}; HttpOnly; Secure; SameSite=Strict`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/status; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;
}
