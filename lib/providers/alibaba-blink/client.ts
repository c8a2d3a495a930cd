/**
 * Alibaba Cloud ROA signature v1 (`Authorization: acs AccessKeyId:Signature`, HMAC-SHA1), as implemented by
 * the official `@alicloud/openapi-util` (`getStringToSign`, `getROASignature`) and `@alicloud/pop-core`
 * (`ROAClient#request`). A pure function of (request, credentials, date, nonce): tests compare it byte for
 * byte with the official implementation. Reference: shared/reference/signing.md §B.1.
 */
import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { z } from 'zod';
import type { HttpResponse, ResponseVerdict } from '../../http/client.js';
import {
  alibabaFailure,
  type SignedClientOptions,
  SignedJsonClient,
  signedClientCache,
} from '../shared-client.js';
import { errorEnvelopeSchema } from './schemas.js';

export const FOAS_API_VERSION = '2018-11-11';

export interface RoaCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token; adds `x-acs-security-token` and `x-acs-accesskey-id` (pop-core behaviour). */
  securityToken?: string;
}

export interface RoaRequest {
  method: string;
  /** Path exactly as sent on the wire (segments already percent-encoded). */
  path: string;
  /** Query pairs with raw (unencoded) values; the string to sign uses them unencoded. */
  query: readonly [string, string][];
  /** Extra headers (any case); `x-acs-*` ones are signed. */
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface RoaSignOptions {
  /** Request time, epoch ms; rendered as RFC 1123 GMT in the `date` header unless the request carries one. */
  dateMs?: number;
  nonce: string;
  regionId?: string;
  /** `credentials.accessKeySecret` as a KeyObject, when the caller keeps one (a client signing many calls). */
  signingKey?: KeyObject;
}

/** `filter` + `trim` of the official getCanonicalizedHeaders. */
function canonicalHeaderValue(value: string): string {
  return value.replace(/[\t\n\r\f]/g, ' ').trim();
}

export function canonicalizedHeaders(headers: Record<string, string>): string {
  const keys: string[] = [];
  for (const key in headers) if (key.startsWith('x-acs-')) keys.push(key);
  keys.sort();
  let out = '';
  for (const key of keys) out += `${key}:${canonicalHeaderValue(headers[key] ?? '')}\n`;
  return out;
}

/** Path plus sorted `key=value` pairs with raw values; a repeated key keeps its last value, like an object. */
export function canonicalizedResource(path: string, query: readonly [string, string][]): string {
  if (query.length === 0) return path;
  const map = new Map<string, string>();
  for (const [key, value] of query) map.set(key, value);
  const keys = [...map.keys()].sort();
  return `${path}?${keys.map((key) => `${key}=${map.get(key)}`).join('&')}`;
}

/** Headers must already be lower-cased. */
export function roaStringToSign(
  method: string,
  path: string,
  headers: Record<string, string>,
  query: readonly [string, string][],
): string {
  const head = `${method}\n${headers['accept'] ?? ''}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${headers['date'] ?? ''}`;
  return `${head}\n${canonicalizedHeaders(headers)}${canonicalizedResource(path, query)}`;
}

/** `accessKeySecret` may be a KeyObject made once per client (`createSecretKey`): same signature, no per-call key copy. */
export function roaSignature(stringToSign: string, accessKeySecret: string | KeyObject): string {
  return createHmac('sha1', accessKeySecret).update(stringToSign, 'utf8').digest('base64');
}

export function contentMd5(body: string | Buffer): string {
  return createHash('md5')
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest('base64');
}

/**
 * Every header the request needs, including `authorization`. Header names are lower-case. Caller headers
 * win over defaults except the signature headers themselves.
 */
export function signRoaRequest(
  request: RoaRequest,
  credentials: RoaCredentials,
  options: RoaSignOptions,
): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'x-acs-signature-method': 'HMAC-SHA1',
    'x-acs-signature-nonce': options.nonce,
    'x-acs-signature-version': '1.0',
    'x-acs-version': FOAS_API_VERSION,
  };
  if (options.regionId) headers['x-acs-region-id'] = options.regionId;
  if (credentials.securityToken) {
    headers['x-acs-accesskey-id'] = credentials.accessKeyId;
    headers['x-acs-security-token'] = credentials.securityToken;
  }
  for (const key in request.headers) {
    const lower = key.toLowerCase();
    if (lower === 'authorization' || lower === 'x-acs-signature-nonce') continue;
    headers[lower] = request.headers[key] as string;
  }
  if (headers['date'] === undefined) {
    if (options.dateMs === undefined) throw new Error('signRoaRequest needs a date header or dateMs');
    headers['date'] = httpDate(options.dateMs);
  }
  if (request.body !== undefined && request.body.length > 0) {
    headers['content-md5'] = contentMd5(request.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  const stringToSign = roaStringToSign(request.method, request.path, headers, request.query);
  headers['authorization'] =
    `acs ${credentials.accessKeyId}:${roaSignature(stringToSign, options.signingKey ?? credentials.accessKeySecret)}`;
  return headers;
}

let lastDateSecond = Number.NaN;
let lastDate = '';

/**
 * `new Date(ms).toUTCString()` (RFC 1123, whole seconds), formatted once per second: every call of a poll
 * made within the same second sends the same `date`.
 */
export function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastDateSecond) {
    lastDate = new Date(second * 1000).toUTCString();
    lastDateSecond = second;
  }
  return lastDate;
}

