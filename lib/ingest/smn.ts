/**
 * Huawei Cloud SMN HTTP(S) subscriptions: message schema, signature verification and Cloud Eye alarms.
 *
 * Message format and signature: SMN user guide, appendix "HTTP(S)消息格式" and "校验消息签名"
 * (https://support.huaweicloud.com/usermanual-smn/smn_ug_a9002.html,
 *  https://support.huaweicloud.com/intl/en-us/usermanual-smn/smn_ug_a9003.html). The string to sign is the
 * signed keys in alphabetical order, each key on a line followed by its value on the next line; the
 * signature is RSA PKCS#1 v1.5 over SHA256 (the official Go sample uses crypto.SHA256; the Java sample
 * uses the certificate's own algorithm, SHA256withRSA for the published certificate), base64-encoded.
 *
 * @example A notification as SMN posts it (signature shortened):
 * {
 *   "type": "Notification", "signature_version": "v1", "signature": "WmSQ2/0kp2v2u2T33lMqKY...",
 *   "subject": "SMN", "topic_urn": "urn:smn:cn-north-4:0a419ac94f80f2c62f14c01e34000000:jobwatch",
 *   "message_id": "d84bd6629ef04513ad2e37bffd6e17cb", "message": "{\"...\": \"...\"}",
 *   "unsubscribe_url": "https://smn.cn-north-4.myhuaweicloud.com/smn/subscription/unsubscribe?...",
 *   "signing_cert_url": "https://smn.cn-north-4.myhuaweicloud.com/smn/oauth/certificate",
 *   "timestamp": "2019-08-12T14:40:55Z"
 * }
 */
