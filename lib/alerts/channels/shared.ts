/**
 * What every channel shares: the base config fields, the one status classifier (AM `notify/util.go`
 * `Retrier`), vendor error envelopes, posting through the project's HttpClient without ever exposing the
 * URL, a per-webhook pacer for vendor rate limits, and secret scrubbing of error text.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { sleep as defaultSleep } from '../../async/sleep.js';
import { secretRef } from '../../config/refs.js';
import { HttpClient } from '../../http/client.js';
import { HttpCallError, kindForStatus, parseRetryAfterMs } from '../../http/errors.js';
import { safeUrl } from './text.js';
import type { AlertGroupMessage, Channel, ChannelDeps, ChannelType, NotifyResult } from './types.js';

/** Fields every channel config has. */
export const channelBase = {
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lowercase letters, digits, _ and -'),
  /** Incoming-webhook URL: it is a credential, so only a secret reference is accepted. */
  url: secretRef,
  /** Also notify when alerts resolve. */
  sendResolved: z.boolean().default(true),
  /** Time budget of one HTTP attempt. */
  timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
};

/** Ids that would mention everyone on some platform: an owner is a person, never a crowd. */
const MASS_MENTIONS = new Set(['all', 'here', 'channel', 'everyone', 'atall']);

/**
 * Owner label value -> this channel's user id, for native mentions of the owner of a firing alert
 * (`owner` label, from config `rules.labels`). `id` is the platform's id shape.
 */
export function ownersSchema(id: RegExp) {
  return z
    .record(
      z.string().min(1),
      z
        .string()
        .regex(id, 'is not a user id of this platform')
        .refine((v) => !MASS_MENTIONS.has(v.toLowerCase()), {
          message: 'must name one person, not everyone',
        }),
    )
    .default({});
}

/** The ids of the owners of the message's firing alerts with one of `severities`, each once. */
export function ownerIds(
  message: AlertGroupMessage,
  owners: Readonly<Record<string, string>>,
  severities: readonly string[] = ['critical', 'warning'],
): string[] {
  const ids = new Set<string>();
  for (const view of message.firing) {
    const owner = view.labels['owner'];
    const id = owner === undefined ? undefined : owners[owner];
    if (id && severities.includes(view.severity)) ids.add(id);
  }
  return [...ids];
}

/** Status codes worth retrying besides 5xx and 429 (AM retries 408 too). */
const RETRYABLE_4XX = new Set([408, 429]);

/**
 * The one HTTP status classifier for all channels: 2xx ok; 429 and 408 and 5xx retry (with the vendor's
 * Retry-After when given); any other 4xx is a request we got wrong, and retrying cannot help.
 */
