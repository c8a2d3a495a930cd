import { createHmac } from 'node:crypto';
import { ConditionFailedError, type Store } from '../state/store.js';
import { unauthorized } from './errors.js';
import { matchesAny } from './request.js';

export const TIMESTAMP_HEADER = 'x-jobwatch-timestamp';
export const SIGNATURE_HEADER = 'x-jobwatch-signature';
/** Signatures seen within the window (Store pk): a second request with the same one is a replay. */
export const SIGNATURE_PK = 'ingest#signature';

/** `v1=` + hex HMAC-SHA256(secret, `${timestamp}.${payload}`). */
export function signPayload(secret: string, timestamp: string, payload: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`);
  mac.update(payload);
  return `v1=${mac.digest('hex')}`;
}

/** The payload the operator API signs: method, path and query bind the signature to one request. */
export function operatorPayload(method: string, path: string, rawQuery: string, body: Buffer): Buffer {
  const line = `${method.toUpperCase()} ${path}${rawQuery ? `?${rawQuery}` : ''}\n`;
  return Buffer.concat([Buffer.from(line, 'utf8'), body]);
}

/** Parses the timestamp header: unix seconds (or milliseconds) as digits. */
export function parseTimestampMs(value: string | undefined): number | undefined {
  if (!value || !/^\d{9,13}$/.test(value)) return undefined;
  const n = Number(value);
  return value.length >= 12 ? n : n * 1000;
}

/**
 * Checks timestamp window and signature, then claims the signature in the Store (ifAbsent) so the same
 * request cannot be replayed within the window. Returns a release function for when a later step fails
 * before the request was accepted, so the sender's retry is not refused as a replay.
 */
export async function verifySignedRequest(options: {
  headers: Record<string, string>;
  payload: Buffer;
  secrets: readonly string[];
  toleranceMs: number;
  nowMs: number;
  store: Store;
  scope: string;
}): Promise<{ release: () => Promise<void> }> {
  const timestamp = options.headers[TIMESTAMP_HEADER];
  const signature = options.headers[SIGNATURE_HEADER];
  if (!timestamp || !signature)
    throw unauthorized(`missing ${TIMESTAMP_HEADER} or ${SIGNATURE_HEADER} header`, 'JobwatchHMAC');
  const atMs = parseTimestampMs(timestamp);
  if (atMs === undefined) throw unauthorized(`${TIMESTAMP_HEADER} must be unix seconds`, 'JobwatchHMAC');
  if (Math.abs(options.nowMs - atMs) > options.toleranceMs)
    throw unauthorized(
      `${TIMESTAMP_HEADER} is outside the allowed window (replay protection)`,
      'JobwatchHMAC',
    );
  const offered = signature
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1='));
  const expected = options.secrets.map((secret) => signPayload(secret, timestamp, options.payload));
  const valid = offered.find((candidate) => matchesAny(candidate, expected));
  if (!valid) throw unauthorized('signature does not match', 'JobwatchHMAC');
  const sk = `${options.scope}#${valid.slice(3)}`;
  try {
    await options.store.put(
      {
        pk: SIGNATURE_PK,
        sk,
        data: { atMs },
        expiresAtSec: Math.ceil((atMs + options.toleranceMs) / 1000) + 60,
      },
      { ifAbsent: true },
    );
  } catch (error) {
    if (error instanceof ConditionFailedError || (error as Error)?.name === 'ConditionFailedError')
      throw unauthorized('this signature was already used (replay)', 'JobwatchHMAC');
    throw error;
  }
  return {
    release: () => options.store.delete(SIGNATURE_PK, sk).catch(() => undefined),
  };
}
