import { scrubSecrets } from '../text/scrub.js';

/** Why a call failed, in a vocabulary shared by providers, channels, metrics and the snapshot model. */
export const FAILURE_KINDS = [
  'unreachable',
  'timeout',
  'throttled',
  'server-error',
  'auth',
  'client-error',
  'invalid-response',
  'incomplete',
  /** Not the vendor: our own configuration (a secret reference that does not resolve, no endpoint). */
  'config',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface HttpErrorDetails {
  kind: FailureKind;
  operation: string;
  status?: number;
  vendorCode?: string;
  requestId?: string;
  attempts: number;
  retryAfterMs?: number;
}

/**
 * A vendor call that failed for good (after retries, where retrying could help). Its message often quotes
 * the vendor (which echoes request content back), so it is scrubbed here, once, for every maker.
 */
export class HttpCallError extends Error {
  override name = 'HttpCallError';
  readonly kind: FailureKind;
  readonly operation: string;
  readonly status?: number;
  readonly vendorCode?: string;
  readonly requestId?: string;
  readonly attempts: number;
  readonly retryAfterMs?: number;

  constructor(message: string, details: HttpErrorDetails, options?: ErrorOptions) {
    super(scrubSecrets(message), options);
    this.kind = details.kind;
    this.operation = details.operation;
    this.status = details.status;
    this.vendorCode = details.vendorCode === undefined ? undefined : scrubSecrets(details.vendorCode);
    this.requestId = details.requestId === undefined ? undefined : scrubSecrets(details.requestId);
    this.attempts = details.attempts;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export function kindForStatus(status: number): FailureKind {
  if (status === 429) return 'throttled';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500) return 'server-error';
  return 'client-error';
}

/** Parses Retry-After (seconds or HTTP date) into milliseconds from `nowMs`. */
export function parseRetryAfterMs(value: string | string[] | undefined, nowMs: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Strips query strings and path secrets (webhook tokens) from a URL before it can reach a log line. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/<redacted>`;
  } catch {
    return '<redacted-url>';
  }
}
