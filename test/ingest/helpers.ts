import { execFileSync } from 'node:child_process';
import { sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll } from 'vitest';
import { createNotifier } from '../../lib/alerts/notifier.js';
import { parseConfigText } from '../../lib/config/load.js';
import type { Config } from '../../lib/config/schema.js';
import { createSecretResolver } from '../../lib/config/secrets.js';
import type { EventBus, PublishResult } from '../../lib/events/bus.js';
import type { JobwatchEvent } from '../../lib/events/schema.js';
import { createWebhookHandler, type WebhookApp, type WebhookDeps } from '../../lib/ingest/handler.js';
import { startWebhookServer, type WebhookServer } from '../../lib/ingest/http-server.js';
import { smnStringToSign } from '../../lib/ingest/smn.js';
import { silentLogger } from '../../lib/observability/logger.js';
import {
  type ChatChannel,
  type ChatSink,
  type ChatSinkOptions,
  startChatSink,
} from '../../lib/sandbox/chat-sink.js';
import { createLocalStore } from '../../lib/state/local.js';
import type { Store } from '../../lib/state/store.js';
import { jobEvent } from '../alerts/helpers.js';

export const PROJECT_ID = '0a419ac94f80f2c62f14c01e34000001';
export const REGION = 'cn-north-4';
export const TOPIC_URN = `urn:smn:${REGION}:${PROJECT_ID}:jobwatch-alarms`;

export const SECRETS = {
  JW_TEST_AK: 'test-ak',
  JW_TEST_SK: 'test-sk',
  JW_CM_TOKEN: 'cm-token-9f8e7d6c5b4a',
  JW_ARMS_TOKEN: 'arms-token-0a1b2c3d4e5f',
  JW_EVENTS_SECRET: 'events-secret-5e6f7a8b9c0d',
  JW_OPERATOR_TOKEN: 'operator-token-1a2b3c4d5e6f',
  JW_OPERATOR_HMAC: 'operator-hmac-6f5e4d3c2b1a',
  JW_STATUS_SESSION_KEY: 'status-session-key-7d1c9a0b3e5f2a4c6b8d0e1f',
  JW_ACTION_LINK_KEY: 'action-link-key-3c5e7a9b1d2f4a6c8e0b2d4f',
  JW_SLACK_SIGNING_SECRET: 'slack-signing-secret-8f7e6d5c4b3a29180f1e',
  JW_FEISHU_VERIFICATION_TOKEN: 'feishu-verification-token-1a2b3c',
  JW_FEISHU_ENCRYPT_KEY: 'feishu-encrypt-key-4d5e6f7a8b9c',
} as const;

/** Bus that records what it accepted; `failing` makes it refuse (or throw) like a down EventBridge. */
export class RecordingBus implements EventBus {
  readonly published: JobwatchEvent[] = [];
  failing: 'no' | 'refuse' | 'throw' = 'no';

  async publish(events: JobwatchEvent[]): Promise<PublishResult> {
    if (this.failing === 'throw') throw new Error('bus unavailable');
    if (this.failing === 'refuse')
      return { published: 0, failed: events.map((event) => ({ event, reason: 'refused by test bus' })) };
    this.published.push(...events);
    return { published: events.length, failed: [] };
  }
}

/** A test CA-free self-signed signing certificate, made with openssl in a temp dir. */
export interface SigningCert {
  certPem: string;
  keyPem: string;
}

