import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import { issueSummary } from '../config/path.js';
import { badRequest, IngestHttpError } from './errors.js';

/** What every route sees: an API Gateway v2 event reduced to the parts we trust and use. */
export interface IngestRequest {
  method: string;
  path: string;
  rawQuery: string;
  query: URLSearchParams;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: Buffer;
  sourceIp: string;
  /** API Gateway v2 moves Cookie headers into `cookies`; a plain `cookie` header is kept too. */
  cookies: string[];
}

export function toIngestRequest(event: APIGatewayProxyEventV2, maxBodyBytes: number): IngestRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
  }
  const raw = event.body ?? '';
  // A base64 string is 4/3 of its bytes: refuse before decoding something huge.
  const roughBytes = event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw);
  if (roughBytes > maxBodyBytes + 3) throw tooLarge(maxBodyBytes);
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (body.length > maxBodyBytes) throw tooLarge(maxBodyBytes);
  const rawQuery = event.rawQueryString ?? '';
  return {
    method: (event.requestContext?.http?.method ?? 'GET').toUpperCase(),
    path: event.rawPath || event.requestContext?.http?.path || '/',
    rawQuery,
    query: new URLSearchParams(rawQuery),
    headers,
    body,
    sourceIp: event.requestContext?.http?.sourceIp ?? '',
    cookies: [
      ...(event.cookies ?? []).filter((c): c is string => typeof c === 'string'),
      ...(headers.cookie ? [headers.cookie] : []),
    ],
  };
}

function tooLarge(maxBodyBytes: number): IngestHttpError {
  return new IngestHttpError(413, `request body is larger than ${maxBodyBytes} bytes`);
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  } satisfies APIGatewayProxyStructuredResultV2;
}

/** Parses a JSON body; a body that is not JSON is a 400 that says so. */
export function parseJson(request: IngestRequest): unknown {
  const text = request.body.toString('utf8');
  if (text.trim() === '') throw badRequest('request body is empty; expected JSON');
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('request body is not valid JSON');
  }
}

/** Validates with zod; failure is a 400 naming up to five bad field paths. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw badRequest(`invalid ${what}: ${issueSummary(result.error.issues, 5)}`);
}

/** Equal strings compare in time independent of where they differ (hashes make lengths equal). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** True when `candidate` equals any of `secrets`; every secret is compared, so timing does not tell which. */
export function matchesAny(candidate: string, secrets: readonly string[]): boolean {
  let ok = false;
  for (const secret of secrets) ok = constantTimeEqual(candidate, secret) || ok;
  return ok;
}

export function createIpAllowList(entries: readonly string[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return (ip) => {
    const bare = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    const family = isIP(bare);
    if (family === 0) return false;
    return list.check(bare, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/** `host` matches `pattern` exactly, or `*.suffix` matches any sub-domain of suffix (never suffix itself). */
export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase();
  return patterns.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
    return h === p;
  });
}

/**
 * Parses a URL and checks its scheme and host against an allow-list. `host` includes a non-default port,
 * so an allow-listed `127.0.0.1:8443` does not admit other ports.
 */
export function allowedUrl(
  raw: string,
  patterns: readonly string[],
  allowHttp: boolean,
): { ok: true; url: URL } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not a URL' };
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:'))
    return { ok: false, reason: 'must use https' };
  if (url.username || url.password) return { ok: false, reason: 'must not carry credentials' };
  if (!hostAllowed(url.host, patterns) && !hostAllowed(url.hostname, patterns.filter(noPort)))
    return { ok: false, reason: `host ${url.hostname} is not an allowed host` };
  return { ok: true, url };
}

const noPort = (pattern: string) => !/:\d+$/.test(pattern);
