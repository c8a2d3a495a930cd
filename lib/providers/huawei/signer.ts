/**
 * Huawei Cloud APIG signing, `SDK-HMAC-SHA256` (digest signing.md §A.3): a pure function of the request,
 * the credentials and the clock. Checked byte for byte against `AKSKSigner` of
 * `@huaweicloud/huaweicloud-sdk-core` in test/providers/huawei/signer.test.ts.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SignableRequest } from '../../http/client.js';

export interface HuaweiCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary (STS) credentials only; sent and signed as `X-Security-Token`. */
  securityToken?: string;
}

/** The HTTP client's signable request; every one of its headers is signed. */
export type HuaweiSignableRequest = SignableRequest;

export const HUAWEI_SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
/** The gateway rejects requests whose `X-Sdk-Date` is more than 15 minutes off (signing.md §A.2). */
export const HUAWEI_MAX_SKEW_MS = 15 * 60_000;
const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** RFC 3986 encoding with upper-case hex over UTF-8 bytes: keeps `A-Z a-z 0-9 - _ . ~` only. */
export function huaweiUriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `YYYYMMDD'T'HHMMSS'Z'` in UTC. */
export function formatSdkDate(nowMs: number): string {
  return new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export function parseSdkDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
}

/** Each segment encoded, always ending in `/` (the request itself may omit it). */
export function canonicalUri(path: string): string {
  const encoded = path
    .split('/')
    .map((segment) => huaweiUriEncode(safeDecode(segment)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/** Sorted by name (code-unit order, as the Node SDK does), repeated names sorted by value, `name=` kept. */
export function canonicalQueryString(query: readonly (readonly [string, string])[]): string {
  const byName = new Map<string, string[]>();
  for (const [name, value] of query) {
    const values = byName.get(name) ?? [];
    values.push(value);
    byName.set(name, values);
  }
  const names = [...byName.keys()].sort();
  const parts: string[] = [];
  for (const name of names) {
    const values = (byName.get(name) ?? []).slice().sort();
    for (const value of values) parts.push(`${huaweiUriEncode(name)}=${huaweiUriEncode(value)}`);
  }
  return parts.join('&');
}

function canonicalHeaders(headers: Record<string, string>): { canonical: string; signed: string } {
  const entries = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    canonical: entries.map(([name, value]) => `${name}:${value}\n`).join(''),
    signed: entries.map(([name]) => name).join(';'),
  };
}

export interface CanonicalParts {
  canonicalRequest: string;
  signedHeaders: string;
  stringToSign: string;
}

export function buildCanonical(
  method: string,
  path: string,
  query: readonly (readonly [string, string])[],
  signedHeaderValues: Record<string, string>,
  body: string | Buffer | undefined,
  sdkDate: string,
): CanonicalParts {
  const { canonical, signed } = canonicalHeaders(signedHeaderValues);
  const contentSha = Object.entries(signedHeaderValues).find(
    ([name]) => name.toLowerCase() === 'x-sdk-content-sha256',
  )?.[1];
  const payloadHash =
    contentSha ?? (body === undefined || body.length === 0 ? EMPTY_BODY_SHA256 : sha256Hex(body));
  const canonicalRequest = [
    method.toUpperCase(),
    canonicalUri(path),
    canonicalQueryString(query),
    canonical,
    signed,
    payloadHash,
  ].join('\n');
  const stringToSign = [HUAWEI_SIGNING_ALGORITHM, sdkDate, sha256Hex(canonicalRequest)].join('\n');
  return { canonicalRequest, signedHeaders: signed, stringToSign };
}

/**
 * Returns the headers to add to the request: `X-Sdk-Date`, `Authorization` and, for temporary
 * credentials, `X-Security-Token`. Every header in `req.headers` plus `host` is signed.
 */
export function signHuaweiRequest(
  req: HuaweiSignableRequest,
  credentials: HuaweiCredentials,
  nowMs: number,
): Record<string, string> {
  const sdkDate = formatSdkDate(nowMs);
  const added: Record<string, string> = { 'X-Sdk-Date': sdkDate };
  if (credentials.securityToken) added['X-Security-Token'] = credentials.securityToken;
  const toSign: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'x-sdk-date' || lower === 'x-security-token') continue;
    toSign[lower] = value;
  }
  toSign.host = req.host;
  for (const [name, value] of Object.entries(added)) toSign[name.toLowerCase()] = value;
  const { signedHeaders, stringToSign } = buildCanonical(
    req.method,
    req.path,
    req.query,
    toSign,
    req.body,
    sdkDate,
  );
  const signature = createHmac('sha256', credentials.secretAccessKey).update(stringToSign).digest('hex');
  added.Authorization = `${HUAWEI_SIGNING_ALGORITHM} Access=${credentials.accessKeyId}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return added;
}

const AUTH_PATTERN =
  /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/;

/** Splits a raw query string as sent (no `+`-as-space: our client and the SDKs encode spaces as `%20`). */
function parseRawQuery(rawQuery: string): [string, string][] {
  if (!rawQuery) return [];
  return rawQuery
    .split('&')
    .filter((part) => part.length > 0)
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? '' : part.slice(eq + 1);
      return [safeDecode(name), safeDecode(value)];
    });
}

function headerValue(headers: ReceivedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** What the gateway's side reads of a received request (the emulators pass theirs). */
export interface ReceivedRequest {
  method: string;
  /** Decoded path without query string. */
  path: string;
  /** Raw query string without '?', exactly as sent. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The gateway's side of the signature: recomputes it over the headers the request says it signed.
 * Used by the DLI and MRS sandboxes; the reason never contains the expected signature or the key.
 */
export function verifyHuaweiSignature(
  req: ReceivedRequest,
  credentials: HuaweiCredentials,
  nowMs: number,
  maxSkewMs: number = HUAWEI_MAX_SKEW_MS,
): { ok: true } | { ok: false; reason: string } {
  const authorization = headerValue(req.headers, 'authorization');
  if (!authorization) return { ok: false, reason: 'missing Authorization header' };
  const m = AUTH_PATTERN.exec(authorization.trim());
  if (!m) return { ok: false, reason: 'Authorization header is not SDK-HMAC-SHA256' };
  const [, access, signedHeaderList, signature] = m as unknown as [string, string, string, string];
  if (access !== credentials.accessKeyId) return { ok: false, reason: 'unknown access key' };
  const signedNames = signedHeaderList.split(';');
  if (!signedNames.includes('x-sdk-date')) return { ok: false, reason: 'X-Sdk-Date is not signed' };
  if (!signedNames.includes('host')) return { ok: false, reason: 'Host is not signed' };
  const sdkDate = headerValue(req.headers, 'x-sdk-date') ?? '';
  const signedAtMs = parseSdkDate(sdkDate);
  if (signedAtMs === undefined) return { ok: false, reason: 'X-Sdk-Date is malformed' };
  if (Math.abs(nowMs - signedAtMs) > maxSkewMs) {
    return { ok: false, reason: 'X-Sdk-Date differs from server time by more than the allowed skew' };
  }
  if (credentials.securityToken !== undefined) {
    if (headerValue(req.headers, 'x-security-token') !== credentials.securityToken)
      return { ok: false, reason: 'security token missing or wrong' };
  }
  const values: Record<string, string> = {};
  for (const name of signedNames) {
    const value = headerValue(req.headers, name);
    if (value === undefined) return { ok: false, reason: `signed header ${name} is missing` };
    values[name] = value;
  }
  const { stringToSign } = buildCanonical(
    req.method,
    req.path,
    parseRawQuery(req.rawQuery),
    values,
    req.body,
    sdkDate,
  );
  const expected = createHmac('sha256', credentials.secretAccessKey).update(stringToSign).digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true };
}