import { verify, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { IngestFetchError } from './fetch.js';

export const SMN_MESSAGE_TYPES = [
  'Notification',
  'SubscriptionConfirmation',
  'UnsubscribeConfirmation',
] as const;
export type SmnMessageType = (typeof SMN_MESSAGE_TYPES)[number];

const SIGNED_KEYS: Record<SmnMessageType, readonly string[]> = {
  Notification: ['message', 'message_id', 'subject', 'timestamp', 'topic_urn', 'type'],
  SubscriptionConfirmation: ['message', 'message_id', 'subscribe_url', 'timestamp', 'topic_urn', 'type'],
  UnsubscribeConfirmation: ['message', 'message_id', 'subscribe_url', 'timestamp', 'topic_urn', 'type'],
};

const TOPIC_URN = /^urn:smn:([a-z0-9-]+):([0-9a-f]{32}):([^:\s]{1,256})$/;

export const smnMessageSchema = z.looseObject({
  type: z.enum(SMN_MESSAGE_TYPES),
  signature: z
    .string()
    .min(1)
    .max(4096)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64'),
  signature_version: z.string().regex(/^v1$/i, "must be 'v1'"),
  signing_cert_url: z.string().min(1).max(2048),
  message_id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a message id (letters, digits, - and _)'),
  topic_urn: z.string().regex(TOPIC_URN, 'must be urn:smn:<region>:<project id>:<topic>'),
  timestamp: z.string().min(1).max(64),
  message: z.string().max(200_000),
  subject: z.string().max(1024).optional(),
  subscribe_url: z.string().max(4096).optional(),
  unsubscribe_url: z.string().max(4096).optional(),
});

export type SmnMessage = z.infer<typeof smnMessageSchema>;

export function parseTopicUrn(urn: string): { region: string; projectId: string; topic: string } | undefined {
  const m = TOPIC_URN.exec(urn);
  return m ? { region: m[1] as string, projectId: m[2] as string, topic: m[3] as string } : undefined;
}

/** The string SMN signs: signed keys in alphabetical order, `key\nvalue\n` each; an empty subject is left out. */
export function smnStringToSign(message: SmnMessage): string {
  const record = message as unknown as Record<string, unknown>;
  let out = '';
  for (const key of SIGNED_KEYS[message.type]) {
    const value = record[key];
    if (key === 'subject' && (value === undefined || value === '')) continue;
    out += `${key}\n${typeof value === 'string' ? value : ''}\n`;
  }
  return out;
}

export function verifySmnSignature(
  message: SmnMessage,
  certificate: X509Certificate,
  hashes: readonly ('sha256' | 'sha1')[],
): boolean {
  const signature = Buffer.from(message.signature, 'base64');
  if (signature.length === 0) return false;
  const data = Buffer.from(smnStringToSign(message), 'utf8');
  return hashes.some((hash) => {
    try {
      return verify(hash, data, certificate.publicKey, signature);
    } catch {
      return false;
    }
  });
}

/** Parses an SMN timestamp (`2016-08-15T07:29:16Z`, with or without fraction); undefined when unreadable. */
export function parseSmnTimestampMs(value: string): number | undefined {
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The cache key (and the address fetched) for a signing certificate URL: scheme, host (with a non-default
 * port) and path. The query and fragment are left out, so varying them cannot make jobwatch fetch again.
 */
export function certificateAddress(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

interface CacheEntry {
  cert: Promise<X509Certificate>;
  expiresAtMs: number;
  failed: boolean;
}

/**
 * Signing certificates by address (certificateAddress), kept for `ttlMs`. A failed download is kept for
 * `failureTtlMs`, so a flood of messages naming a missing or broken certificate causes one outbound fetch
 * per address and window, not one per message. Concurrent requests for one address share one fetch.
 * When full, failed entries are dropped before good ones, so junk addresses cannot push out the real one.
 */
export class CertificateCache {
  private readonly entries = new Map<string, CacheEntry>();

  constructor(
    private readonly fetchPem: (url: string) => Promise<string>,
    private readonly ttlMs: number,
    private readonly failureTtlMs: number,
    private readonly maxEntries = 64,
  ) {}

  get(url: URL, nowMs: number): Promise<X509Certificate> {
    const address = certificateAddress(url);
    const hit = this.entries.get(address);
    if (hit && hit.expiresAtMs > nowMs) return hit.cert;
    this.entries.delete(address);
    if (this.entries.size >= this.maxEntries) this.evictOne();
    const entry: CacheEntry = {
      cert: this.fetchPem(address).then(parseCertificate),
      expiresAtMs: nowMs + this.ttlMs,
      failed: false,
    };
    entry.cert.catch(() => {
      entry.failed = true;
      entry.expiresAtMs = nowMs + this.failureTtlMs;
    });
    this.entries.set(address, entry);
    return entry.cert;
  }

  private evictOne(): void {
    let victim: string | undefined;
    for (const [address, entry] of this.entries) {
      if (entry.failed) {
        victim = address;
        break;
      }
      victim ??= address;
    }
    if (victim !== undefined) this.entries.delete(victim);
  }
}

function parseCertificate(pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new IngestFetchError('the downloaded certificate is not a valid X.509 certificate', true, {
      cause: error,
    });
  }
}

/**
 * Why a message's timestamp is outside [now - maxAgeMs, now + maxAheadMs], or undefined when inside. Past:
 * a replay older than the dedupe memory could not be recognised. Future: a message dated ahead would
 * outlive that memory, and a sender's clock is never that far off.
 */
export function timestampProblem(
  sentAtMs: number,
  nowMs: number,
  limits: { maxAgeMs: number; maxAheadMs: number },
): string | undefined {
  if (nowMs - sentAtMs > limits.maxAgeMs)
    return `message is older than ${Math.round(limits.maxAgeMs / 1000)} seconds`;
  if (sentAtMs - nowMs > limits.maxAheadMs)
    return `message is dated more than ${Math.round(limits.maxAheadMs / 1000)} seconds ahead of this server's clock`;
  return undefined;
}

/** Whether the certificate is inside its validity period at `nowMs`. */
export function certificateCurrent(certificate: X509Certificate, nowMs: number): boolean {
  const from = Date.parse(certificate.validFrom);
  const to = Date.parse(certificate.validTo);
  return !(Number.isNaN(from) || Number.isNaN(to)) && nowMs >= from && nowMs <= to;
}