export function makeSigningCert(days = 2, name = 'smn-test'): SigningCert {
  const dir = mkdtempSync(join(tmpdir(), 'jobwatch-smn-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        String(days),
        '-subj',
        `/CN=${name}`,
      ],
      { stdio: 'ignore' },
    );
    return {
      certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      keyPem: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A time inside the certificate's validity period (an hour after it starts), for the injected clock of
 * SMN tests: openssl dates the certificate by the machine's own clock, so tests take their "now" from the
 * certificate instead of from the (possibly shifted) wall clock.
 */
export function withinCertificate(cert: SigningCert): number {
  return Date.parse(new X509Certificate(cert.certPem).validFrom) + 3_600_000;
}

/**
 * Local stand-in for SMN's certificate and subscription endpoints, counting every hit. Besides the
 * certificate (`/smn/certificate...`) it serves a page that is not a PEM (`/smn/not-pem...`), a 500
 * (`/smn/broken...`) and 404 for anything else; `requests` lists every request's path and query.
 */
export interface SmnOrigin {
  url: string;
  certHits: number;
  requests: string[];
  subscribeHits: string[];
  setCert(pem: string): void;
  stop(): Promise<void>;
}

export async function startSmnOrigin(certPem: string): Promise<SmnOrigin> {
  let cert = certPem;
  const origin: SmnOrigin = {
    url: '',
    certHits: 0,
    requests: [],
    subscribeHits: [],
    setCert: (pem) => {
      cert = pem;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    origin.requests.push(req.url ?? '');
    if (req.url?.startsWith('/smn/not-pem')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome</body></html>');
      return;
    }
    if (req.url?.startsWith('/smn/broken')) {
      res.writeHead(500);
      res.end();
      return;
    }
    if (req.url?.startsWith('/smn/certificate')) {
      origin.certHits += 1;
      res.writeHead(200, { 'content-type': 'application/x-pem-file' });
      res.end(cert);
      return;
    }
    if (req.url?.startsWith('/smn/subscription/confirm')) {
      origin.subscribeHits.push(req.url);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"request_id":"r1"}');
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return origin;
}

export function testConfigYaml(options: { certHost?: string } = {}): string {
  const certHost = options.certHost ?? '127.0.0.1';
  return `
targets:
  - id: dli-prod
    provider: huawei-dli
    region: ${REGION}
    credentials: { accessKeyId: env:JW_TEST_AK, secretAccessKey: env:JW_TEST_SK }
    options: { projectId: ${PROJECT_ID} }
  - id: mrs-prod
    provider: huawei-mrs
    region: ${REGION}
    credentials: { accessKeyId: env:JW_TEST_AK, secretAccessKey: env:JW_TEST_SK }
    options: { projectId: ${PROJECT_ID} }
  - id: blink-prod
    provider: alibaba-blink
    region: cn-hangzhou
    credentials: { accessKeyId: env:JW_TEST_AK, secretAccessKey: env:JW_TEST_SK }
    options: { projects: [etl] }
webhook:
  huaweiSmn:
    certHosts: ['${certHost}']
    subscribeHosts: ['127.0.0.1']
    allowHttp: true
  alibabaCloudMonitor:
    tokens: [env:JW_CM_TOKEN]
    allowedSourceIps: ['127.0.0.1', '47.74.206.0/26', '::1']
  alibabaArms:
    tokens: [env:JW_ARMS_TOKEN]
  events:
    secrets: [env:JW_EVENTS_SECRET]
  operator:
    tokens: [env:JW_OPERATOR_TOKEN]
    hmacSecrets: [env:JW_OPERATOR_HMAC]
  statusPage:
    sessionKey: env:JW_STATUS_SESSION_KEY
  publicUrl: https://jobwatch.example.com/
  actionLinkKey: env:JW_ACTION_LINK_KEY
`;
}

export interface Harness {
  config: Config;
  store: Store;
  bus: RecordingBus;
  handler: WebhookApp;
  polls: string[];
  clock: { nowMs: number };
  stop(): Promise<void>;
}

export async function startHarness(
  options: {
    yaml?: string;
    nowMs?: number;
    fetchCertificate?: (url: string) => Promise<string>;
    /** More env for secret references (the chat sink's URLs). */
    env?: NodeJS.ProcessEnv;
    defer?: WebhookDeps['defer'];
  } = {},
): Promise<Harness> {
  const config = parseConfigText(options.yaml ?? testConfigYaml(), 'test.yml');
  const clock = { nowMs: options.nowMs ?? Date.now() };
  const local = await createLocalStore({ now: () => clock.nowMs });
  const bus = new RecordingBus();
  const polls: string[] = [];
  const handler = createWebhookHandler({
    config,
    store: local.store,
    bus,
    secrets: createSecretResolver({ env: { ...SECRETS, ...options.env } }),
    logger: silentLogger,
    now: () => clock.nowMs,
    triggerPoll: async (id) => {
      polls.push(id);
    },
    ...(options.fetchCertificate ? { fetchCertificate: options.fetchCertificate } : {}),
    ...(options.defer ? { defer: options.defer } : {}),
  });
  return { config, store: local.store, bus, handler, polls, clock, stop: local.stop };
}

/** A notifier on the harness's config, store and clock, resolving `env` and the test secrets. */
export function notifierFor(harness: Harness, env: NodeJS.ProcessEnv) {
  return createNotifier({
    config: harness.config,
    store: harness.store,
    secrets: createSecretResolver({ env: { ...SECRETS, ...env } }),
    logger: silentLogger,
    now: () => harness.clock.nowMs,
  });
}

/**
 * Sends `events` through a notifier on the harness's config, store and clock (env: the chat sink's URLs
 * and secrets next to SECRETS), as the notify function would: handle, flush, close.
 */
export async function notifyOnce(harness: Harness, env: NodeJS.ProcessEnv, events: JobwatchEvent[]) {
  const notifier = notifierFor(harness, env);
  await notifier.handle(events);
  await notifier.flush();
  await notifier.close();
}

/** An API Gateway v2 event as the HTTP API would deliver it. */
export function apiEvent(
  method: string,
  path: string,
  options: {
    body?: string | Buffer;
    headers?: Record<string, string>;
    query?: string;
    sourceIp?: string;
  } = {},
): APIGatewayProxyEventV2 {
  const binary = Buffer.isBuffer(options.body);
  const body =
    options.body === undefined
      ? undefined
      : Buffer.isBuffer(options.body)
        ? options.body.toString('base64')
        : options.body;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: options.query ?? '',
    headers: options.headers ?? {},
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: options.sourceIp ?? '127.0.0.1',
        userAgent: 'test',
      },
      requestId: 'req',
      routeKey: '$default',
      stage: '$default',
      time: '23/Nov/2026:05:00:00 +0000',
      timeEpoch: 0,
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: binary,
  };
}

export function responseJson(response: { body?: string }): Record<string, unknown> {
  return JSON.parse(response.body ?? '{}') as Record<string, unknown>;
}

/** A Cloud Eye alarm for a DLI queue, in the JSON template docs/webhooks.md recommends. */
export function cloudEyeQueueAlarm(status: 'alarm' | 'ok', atIso: string, queue = 'etl_queue'): string {
  return JSON.stringify({
    version: 'v1',
    data: {
      namespace: 'SYS.DLI',
      metric_name: 'queue_cu_usage',
      dimension: `queue_id:${queue}-id`,
      resource_id: `${queue}-id`,
      resource_name: queue,
      alarm_status: status,
      alarm_level: 'Major',
      alarm_name: 'queue-busy',
      alarm_time: atIso,
      current_value: status === 'alarm' ? '97' : '12',
    },
  });
}

export function smnMessage(
  fields: Record<string, string>,
  keyPem: string,
  certUrl: string,
  hash: 'sha256' | 'sha1' = 'sha256',
): Record<string, string> {
  const message = {
    signature_version: 'v1',
    topic_urn: TOPIC_URN,
    signing_cert_url: certUrl,
    ...fields,
  } as Record<string, string>;
  const toSign = smnStringToSign(message as never);
  message.signature = sign(hash, Buffer.from(toSign, 'utf8'), keyPem).toString('base64');
  return message;
}

// biome-ignore lint/suspicious/noExplicitAny: chat bodies (Slack blocks, Feishu cards) are inspected loosely.
export type Loose = Record<string, any>;

/** The buttons an interactive chat receiver (Slack, Feishu) puts on a firing alert, in order. */
export const FIRING_ALERT_BUTTONS = ['Acknowledge', 'Silence 1 h', 'Silence 4 h', 'Open console'];

/** A chat sink, a harness whose env points at the sink, and the webhook server in front of the harness. */
export interface ChatHarness {
  sink: ChatSink;
  h: Harness;
  server: WebhookServer;
  env: NodeJS.ProcessEnv;
}

export async function startChatHarness(options: {
  yaml: string;
  /** The env references of the config, for this sink. */
  env: (sink: ChatSink) => NodeJS.ProcessEnv;
  sink?: ChatSinkOptions;
}): Promise<ChatHarness> {
  const sink = await startChatSink(options.sink);
  const env = options.env(sink);
  const h = await startHarness({ yaml: options.yaml, env });
  const server = await startWebhookServer({ handler: h.handler });
  return { sink, h, server, env };
}

/**
 * Registers the hooks that start a chat harness before the file's tests and stop it after; its members are
 * there once the tests run.
 */
export function useChatHarness(options: () => Parameters<typeof startChatHarness>[0]): ChatHarness {
  let started: ChatHarness | undefined;
  const get = (): ChatHarness => {
    if (!started) throw new Error('the chat harness starts in beforeAll');
    return started;
  };
  beforeAll(async () => {
    started = await startChatHarness(options());
  });
  afterAll(async () => stopChatHarness(started ?? {}));
  return {
    get sink() {
      return get().sink;
    },
    get h() {
      return get().h;
    },
    get server() {
      return get().server;
    },
    get env() {
      return get().env;
    },
  };
}

/** Stops what `startChatHarness` started, the server first; what did not start is skipped. */
export async function stopChatHarness(started: Partial<ChatHarness>): Promise<void> {
  await started.server?.stop();
  await started.h?.stop();
  await started.sink?.stop();
}

/**
 * Gives a test alerts of its own: one job for each prefix, named `<prefix>-<random>`, all on one target of
 * their own (fresh fingerprints, one new group sent at once), firing for a minute on the real clock, sent
 * through the harness's notifier. The sink is cleared before and after; returns the events and the body of
 * the message (of `channel`, when given) that holds the first one.
 */
export async function notifyFreshAlerts(
  { sink, h, env }: ChatHarness,
  prefixes: string[],
  channel?: ChatChannel,
): Promise<{ events: JobwatchEvent[]; message: Loose }> {
  h.clock.nowMs = Date.now();
  sink.clear();
  const id = Math.random().toString(36).slice(2, 8);
  const targetId = `prod-${id}`;
  const events = prefixes.map((prefix) =>
    jobEvent({ name: `${prefix}-${id}`, targetId, startsAtMs: h.clock.nowMs - 60_000 }),
  );
  await notifyOnce(h, env, events);
  const fingerprint = events[0]?.data.fingerprint ?? '';
  const sent = sink.messages.find(
    (m) => (!channel || m.channel === channel) && JSON.stringify(m.body).includes(fingerprint),
  );
  sink.clear();
  return { events, message: sent?.body as Loose };
}
