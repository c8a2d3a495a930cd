/**
 * The Huawei Cloud API client shared by DLI and MRS: AK/SK signing per attempt, the vendor error envelopes,
 * and one keep-alive pool per (endpoint, access key) reused across polls of a warm Lambda.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { HttpClient, type HttpResponse, type ResponseVerdict, type RetryOptions } from '../../http/client.js';
import { HttpCallError, kindForStatus } from '../../http/errors.js';
import { cleanVendorText } from '../../text/scrub.js';
import { type HuaweiCredentials, signHuaweiRequest } from './signer.js';

export interface HuaweiClientOptions {
  endpoint: string;
  credentials: HuaweiCredentials;
  projectId: string;
  now?: () => number;
  /** Connections in the keep-alive pool (fixed when the pool is first created). */
  concurrency?: number;
  retry?: Partial<RetryOptions>;
  /** Called once per HTTP attempt (retries included), for `apiCalls`. */
  onCall?: (operation: string) => void;
  /** Per-attempt time limit for headers and body; 10 s / 15 s by default. */
  timeoutMs?: number;
}

export type HuaweiMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HuaweiCallOptions {
  query?: [string, string][];
  body?: unknown;
  signal?: AbortSignal;
}

export interface HuaweiClient {
  readonly endpoint: string;
  readonly projectId: string;
  /**
   * Calls the API; `path` may contain `{project_id}`, replaced by the project id. Returns the parsed JSON.
   * Vendor errors (`{error_code, error_msg}`, DLI `is_success:false`) become HttpCallError with vendorCode and
   * the request id; retries only 429 (+Retry-After), 5xx, timeouts and DLI.0999-style server errors.
   */
  call(operation: string, method: HuaweiMethod, path: string, options?: HuaweiCallOptions): Promise<unknown>;
}

/**
 * Vendor codes meaning "server-side system error" although they arrive as HTTP 400 (DLI digest §1.9; the
 * seed also spells it `DLI_0999` once, in table 6-45).
 */
const SERVER_ERROR_CODE = /^[A-Z]+[._]0999$/;
/** API gateway throttling ("APIGW.0308 The request is throttled"), whatever the status. */
const THROTTLE_CODES = new Set(['APIGW.0308']);

interface CallContext {
  credentials: HuaweiCredentials;
  now: () => number;
  onCall?: (operation: string) => void;
}

const callContext = new AsyncLocalStorage<CallContext>();

