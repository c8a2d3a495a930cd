import { isIP } from 'node:net';
import { z } from 'zod';
import { secretRef } from '../config/refs.js';
import { providerIdSchema } from '../model/snapshot.js';

/** Refused with 413 above this many bytes (decoded body). */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/** Host patterns SMN certificates and subscription URLs may come from: `host` or `*.suffix`. */
export const DEFAULT_SMN_HOSTS = ['*.myhuaweicloud.com', '*.myhuaweicloud.cn', '*.myhuaweicloud.eu'];

const hostPattern = z
  .string()
  .regex(
    /^(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/,
    'must be a host name, `*.example.com`, or host:port (no scheme, no path)',
  );

/** An IPv4/IPv6 address or CIDR block. */
const ipOrCidr = z.string().refine((value) => {
  const [address, bits, extra] = value.split('/');
  if (extra !== undefined || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return Number.isInteger(n) && n >= 0 && n <= (family === 4 ? 32 : 128);
}, 'must be an IP address or CIDR block (10.0.0.0/8)');

const tokenAuth = {
  /** Shared secret the sender puts in `?token=` or the `x-jobwatch-token` header. Several allow rotation. */
  tokens: z.array(secretRef).min(1, 'needs at least one token reference'),
  /** When set, requests from other source addresses are refused (403). */
  allowedSourceIps: z.array(ipOrCidr).optional(),
  /** Target the events belong to; defaults to the first target of the event's provider. */
  targetId: z.string().optional(),
  /** Provider the events are attributed to when the payload does not name one. */
  provider: providerIdSchema.default('alibaba-blink'),
};

export const webhookSchema = z
  .object({
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(6 * 1024 * 1024)
      .default(DEFAULT_MAX_BODY_BYTES),
    /** Huawei SMN HTTP(S) subscriptions carrying Cloud Eye alarms for DLI queues and MRS clusters. */
    huaweiSmn: z
      .object({
        /** Hosts `signing_cert_url` may point at (exact host or `*.suffix`). */
        certHosts: z.array(hostPattern).min(1).default(DEFAULT_SMN_HOSTS),
        /** Hosts `subscribe_url` may point at; only these are ever fetched. */
        subscribeHosts: z.array(hostPattern).min(1).default(DEFAULT_SMN_HOSTS),
        /** Only these topics are accepted, when given (`urn:smn:<region>:<project>:<name>`). */
        topicUrns: z.array(z.string().startsWith('urn:smn:')).optional(),
        /** Hashes tried for the RSA signature, in order. SMN signs with SHA256 today; `sha1` is legacy. */
        signatureHashes: z
          .array(z.enum(['sha256', 'sha1']))
          .min(1)
          .default(['sha256']),
        /** Only for tests and private endpoints: allow `http:` certificate and subscription URLs. */
        allowHttp: z.boolean().default(false),
        /** How long a message id is remembered, and the oldest message accepted (any message type). */
        dedupeSeconds: z
          .number()
          .int()
          .min(300)
          .max(30 * 86400)
          .default(3 * 86400),
        certCacheSeconds: z
          .number()
          .int()
          .min(60)
          .max(7 * 86400)
          .default(86400),
        /** How long a failed certificate download is remembered (one fetch per address per window). */
        certFailureCacheSeconds: z.number().int().min(1).max(3600).default(30),
        /** How far ahead of this server's clock a message's timestamp may be; further is refused. */
        clockSkewSeconds: z.number().int().min(0).max(3600).default(300),
        /**
         * Give Cloud Eye alarms exactly the fingerprint of detection's own queue/cluster finding (one alert
         * for both; any OK resolves it) instead of one fingerprint per alarm metric.
         */
        sharedFingerprint: z.boolean().default(false),
        /** topic URN -> target id, when the topic's project and region do not identify the target. */
        targets: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .optional(),
    /** Alibaba CloudMonitor threshold alarm callbacks (form-encoded POST). */
    alibabaCloudMonitor: z.object(tokenAuth).strict().optional(),
    /** Alibaba ARMS alert webhooks in Alertmanager's JSON format. */
    alibabaArms: z.object(tokenAuth).strict().optional(),
    /** Generic signed ingest for users' own systems. */
    events: z
      .object({
        /** HMAC-SHA256 secrets; several allow rotation. */
        secrets: z.array(secretRef).min(1, 'needs at least one secret reference'),
        /** Requests whose timestamp is further than this from now are refused. */
        toleranceSeconds: z.number().int().min(30).max(900).default(300),
        maxEvents: z.number().int().min(1).max(500).default(100),
      })
      .strict()
      .optional(),
    /** The operator API under /api/: bearer tokens and/or HMAC secrets. */
    operator: z
      .object({
        tokens: z.array(secretRef).default([]),
        hmacSecrets: z.array(secretRef).default([]),
        toleranceSeconds: z.number().int().min(30).max(900).default(300),
      })
      .strict()
      .refine((o) => o.tokens.length + o.hmacSecrets.length > 0, {
        message: 'the operator API needs at least one token or hmacSecret reference',
      })
      .optional(),
    /**
     * The status page (GET /status): operators sign in with an operator token (webhook.operator.tokens)
     * and get a session cookie signed with `sessionKey`, a secret reference (ssm:/..., secretsmanager:...,
     * env:...) of at least 32 random bytes. Scripts send `Authorization: Bearer <operator token>` instead.
     */
    /** Where people reach this webhook function (the HTTP API's URL); action links point here. */
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** HMAC key of the signed action links in alert messages; with publicUrl, messages carry them. */
    actionLinkKey: secretRef.optional(),
    statusPage: z
      .object({
        sessionKey: secretRef,
        /** How long a login lasts. */
        sessionHours: z.number().int().min(1).max(168).default(12),
        /** The page reloads itself this often (meta refresh; no script). */
        refreshSeconds: z.number().int().min(5).max(3600).default(30),
      })
      .strict()
      .optional(),
  })
  .strict();

export type WebhookConfig = z.infer<typeof webhookSchema>;

/**
 * Problems the schema cannot see alone: target ids named in `webhook:` that no target defines. One
 * sentence each, for the config loader to report with the schema's own problems.
 */
export function webhookIssues(config: {
  webhook?: WebhookConfig | undefined;
  targets: readonly { id: string }[];
}): { path: (string | number)[]; message: string }[] {
  const ids = new Set(config.targets.map((t) => t.id));
  const issues: { path: (string | number)[]; message: string }[] = [];
  const check = (path: (string | number)[], id: string | undefined) => {
    if (id !== undefined && !ids.has(id)) issues.push({ path, message: `no target with id '${id}'` });
  };
  check(['webhook', 'alibabaCloudMonitor', 'targetId'], config.webhook?.alibabaCloudMonitor?.targetId);
  check(['webhook', 'alibabaArms', 'targetId'], config.webhook?.alibabaArms?.targetId);
  for (const [urn, id] of Object.entries(config.webhook?.huaweiSmn?.targets ?? {}))
    check(['webhook', 'huaweiSmn', 'targets', urn], id);
  if (config.webhook?.statusPage && (config.webhook.operator?.tokens ?? []).length === 0)
    issues.push({
      path: ['webhook', 'statusPage'],
      message: 'the status page signs operators in with webhook.operator.tokens; configure at least one',
    });
  return issues;
}

/** The same problems as one line each, naming the field. */
export function webhookProblems(config: Parameters<typeof webhookIssues>[0]): string[] {
  return webhookIssues(config).map((i) => `${i.path.join('.')}: ${i.message}`);
}
