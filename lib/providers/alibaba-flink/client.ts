/**
 * Alibaba Cloud signature V3 (`ACS3-HMAC-SHA256`) for the `ververica` ROA API, as the official
 * `@alicloud/openapi-util` `getAuthorization` computes it (signing.md §B.4), and the client that sends
 * signed calls with the `workspace` header. The signer is a pure function of (request, credentials, date,
 * nonce): tests compare it byte for byte with the official implementation.
 */
import { createHash, createHmac } from 'node:crypto';
import type { HttpResponse, ResponseVerdict } from '../../http/client.js';
import {
  alibabaFailure,
  type SignedClientOptions,
  SignedJsonClient,
  signedClientCache,
} from '../shared-client.js';
import { gatewayErrorSchema, vvpEnvelopeSchema } from './schemas.js';

export const VERVERICA_API_VERSION = '2022-07-18';
export const V3_ALGORITHM = 'ACS3-HMAC-SHA256';

export interface V3Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token; sent (and signed) as `x-acs-security-token`. */
  securityToken?: string;
}

export interface V3Request {
  method: string;
  host: string;
  /** Path exactly as sent (parameters percent-encoded, the `:` of `jobs:start` literal). */
  path: string;
  /** Query pairs with raw (unencoded) values. */
  query: readonly [string, string][];
  /** Extra headers (any case); `x-acs-*`, `host` and `content-type` are signed, others (`workspace`) not. */
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** RFC 3986 encoding as openapi-util's `encode`: encodeURIComponent plus `!'()*`. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Sorted `key=value` pairs, values encoded, an empty value as `key=`; a repeated key keeps its last value. */
export function canonicalQueryString(query: readonly [string, string][]): string {
  const map = new Map<string, string>();
  for (const [key, value] of query) map.set(key, value);
  return [...map.keys()]
    .sort()
    .map((key) => `${key}=${percentEncode(map.get(key) ?? '')}`)
    .join('&');
}

/** Signed headers: lower-case `x-acs-*`, `host`, `content-type`; values trimmed, duplicates sorted and joined. */
export function canonicalHeaders(headers: Record<string, string>): { canonical: string; signed: string } {
  const byName = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!(lower.startsWith('x-acs-') || lower === 'host' || lower === 'content-type')) continue;
    byName.set(lower, [...(byName.get(lower) ?? []), (value ?? '').trim()]);
  }
  const names = [...byName.keys()].sort();
  return {
    canonical: names.map((name) => `${name}:${(byName.get(name) ?? []).sort().join(',')}\n`).join(''),
    signed: names.join(';'),
  };
}

/** The canonical URI as openapi-util writes it (first `+`, `*`, `%7E` only, as the official code does). */
export function canonicalUri(path: string): string {
  return (path || '').replace('+', '%20').replace('*', '%2A').replace('%7E', '~');
}

export function v3CanonicalRequest(
  method: string,
  path: string,
  query: readonly [string, string][],
  headers: Record<string, string>,
  payloadHash: string,
): { canonicalRequest: string; signedHeaders: string } {
  const { canonical, signed } = canonicalHeaders(headers);
  return {
    canonicalRequest: [
      method,
      canonicalUri(path),
      canonicalQueryString(query),
      canonical,
      signed,
      payloadHash,
    ].join('\n'),
    signedHeaders: signed,
  };
}

export function v3StringToSign(canonicalRequest: string): string {
  return `${V3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

export function v3Signature(stringToSign: string, accessKeySecret: string): string {
  return createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('hex');
}

/** UTC `YYYY-MM-DDThh:mm:ssZ`, the form of `x-acs-date`. */
export function acsDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Every header the request needs, including `authorization`. Names are lower-case; caller headers win
 * over defaults except the signature's own.
 */
export function signV3Request(
  request: V3Request,
  credentials: V3Credentials,
  options: { dateMs: number; nonce: string; action: string; version?: string },
): Record<string, string> {
  const body = request.body ?? '';
  const headers: Record<string, string> = {
    host: request.host,
    'x-acs-action': options.action,
    'x-acs-version': options.version ?? VERVERICA_API_VERSION,
    'x-acs-date': acsDate(options.dateMs),
    'x-acs-signature-nonce': options.nonce,
    'x-acs-content-sha256': sha256Hex(body),
  };
  if (credentials.securityToken) headers['x-acs-security-token'] = credentials.securityToken;
  for (const [key, value] of Object.entries(request.headers)) {
    const lower = key.toLowerCase();
    if (lower === 'authorization' || lower === 'x-acs-signature-nonce' || lower === 'x-acs-content-sha256')
      continue;
    headers[lower] = value;
  }
  if (body.length > 0) headers['content-type'] ??= 'application/json; charset=utf-8';
  const { canonicalRequest, signedHeaders } = v3CanonicalRequest(
    request.method,
    request.path,
    request.query,
    headers,
    headers['x-acs-content-sha256'] as string,
  );
  const signature = v3Signature(v3StringToSign(canonicalRequest), credentials.accessKeySecret);
  headers['authorization'] =
    `${V3_ALGORITHM} Credential=${credentials.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
  return headers;
}

/** Parses `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`; undefined when malformed. */
export function parseV3Authorization(
  value: string | undefined,
): { accessKeyId: string; signedHeaders: string[]; signature: string } | undefined {
  const match =
    /^ACS3-HMAC-SHA256 Credential=([^,\s]+),SignedHeaders=([^,\s]*),Signature=([0-9a-f]{64})$/.exec(
      value ?? '',
    );
  if (!match) return undefined;
  return {
    accessKeyId: match[1] as string,
    signedHeaders: (match[2] as string).split(';').filter(Boolean),
    signature: match[3] as string,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Answers: gateway errors (HTTP 4xx/5xx, PascalCase) and business errors (HTTP 200, `success: false`).

/**
 * A 2xx is fine unless its body says `success: false` (httpCode in the body is always 200, digest §7.1);
 * anything else is read for the gateway's `Code`/`Message` or the business `errorCode`/`errorMessage`.
 */
export function classifyVervericaResponse(response: HttpResponse): ResponseVerdict {
  const ok = response.status >= 200 && response.status < 300;
  let json: unknown;
  try {
    const text = response.body.toString('utf8');
    json = text.startsWith('{') ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const business = vvpEnvelopeSchema.safeParse(json);
  const gateway = gatewayErrorSchema.safeParse(json);
  if (ok && !(business.success && business.data.success === false)) return { ok: true };
  const code =
    (business.success ? business.data.errorCode || undefined : undefined) ??
    (gateway.success ? gateway.data.Code : undefined);
  const rawMessage =
    (business.success ? business.data.errorMessage || undefined : undefined) ??
    (gateway.success ? gateway.data.Message : undefined);
  const requestId =
    (business.success ? business.data.requestId : undefined) ??
    (gateway.success ? gateway.data.RequestId : undefined);
  return alibabaFailure(response, { code, message: rawMessage, requestId });
}

// ---------------------------------------------------------------------------------------------------------

/** The context each call takes: clock, deadline, call counts, the target's limiter. */
export type FlinkCallContext = Parameters<FlinkClient['call']>[2];

export interface FlinkCall {
  operation: string;
  method: 'GET' | 'POST';
  namespace: string;
  /** Path segments after `/api/v2/namespaces/{namespace}/`; each is percent-encoded here. */
  segments: string[];
  /** Appended to the last segment verbatim: the literal `:start` / `:stop` of the colon paths (§1.3). */
  verb?: string;
  query?: [string, string][];
  body?: unknown;
}

export interface FlinkClientOptions extends SignedClientOptions {
  workspace: string;
  credentials: V3Credentials;
}

export function flinkPath(call: Pick<FlinkCall, 'namespace' | 'segments' | 'verb'>): string {
  const parts = ['api', 'v2', 'namespaces', call.namespace, ...call.segments].map(percentEncode);
  return `/${parts.join('/')}${call.verb ?? ''}`;
}

export class FlinkClient extends SignedJsonClient<FlinkCall> {
  constructor(private readonly options: FlinkClientOptions) {
    super(options, {
      classify: classifyVervericaResponse,
      sign: (request) => {
        // `x-acs-date` (from the injected clock) and `x-acs-action` come with the call; a fresh nonce per attempt.
        const { 'x-acs-date': date, 'x-acs-action': action, ...rest } = request.headers;
        return signV3Request(
          {
            method: request.method,
            host: request.host,
            path: request.path,
            query: request.query,
            headers: rest,
            ...(request.body === undefined ? {} : { body: request.body }),
          },
          this.options.credentials,
          { dateMs: date ? Date.parse(date) : Date.now(), nonce: this.nonce(), action: action ?? '' },
        );
      },
    });
  }

  protected address(call: FlinkCall, nowMs: number) {
    const headers = {
      'x-acs-date': acsDate(nowMs),
      'x-acs-action': call.operation,
      workspace: this.options.workspace,
      accept: 'application/json',
    };
    return { path: flinkPath(call), headers };
  }
}

/** One client per (endpoint, workspace, credentials). */
export const flinkClientFor = signedClientCache(
  (options: FlinkClientOptions) => options.workspace,
  (options) => new FlinkClient(options),
);