function isFalse(value: unknown): boolean {
  return value === false || (typeof value === 'string' && value.trim().toLowerCase() === 'false');
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function requestIdOf(response: HttpResponse): string | undefined {
  return (
    headerString(response.headers['x-request-id']) ?? headerString(response.headers['x-openstack-request-id'])
  );
}

/** Vendor message for an error: scrubbed and trimmed, because vendors echo request content back. */
function vendorMessage(message: string | undefined): string | undefined {
  return cleanVendorText(message, 200);
}

/** Finds the failure in any of the envelopes Huawei services use; undefined when the body says success. */
export function huaweiEnvelopeFailure(json: unknown): { code?: string; message?: string } | undefined {
  if (Array.isArray(json)) {
    // Flink batch run/stop answer a top-level array of {is_success, message}; one job per call here.
    const failed = json.find(
      (item) =>
        typeof item === 'object' && item !== null && isFalse((item as { is_success?: unknown }).is_success),
    ) as Record<string, unknown> | undefined;
    return failed ? { message: text(failed.message) ?? 'is_success=false' } : undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const body = json as Record<string, unknown>;
  const nested =
    typeof body.error === 'object' && body.error !== null ? (body.error as Record<string, unknown>) : {};
  const code = text(body.error_code) ?? text(body.errorCode) ?? text(nested.code) ?? text(body.code);
  const message =
    text(body.error_msg) ??
    text(body.errorMsg) ??
    text(nested.message) ??
    text(body.message) ??
    text(body.msg);
  if (isFalse(body.is_success)) return { ...(code ? { code } : {}), message: message ?? 'is_success=false' };
  if (code && (text(body.error_msg) || text(body.errorMsg))) return { code, ...(message ? { message } : {}) };
  return undefined;
}

function tryJson(body: Buffer): unknown {
  try {
    return body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function classifyHuaweiResponse(response: HttpResponse): ResponseVerdict {
  const requestId = requestIdOf(response);
  const ok = response.status >= 200 && response.status < 300;
  const json = tryJson(response.body);
  // Kept on the response, so the caller does not parse the body a second time.
  if (json !== undefined) response.json = json;
  const failure = huaweiEnvelopeFailure(json);
  if (ok && !failure) return { ok: true };
  const code = failure?.code;
  let kind = ok ? 'client-error' : kindForStatus(response.status);
  if (response.status === 408) kind = 'timeout';
  if (code && SERVER_ERROR_CODE.test(code)) kind = 'server-error';
  if (code && THROTTLE_CODES.has(code)) kind = 'throttled';
  const retry = kind === 'throttled' || kind === 'server-error' || kind === 'timeout';
  const detail = vendorMessage(failure?.message);
  const label = `${ok ? 'HTTP 200, rejected' : `HTTP ${response.status}`}${code ? ` ${code}` : ''}`;
  return {
    ok: false,
    kind,
    retry,
    message: detail ? `${label}: ${detail}` : label,
    ...(code ? { vendorCode: code } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

interface PoolEntry {
  http: HttpClient;
}

const MAX_POOLS = 64;
const pools = new Map<string, PoolEntry>();

function poolKey(options: HuaweiClientOptions): string {
  const shape = JSON.stringify([options.retry ?? {}, options.concurrency ?? 0, options.timeoutMs ?? 0]);
  return `${options.endpoint.replace(/\/+$/, '')}|${options.credentials.accessKeyId}|${createHash('sha256').update(shape).digest('hex').slice(0, 12)}`;
}

function createPool(options: HuaweiClientOptions): PoolEntry {
  const timeouts =
    options.timeoutMs === undefined
      ? {}
      : { headersTimeoutMs: options.timeoutMs, bodyTimeoutMs: options.timeoutMs };
  const http = new HttpClient({
    origin: options.endpoint,
    connections: options.concurrency ?? 16,
    ...timeouts,
    ...(options.retry ? { retry: options.retry } : {}),
    classify: classifyHuaweiResponse,
    // Credentials and clock come from the call in flight, so one pool serves every caller of this key.
    sign: (request) => {
      const ctx = callContext.getStore();
      if (!ctx) throw new Error('Huawei request signed outside a client call');
      return signHuaweiRequest(request, ctx.credentials, ctx.now());
    },
    onAttempt: ({ operation }) => callContext.getStore()?.onCall?.(operation),
  });
  return { http };
}

/** One pool per endpoint + access key (+ retry/timeout shape); the returned client is a cheap view. */
export function getHuaweiClient(options: HuaweiClientOptions): HuaweiClient {
  const key = poolKey(options);
  let entry = pools.get(key);
  if (!entry) {
    if (pools.size >= MAX_POOLS) {
      const oldest = pools.keys().next().value as string;
      void pools.get(oldest)?.http.close();
      pools.delete(oldest);
    }
    entry = createPool(options);
    pools.set(key, entry);
  }
  const http = entry.http;
  const context: CallContext = {
    credentials: options.credentials,
    now: options.now ?? Date.now,
    ...(options.onCall ? { onCall: options.onCall } : {}),
  };
  const projectId = options.projectId;
  return {
    endpoint: options.endpoint,
    projectId,
    call: (operation, method, path, callOptions = {}) =>
      callContext.run(context, async () => {
        const body = callOptions.body === undefined ? undefined : JSON.stringify(callOptions.body);
        const response = await http.requestJson({
          operation,
          method,
          path: path.replaceAll('{project_id}', encodeURIComponent(projectId)),
          headers: { 'Content-Type': 'application/json', 'X-Project-Id': projectId },
          ...(callOptions.query ? { query: callOptions.query } : {}),
          ...(body === undefined ? {} : { body }),
          ...(callOptions.signal ? { signal: callOptions.signal } : {}),
        });
        return response.json;
      }),
  };
}

/** Closes every cached pool (tests, graceful shutdown). */
export async function closeHuaweiClients(): Promise<void> {
  const entries = [...pools.values()];
  pools.clear();
  await Promise.all(entries.map((e) => e.http.close()));
}

export { HttpCallError };