export function classifyStatus(
  channel: string,
  status: number,
  headers: Record<string, string | string[] | undefined> = {},
  nowMs = 0,
): NotifyResult {
  if (status >= 200 && status < 300) return { ok: true };
  const retryAfterMs = parseRetryAfterMs(headers['retry-after'], nowMs);
  return {
    ok: false,
    retry: status >= 500 || RETRYABLE_4XX.has(status),
    reason: kindForStatus(status),
    error: `${channel}: HTTP ${status}`,
    status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

/** A vendor error inside HTTP 200 (DingTalk `errcode`, Feishu `code`, WeCom `errcode`). */
export function vendorFailure(
  channel: string,
  code: number | string,
  message: string,
  retry: boolean,
  retryAfterMs?: number,
): NotifyResult {
  return {
    ok: false,
    retry,
    reason: retry ? 'throttled' : 'vendor-error',
    // Vendor messages are short fixed texts ("sign not match", "keywords not in content"); cap them anyway.
    error: `${channel}: vendor error ${code}: ${message.slice(0, 120)}`,
    status: 200,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

/** Replaces every occurrence of the given secrets (and their URL-encoded forms) in a text. */
export function scrubKnown(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('<secret>');
  }
  return out;
}

/** Makes a failure result from a thrown error, with every known secret scrubbed from its text. */
export function failureFromError(
  channel: string,
  error: unknown,
  secrets: readonly (string | undefined)[],
): NotifyResult {
  if (error instanceof HttpCallError) {
    const retry = error.kind === 'timeout' || error.kind === 'unreachable' || error.kind === 'server-error';
    return {
      ok: false,
      retry: retry || error.kind === 'throttled',
      reason: error.kind,
      // One send is one attempt here; the notifier counts and reports the attempts itself.
      error: scrubKnown(`${channel}: ${error.message.replace(/ failed after \d+ attempts?:/, ':')}`, secrets),
      ...(error.status === undefined ? {} : { status: error.status }),
    };
  }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    ok: false,
    retry: false,
    reason: 'client-error',
    error: scrubKnown(`${channel}: ${text}`, secrets).replace(/https?:\/\/\S+/g, '<redacted-url>'),
  };
}

export interface PostResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Posts JSON through one keep-alive HttpClient per origin, with one attempt (the notifier's retry stage
 * decides about retries, so that backoff and dead-lettering live in one place). Every status is returned
 * to the caller's classifier; transport failures throw HttpCallError, whose text names only `operation`.
 */
export class WebhookPoster {
  private readonly clients = new Map<string, HttpClient>();

  constructor(private readonly timeoutMs: number) {}

  async post(
    url: string,
    body: string,
    operation: string,
    signal?: AbortSignal,
    headers: Record<string, string> = {},
  ): Promise<PostResult> {
    const parsed = new URL(url);
    let client = this.clients.get(parsed.origin);
    if (!client) {
      client = new HttpClient({
        origin: parsed.origin,
        headersTimeoutMs: this.timeoutMs,
        bodyTimeoutMs: this.timeoutMs,
        connectTimeoutMs: Math.min(this.timeoutMs, 5_000),
        retry: { maxAttempts: 1 },
        classify: () => ({ ok: true }),
      });
      this.clients.set(parsed.origin, client);
    }
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const response = await client.request({
      method: 'POST',
      path: parsed.pathname,
      query: [...parsed.searchParams.entries()],
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body,
      operation,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    return { status: response.status, headers: response.headers, body: response.body };
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}

/** Appends query parameters to a resolved webhook URL. */
export function withQuery(url: string, params: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [k, v] of Object.entries(params)) parsed.searchParams.set(k, v);
  return parsed.toString();
}

/** Decodes a vendor JSON envelope; undefined when the body is not JSON. */
export function jsonBody(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function hmacSha256Base64(key: string, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('base64');
}

/** The vendor's window starts when our request arrives, not when we sent it; keep clear of its edge. */
const PACER_MARGIN_MS = 100;

/**
 * Keeps sends to one webhook under a vendor rate (`max` per `windowMs`) by waiting for a free slot. It
 * only paces this process; the vendor's own throttling answer is still classified and retried. Vendor
 * rates are about real time, so this uses the monotonic clock, not the injected (possibly simulated) one.
 */
export function createPacer(max: number, windowMs: number, deps: ChannelDeps) {
  const sentAtMs: number[] = [];
  const sleep = deps.sleep ?? defaultSleep;
  let queue: Promise<void> = Promise.resolve();
  return function pace(signal?: AbortSignal): Promise<void> {
    const turn = queue.then(async () => {
      for (;;) {
        const now = performance.now();
        while (sentAtMs.length > 0 && (sentAtMs[0] as number) <= now - windowMs) sentAtMs.shift();
        if (sentAtMs.length < max) {
          sentAtMs.push(now);
          return;
        }
        await sleep((sentAtMs[0] as number) + windowMs - now + PACER_MARGIN_MS, signal);
      }
    });
    queue = turn.catch(() => undefined);
    return turn;
  };
}

/** A channel's webhook URL and optional signing secret, resolved; a failure is a retryable result. */
export async function resolveWebhook(
  config: { name: string; url: string; secret?: string | undefined },
  deps: ChannelDeps,
): Promise<{ ok: true; url: string; secret?: string } | { ok: false; result: NotifyResult }> {
  let reference = config.url;
  try {
    const url = await deps.secrets(config.url);
    reference = config.secret ?? reference;
    const secret = config.secret ? await deps.secrets(config.secret) : undefined;
    if (!safeUrl(url)) return { ok: false, result: notHttpUrl(config.name, 'webhook URL', config.url) };
    return { ok: true, url, ...(secret === undefined ? {} : { secret }) };
  } catch (error) {
    return { ok: false, result: unresolvedSecret(config.name, reference, error) };
  }
}

/** A reference that resolved to something other than an http(s) URL: not retried, the value must change. */
export function notHttpUrl(channel: string, what: string, reference: string): NotifyResult {
  return {
    ok: false,
    retry: false,
    reason: 'client-error',
    error: `${channel}: the ${what} from ${reference} is not an http(s) URL; fix the value behind that reference`,
  };
}

/**
 * A secret reference that did not resolve. The resolver's own words name the reference and why (never the
 * value); an unset env var will not set itself, so only the AWS-backed references are worth retrying.
 */
export function unresolvedSecret(channel: string, reference: string, error: unknown): NotifyResult {
  const why =
    error instanceof Error && error.message.includes(reference)
      ? error.message
      : `secret reference ${reference} could not be resolved`;
  return {
    ok: false,
    retry: !reference.startsWith('env:'),
    reason: 'secret-unavailable',
    error: `${channel}: ${why}`,
  };
}

/** Keys under which chat vendors put an error code and message in a failed answer's JSON body. */
const ERROR_CODE_KEYS = ['errcode', 'code', 'StatusCode', 'error_code'] as const;
const ERROR_MESSAGE_KEYS = ['errmsg', 'msg', 'message', 'StatusMessage', 'error', 'error_msg'] as const;

/** ` (errcode 310000: sign not match)` from a failed answer's body, trimmed; '' when it says nothing. */
export function vendorDetail(
  body: Buffer | string | undefined,
  secrets: readonly (string | undefined)[],
): string {
  const json = body === undefined ? undefined : jsonBody(Buffer.isBuffer(body) ? body : Buffer.from(body));
  if (!json) return '';
  const codeKey = ERROR_CODE_KEYS.find(
    (k) => json[k] !== undefined && json[k] !== null && typeof json[k] !== 'object',
  );
  const messageKey = ERROR_MESSAGE_KEYS.find((k) => typeof json[k] === 'string' && json[k] !== '');
  if (!codeKey && !messageKey) return '';
  const code = codeKey ? `${codeKey} ${String(json[codeKey]).slice(0, 40)}` : '';
  const message = messageKey
    ? scrubKnown(String(json[messageKey]), secrets)
        .replace(/https?:\/\/\S+/g, '<redacted-url>')
        .slice(0, 200)
    : '';
  return ` (${[code, message].filter(Boolean).join(': ')})`;
}

/** How a vendor reports failure inside HTTP 200 (DingTalk and WeCom `errcode`, Feishu `code`). */
export interface VendorEnvelope {
  /** Keys of the result code, the first present one wins; 0 or none is success. */
  codeKeys: readonly string[];
  messageKeys: readonly string[];
  /** For a code worth retrying, the wait the vendor imposes (if any); undefined when retrying cannot help. */
  retryFor: (code: number) => { retryAfterMs?: number } | undefined;
}

/** Classifies a vendor envelope: ok on code 0 (or none), else a vendor failure. */
export function envelopeResult(
  channel: string,
  json: Record<string, unknown> | undefined,
  envelope: VendorEnvelope,
): NotifyResult {
  const pick = (keys: readonly string[]) =>
    keys.map((k) => json?.[k]).find((v) => v !== undefined && v !== null);
  const code = Number(pick(envelope.codeKeys) ?? 0);
  if (code === 0) return { ok: true };
  const retry = envelope.retryFor(code);
  return vendorFailure(
    channel,
    code,
    String(pick(envelope.messageKeys) ?? ''),
    retry !== undefined,
    retry?.retryAfterMs,
  );
}

export interface WebhookSend {
  /** The channel's name, which prefixes every error text. */
  channel: string;
  poster: WebhookPoster;
  operation: string;
  now: () => number;
  signal?: AbortSignal | undefined;
  /** Every resolved secret (URL, signing key): scrubbed from error texts. */
  secrets: readonly (string | undefined)[];
  /** Waits for a slot under the vendor's rate limit. */
  pace?: (signal?: AbortSignal) => Promise<void>;
  /** Builds the request after pacing, so that signature timestamps are fresh when it leaves. */
  request: () => { url: string; body: string; headers?: Record<string, string> };
  /** The vendor's envelope inside HTTP 200; without it the status alone decides. */
  envelope?: VendorEnvelope;
}

/** Pace, sign, post JSON, classify the status and the vendor envelope: one send of a webhook channel. */
export async function sendWebhook(send: WebhookSend): Promise<NotifyResult> {
  try {
    await send.pace?.(send.signal);
    const { url, body, headers } = send.request();
    const response = await send.poster.post(url, body, send.operation, send.signal, headers);
    const status = classifyStatus(send.channel, response.status, response.headers, send.now());
    if (!status.ok)
      return { ...status, error: `${status.error}${vendorDetail(response.body, send.secrets)}` };
    if (!send.envelope) return status;
    return envelopeResult(send.channel, jsonBody(response.body), send.envelope);
  } catch (error) {
    return failureFromError(send.channel, error, send.secrets);
  }
}

export interface WebhookChannelSpec<P> {
  /** The vendor's rate limit, which the channel keeps under by waiting. */
  rate?: { max: number; windowMs: number };
  envelope?: VendorEnvelope;
  /** Renders the message once; alerts that did not fit are counted in `dropped` and logged. */
  render: (message: AlertGroupMessage) => { payload: P; dropped: number };
  /** The request for a rendered payload, built after pacing so that signature timestamps are fresh. */
  request: (
    payload: P,
    webhook: { url: string; secret?: string },
    nowMs: number,
  ) => { url: string; body: string; headers?: Record<string, string> };
}

/** A JSON-over-webhook channel (DingTalk, Feishu, WeCom, generic webhook) from what is its own. */
export function webhookChannel<P>(
  config: {
    /** The channel's type; it also names the operation in errors and HTTP call counts: `<type>.send`. */
    type: ChannelType;
    name: string;
    url: string;
    secret?: string | undefined;
    sendResolved: boolean;
    timeoutMs: number;
  },
  deps: ChannelDeps,
  spec: WebhookChannelSpec<P>,
): Channel {
  const poster = new WebhookPoster(config.timeoutMs);
  const pace = spec.rate ? createPacer(spec.rate.max, spec.rate.windowMs, deps) : undefined;
  return {
    name: config.name,
    type: config.type,
    sendResolved: config.sendResolved,
    async notify(message, signal): Promise<NotifyResult> {
      const resolved = await resolveWebhook(config, deps);
      if (!resolved.ok) return resolved.result;
      const { payload, dropped } = spec.render(message);
      if (dropped > 0)
        deps.logger.warn(`${config.type} message truncated`, {
          channel: config.name,
          droppedAlerts: dropped,
        });
      return sendWebhook({
        channel: config.name,
        poster,
        operation: `${config.type}.send`,
        now: deps.now,
        signal,
        secrets: [resolved.url, resolved.secret],
        ...(pace ? { pace } : {}),
        request: () => spec.request(payload, resolved, deps.now()),
        ...(spec.envelope ? { envelope: spec.envelope } : {}),
      });
    },
    close: () => poster.close(),
  };
}
