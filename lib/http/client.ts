import { Agent, type Dispatcher, errors as undiciErrors } from 'undici';
import { sleep } from '../async/sleep.js';
import { cleanVendorText } from '../text/scrub.js';
import { type FailureKind, HttpCallError, kindForStatus, parseRetryAfterMs } from './errors.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Path with a leading slash, already encoded. */
  path: string;
  /** Query string pairs in the order they should be sent; encoding is the caller's signer's business. */
  query?: [string, string][];
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Vendor operation name for errors and call counts. */
  operation: string;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  attempts: number;
  /** The body parsed as JSON, when a classifier already parsed it: requestJson then skips a second parse. */
  json?: unknown;
}

/** A vendor's verdict on a response that arrived: fine, or a failure that may be worth retrying. */
export type ResponseVerdict =
  | { ok: true }
  | {
      ok: false;
      kind: FailureKind;
      retry: boolean;
      message: string;
      vendorCode?: string;
      requestId?: string;
    };

export interface RetryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After we are willing to wait inside one call; longer means fail now, poll again later. */
  maxRetryAfterMs: number;
}

export interface HttpClientOptions {
  origin: string;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  connections?: number;
  retry?: Partial<RetryOptions>;
  /** Signs a request just before each attempt (signatures carry timestamps and nonces). */
  sign?: (request: SignableRequest) => Record<string, string> | Promise<Record<string, string>>;
  /** Classifies responses; the default treats 2xx as ok and uses the status for the rest. */
  classify?: (response: HttpResponse, operation: string) => ResponseVerdict;
  /** Injected for tests: sleep and jitter. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Called after every attempt, for call counts and metrics. */
  onAttempt?: (info: { operation: string; status?: number; kind?: FailureKind; durationMs: number }) => void;
}

/** What a vendor's signer sees of a request, just before each attempt. */
export interface SignableRequest {
  method: string;
  /** `hostname[:port]`, without the default port. */
  host: string;
  /** Request path as sent (segments may be percent-encoded). */
  path: string;
  query: [string, string][];
  /** Headers that will be sent. */
  headers: Record<string, string>;
  body: string | Buffer | undefined;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 20_000,
};

export function defaultClassify(response: HttpResponse): ResponseVerdict {
  if (response.status >= 200 && response.status < 300) return { ok: true };
  const kind = kindForStatus(response.status);
  return {
    ok: false,
    kind,
    retry: kind === 'throttled' || kind === 'server-error',
    message: `HTTP ${response.status}`,
  };
}

/** Full-jitter exponential backoff (AWS architecture blog's "full jitter"). */
export function backoffDelayMs(attempt: number, retry: RetryOptions, random: () => number): number {
  const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * cap);
}

export function encodeQuery(query: [string, string][]): string {
  return query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

function transportFailure(error: unknown): { kind: FailureKind; message: string } {
  if (error instanceof undiciErrors.ConnectTimeoutError)
    return { kind: 'timeout', message: 'connect timeout' };
  if (error instanceof undiciErrors.HeadersTimeoutError)
    return { kind: 'timeout', message: 'headers timeout' };
  if (error instanceof undiciErrors.BodyTimeoutError) return { kind: 'timeout', message: 'body timeout' };
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))
    return { kind: 'timeout', message: 'aborted: time budget exhausted' };
  const code = (error as { code?: string })?.code;
  return { kind: 'unreachable', message: code ? `connection failed (${code})` : 'connection failed' };
}

/**
 * One keep-alive pool per origin, with timeouts, signing per attempt, and retries only where retrying can
 * help: throttling (honouring Retry-After), 5xx and timeouts. Never retries other 4xx.
 */
export class HttpClient {
  readonly origin: string;
  private readonly host: string;
  private readonly agent: Agent;
  private readonly retry: RetryOptions;
  private readonly options: HttpClientOptions;
  private readonly sleep: NonNullable<HttpClientOptions['sleep']>;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(options: HttpClientOptions) {
    this.options = options;
    this.origin = options.origin.replace(/\/+$/, '');
    this.host = new URL(this.origin).host;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.sleep = options.sleep ?? sleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.agent = new Agent({
      connections: options.connections ?? 16,
      connect: { timeout: options.connectTimeoutMs ?? 5_000 },
      headersTimeout: options.headersTimeoutMs ?? 10_000,
      bodyTimeout: options.bodyTimeoutMs ?? 15_000,
      keepAliveTimeout: 30_000,
    });
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    const classify = this.options.classify ?? defaultClassify;
    let last: {
      kind: FailureKind;
      message: string;
      status?: number;
      vendorCode?: string;
      requestId?: string;
    } = {
      kind: 'unreachable',
      message: 'not attempted',
    };
    for (let attempt = 1; attempt <= this.retry.maxAttempts; attempt++) {
      const started = this.now();
      let retryAfterMs: number | undefined;
      let retryable: boolean;
      try {
        const response = await this.once(request);
        response.attempts = attempt;
        const verdict = classify(response, request.operation);
        this.options.onAttempt?.({
          operation: request.operation,
          status: response.status,
          ...(verdict.ok ? {} : { kind: verdict.kind }),
          durationMs: this.now() - started,
        });
        if (verdict.ok) return response;
        last = { ...verdict, status: response.status };
        retryable = verdict.retry;
        retryAfterMs = parseRetryAfterMs(response.headers['retry-after'], this.now());
      } catch (error) {
        if (request.signal?.aborted) {
          throw new HttpCallError(`${request.operation}: aborted, time budget exhausted`, {
            kind: 'timeout',
            operation: request.operation,
            attempts: attempt,
          });
        }
        last = transportFailure(error);
        this.options.onAttempt?.({
          operation: request.operation,
          kind: last.kind,
          durationMs: this.now() - started,
        });
        retryable = true;
      }
      if (!retryable || attempt === this.retry.maxAttempts) {
        throw this.failure(request.operation, last, attempt, retryAfterMs);
      }
      if (retryAfterMs !== undefined && retryAfterMs > this.retry.maxRetryAfterMs) {
        throw this.failure(request.operation, last, attempt, retryAfterMs);
      }
      const delay = Math.max(retryAfterMs ?? 0, backoffDelayMs(attempt, this.retry, this.random));
      await this.sleep(delay, request.signal).catch(() => {
        throw this.failure(request.operation, { ...last, kind: 'timeout' }, attempt, retryAfterMs);
      });
    }
    throw this.failure(request.operation, last, this.retry.maxAttempts, undefined);
  }