/** Parses `acs AK:SIG`; undefined when malformed (the sandbox answers IncompleteSignature). */
export function parseRoaAuthorization(
  value: string | undefined,
): { accessKeyId: string; signature: string } | undefined {
  const match = /^acs ([^:\s]+):(\S+)$/.exec(value ?? '');
  if (!match) return undefined;
  return { accessKeyId: match[1] as string, signature: match[2] as string };
}

// ---------------------------------------------------------------------------------------------------------
// The foas client: one HttpClient (keep-alive pool) per endpoint and credentials, reused across polls.

const SUCCESS_CODE = /^(200|0|OK|Success)$/i;
const ERROR_KEY = /^(code|errorcode)$/i;

/** Whether a parsed body has a top-level `Code` or `ErrorCode` key (any case): the envelope's only source. */
function hasErrorKey(json: object): boolean {
  for (const key in json) if (ERROR_KEY.test(key)) return true;
  return false;
}

/**
 * Reads the vendor's error envelope out of any non-2xx answer (and a 2xx that carries a `Code`). The body
 * is parsed here once and kept on the response (`json`), so the client does not decode and parse it again.
 */
export function classifyFoasResponse(response: HttpResponse): ResponseVerdict {
  const ok = response.status >= 200 && response.status < 300;
  let envelope: z.infer<typeof errorEnvelopeSchema> | undefined;
  try {
    const text = response.body.toString('utf8');
    if (text.startsWith('{')) {
      const json: object = JSON.parse(text);
      response.json = json;
      if (!ok || hasErrorKey(json)) {
        const parsed = errorEnvelopeSchema.safeParse(json);
        if (parsed.success) envelope = parsed.data;
      }
    }
  } catch {
    envelope = undefined;
  }
  const code = envelope?.Code ?? envelope?.ErrorCode;
  // A 2xx is an error only when it carries an error envelope (a code other than a success marker).
  if (ok && (!code || SUCCESS_CODE.test(code) || (!envelope?.Message && !envelope?.ErrorMsg)))
    return { ok: true };
  return alibabaFailure(response, {
    code,
    message: envelope?.Message ?? envelope?.ErrorMsg,
    requestId: envelope?.RequestId,
  });
}

/** The context each call takes: clock, deadline, call counts, the target's limiter. */
export type BlinkCallContext = Parameters<BlinkClient['call']>[2];

export interface BlinkCall {
  operation: string;
  method: 'GET' | 'POST' | 'PUT';
  /** Path segments after `/api/v2/`; each is percent-encoded here. */
  segments: (string | number)[];
  query?: [string, string][];
  body?: unknown;
}

export interface BlinkClientOptions extends SignedClientOptions {
  regionId: string;
  credentials: RoaCredentials;
}

export class BlinkClient extends SignedJsonClient<BlinkCall> {
  /** The secret as a KeyObject, made once: each attempt's HMAC then skips preparing the key. */
  private readonly signingKey: KeyObject;

  constructor(private readonly options: BlinkClientOptions) {
    super(options, {
      classify: classifyFoasResponse,
      // The request's headers carry `date` (set per call from the injected clock, see address()); a fresh
      // nonce per attempt. The signer copies them: nothing is taken apart or formatted twice here.
      sign: (request) =>
        signRoaRequest(request, this.options.credentials, {
          nonce: this.nonce(),
          regionId: this.options.regionId,
          signingKey: this.signingKey,
        }),
    });
    this.signingKey = createSecretKey(Buffer.from(options.credentials.accessKeySecret, 'utf8'));
  }

  protected address(call: BlinkCall, nowMs: number) {
    let path = '/api/v2';
    for (const segment of call.segments) path += `/${encodeURIComponent(segment)}`;
    const headers = {
      date: httpDate(nowMs),
      // The manual's `RegionId` header parameter (names are case-insensitive); the signer adds x-acs-region-id.
      regionid: this.options.regionId,
    };
    return { path, headers };
  }
}

/** One client per (endpoint, region, credentials). */
export const blinkClientFor = signedClientCache(
  (options: BlinkClientOptions) => options.regionId,
  (options) => new BlinkClient(options),
);
