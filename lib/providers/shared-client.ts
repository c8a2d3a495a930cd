/**
 * What the signed JSON clients share (Blink's ROA, Flink's V3): the call context a collector or an action
 * hands each call, and the one way a call is sent, bounded, counted and validated.
 */

import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { createLimiter, type Limiter } from '../async/concurrent.js';
import type { CredentialsRef } from '../config/refs.js';
import {
  HttpClient,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
  parseJsonBody,
  type ResponseVerdict,
} from '../http/client.js';
import { HttpCallError, kindForStatus } from '../http/errors.js';
import type { TargetSnapshot } from '../model/snapshot.js';
import { cleanVendorText } from '../text/scrub.js';
import { createClientCache, parseVendor, resolveCredentials } from './shared.js';
import type { ProviderContext } from './types.js';

export interface VendorCallContext {
  now: () => number;
  signal?: AbortSignal;
  /** Attempts per operation, for `TargetSnapshot.apiCalls`. */
  calls?: Record<string, number>;
  /** Bounds the calls in flight for one target, however the collector nests its loops. */
  limit?: Limiter;
}

/** The parts of a vendor call the shared client reads; each client adds its own path and headers. */
export interface VendorCall {
  operation: string;
  method: HttpRequest['method'];
  query?: [string, string][];
  /** Sent as JSON. */
  body?: unknown;
}

export interface SignedClientOptions {
  endpoint: string;
  /** Injected for tests: retry sleep and nonces. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  nonce?: () => string;
  retry?: HttpClientOptions['retry'];
}

/**
 * A keep-alive HTTP client that signs every attempt (with a fresh nonce) and sends JSON calls: each call is
 * bounded by the context's limiter, its attempts counted (a failed call's too), its answer validated with a
 * zod schema. Failures are HttpCallError (never carry secrets).
 */
export abstract class SignedJsonClient<C extends VendorCall = VendorCall> {
  protected readonly http: HttpClient;
  protected readonly nonce: () => string;

  constructor(
    options: SignedClientOptions,
    vendor: Pick<HttpClientOptions, 'classify'> & { sign: NonNullable<HttpClientOptions['sign']> },
  ) {
    this.nonce = options.nonce ?? randomUUID;
    this.http = new HttpClient({
      origin: options.endpoint,
      // The collector's limiter bounds calls per target (options.concurrency, at most 64); the pool must not
      // be the tighter bound, or calls queue twice.
      connections: 64,
      retry: options.retry,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...vendor,
    });
  }

  /** Where a call goes: its path and the product's headers at the call's time (`nowMs`, the context's clock). */
  protected abstract address(call: C, nowMs: number): { path: string; headers: Record<string, string> };

  /** Sends one call, validates the answer with `schema`; failures are HttpCallError (never carry secrets). */
  async call<S extends z.ZodType>(call: C, schema: S, ctx: VendorCallContext): Promise<z.infer<S>> {
    const at = this.address(call, ctx.now());
    const { operation } = call;
    const request: HttpRequest = {
      method: call.method,
      path: at.path,
      query: call.query ?? [],
      headers: at.headers,
      operation,
    };
    if (call.body !== undefined) {
      request.body = JSON.stringify(call.body);
      request.headers = { ...at.headers, 'content-type': 'application/json; charset=utf-8' };
    }
    if (ctx.signal) request.signal = ctx.signal;
    try {
      const response = await (ctx.limit
        ? ctx.limit(() => this.http.request(request))
        : this.http.request(request));
      countCalls(ctx, operation, response.attempts);
      // A classifier that parsed the body already kept the parse (`json`).
      const json = 'json' in response ? response.json : parseJsonBody(response.body, operation);
      return parseVendor(schema, json, operation);
    } catch (error) {
      // Parse failures happen after a counted response; transport and vendor failures carry their attempts.
      if (error instanceof HttpCallError && error.kind !== 'invalid-response')
        countCalls(ctx, operation, Math.max(1, error.attempts));
      throw error;
    }
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

function countCalls(ctx: VendorCallContext, operation: string, attempts: number): void {
  if (ctx.calls) ctx.calls[operation] = (ctx.calls[operation] ?? 0) + attempts;
}

/** The context of one poll's calls: its clock and deadline, its call counts, one limiter for the target. */
export function pollCallContext(
  ctx: Pick<ProviderContext, 'now' | 'signal'>,
  snapshot: Pick<TargetSnapshot, 'apiCalls'>,
  concurrency: number,
): VendorCallContext {
  return {
    now: ctx.now,
    calls: snapshot.apiCalls,
    limit: createLimiter(concurrency),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
}

/** The target's resolved credentials as Alibaba Cloud names them (`accessKeySecret`). */
export async function alibabaCredentials(
  target: { credentials: CredentialsRef },
  ctx: Pick<ProviderContext, 'secrets'>,
): Promise<{ accessKeyId: string; accessKeySecret: string; securityToken?: string }> {
  const { secretAccessKey, ...credentials } = await resolveCredentials(target, ctx);
  return { ...credentials, accessKeySecret: secretAccessKey };
}

/**
 * One client per (endpoint, `scope`, credentials), so warm Lambdas reuse the keep-alive pool: the returned
 * function answers the cached client for these options, or makes one.
 */
export function signedClientCache<
  O extends SignedClientOptions & {
    credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string | undefined };
  },
  C extends SignedJsonClient,
>(scope: (options: O) => string, make: (options: O) => C): (options: O) => C {
  const clientFor = createClientCache<C>();
  return (options) => {
    const { accessKeyId, accessKeySecret, securityToken } = options.credentials;
    return clientFor(
      [options.endpoint, scope(options), accessKeyId, accessKeySecret, securityToken ?? ''],
      () => make(options),
    );
  };
}

/** Alibaba Cloud POP gateway codes that mean "slow down" (retried with backoff), "credentials are wrong", "try later". */
const THROTTLING_CODE = /^Throttling/i;
const AUTH_CODE =
  /^(SignatureDoesNotMatch|IncompleteSignature|InvalidAccessKeyId|InvalidAccessKeySecret|InvalidSecurityToken|SignatureNonceUsed|InvalidTimeStamp|Forbidden|NoPermission|InvalidAuthorization)/i;
const UNAVAILABLE_CODE = /^(ServiceUnavailable|InternalError|UnknownError)/i;

/**
 * The verdict on an Alibaba Cloud answer that is an error: the kind from the vendor's code (else from the
 * status; a 2xx carrying an error is the client's), and the vendor's own words, never the request URL.
 */
export function alibabaFailure(
  response: Pick<HttpResponse, 'status'>,
  error: { code?: string | undefined; message?: string | undefined; requestId?: string | undefined },
): ResponseVerdict {
  const { code, requestId } = error;
  const ok = response.status >= 200 && response.status < 300;
  // SignatureDoesNotMatch messages echo the server's string to sign, which carries x-acs-* headers (an STS
  // token among them): keep only the sentence before it, scrubbed.
  const message = cleanVendorText(error.message?.split(/server string to sign/i)[0], 300);
  let kind = ok ? 'client-error' : kindForStatus(response.status);
  if (code && THROTTLING_CODE.test(code)) kind = 'throttled';
  else if (code && AUTH_CODE.test(code)) kind = 'auth';
  else if (code && UNAVAILABLE_CODE.test(code)) kind = 'server-error';
  return {
    ok: false,
    kind,
    retry: kind === 'throttled' || kind === 'server-error',
    message: `HTTP ${response.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`,
    ...(code ? { vendorCode: code } : {}),
    ...(requestId ? { requestId } : {}),
  };
}