  /** Like request(), then JSON.parse; a body that is not JSON is an 'invalid-response' failure. */
  async requestJson(
    request: HttpRequest,
  ): Promise<{ status: number; json: unknown; headers: HttpResponse['headers'] }> {
    const response = await this.request(request);
    return {
      status: response.status,
      json: 'json' in response ? response.json : parseJsonBody(response.body, request.operation),
      headers: response.headers,
    };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private once(request: HttpRequest): Promise<HttpResponse> {
    const query = request.query ?? [];
    const headers: Record<string, string> = { ...request.headers };
    if (!this.options.sign) return this.send(request, query, headers);
    const signed = this.options.sign({
      method: request.method,
      host: this.host,
      path: request.path,
      query,
      headers,
      body: request.body,
    });
    // Most signers are synchronous: no extra promise or turn of the event loop for them.
    if (signed instanceof Promise)
      return signed.then((more) => this.send(request, query, Object.assign(headers, more)));
    return this.send(request, query, Object.assign(headers, signed));
  }

  private send(
    request: HttpRequest,
    query: [string, string][],
    headers: Record<string, string>,
  ): Promise<HttpResponse> {
    const path = query.length ? `${request.path}?${encodeQuery(query)}` : request.path;
    return new Promise<HttpResponse>((resolve, reject) => {
      this.agent.dispatch(
        {
          origin: this.origin,
          method: request.method as Dispatcher.HttpMethod,
          path,
          headers,
          body: request.body,
        },
        new BufferedResponse(resolve, reject, request.signal),
      );
    });
  }

  private failure(
    operation: string,
    last: { kind: FailureKind; message: string; status?: number; vendorCode?: string; requestId?: string },
    attempts: number,
    retryAfterMs: number | undefined,
  ): HttpCallError {
    const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
    return new HttpCallError(`${operation} failed after ${tries}: ${last.message}`, {
      kind: last.kind,
      operation,
      status: last.status,
      vendorCode: last.vendorCode,
      requestId: last.requestId,
      attempts,
      retryAfterMs,
    });
  }
}

/**
 * Collects one response in memory for `Agent#dispatch` (undici's handler interface): every caller reads the
 * whole body anyway, so undici's `request()` wrapper (an AsyncResource, a Readable stream per response,
 * then `arrayBuffer()` over it) was per-call work for nothing. Header names are lower-cased, a repeated
 * header becomes an array, values are UTF-8, as undici's `request()` gives them.
 */
class BufferedResponse implements Dispatcher.DispatchHandler {
  private status = 0;
  private headers: Record<string, string | string[]> = {};
  private readonly chunks: Buffer[] = [];
  private abort: ((reason: Error) => void) | undefined;
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly resolve: (response: HttpResponse) => void,
    private readonly reject: (error: unknown) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    if (signal) {
      const onAbort = () => this.abort?.(abortReason(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      this.unlisten = () => signal.removeEventListener('abort', onAbort);
    }
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.signal?.aborted) abort(abortReason(this.signal));
    else this.abort = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[]): boolean {
    if (status < 200) return true;
    this.status = status;
    const headers: Record<string, string | string[]> = {};
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = (rawHeaders[i] as Buffer).toString('latin1').toLowerCase();
      const value = (rawHeaders[i + 1] as Buffer).toString('utf8');
      const seen = headers[name];
      if (seen === undefined) headers[name] = value;
      else if (typeof seen === 'string') headers[name] = [seen, value];
      else seen.push(value);
    }
    this.headers = headers;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    this.unlisten?.();
    const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.resolve({ status: this.status, headers: this.headers, body, attempts: 1 });
  }

  onError(error: Error): void {
    this.unlisten?.();
    this.reject(error);
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new undiciErrors.RequestAbortedError();
}

/**
 * The body as JSON; `undefined` for an empty body. An empty body is "no document", never `{}`: a listing
 * that answers 200 with nothing must fail its schema (an incomplete listing), not read as an empty fleet.
 */
export function parseJsonBody(body: Buffer, operation: string): unknown {
  const text = body.toString('utf8');
  try {
    return text.trim().length === 0 ? undefined : JSON.parse(text);
  } catch {
    throw new HttpCallError(
      `${operation}: response is not JSON (${(cleanVendorText(text.slice(0, 4096), 4096) ?? '').slice(0, 80)}…)`,
      {
        kind: 'invalid-response',
        operation,
        attempts: 1,
      },
    );
  }
}
