import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { AlertGroupMessage } from '../../lib/alerts/channels/types.js';
import { toAlertView } from '../../lib/alerts/view.js';
import { parseConfig } from '../../lib/config/load.js';
import type { Config } from '../../lib/config/schema.js';
import { createSecretResolver } from '../../lib/config/secrets.js';
import { buildEvent, type EventInput } from '../../lib/events/build.js';
import type { JobwatchEvent } from '../../lib/events/schema.js';
import { silentLogger } from '../../lib/observability/logger.js';
import {
  CHAT_SINK_TOKENS,
  type ChatChannel,
  type ChatSink,
  type ChatSinkOptions,
  startChatSink,
} from '../../lib/sandbox/chat-sink.js';
import { createLocalStore, type LocalStore } from '../../lib/state/local.js';
import type { Store } from '../../lib/state/store.js';

export const T0 = Date.parse('2026-11-23T10:00:00Z');

/** Secrets the sink checks, and env references to them and to the sink's webhook URLs. */
export const SINK_SECRETS = {
  dingtalk: 'SECdingtalk-signing-secret-0123456789',
  feishu: 'feishu-signing-secret-0123456789',
  webhook: 'webhook-hmac-secret-0123456789',
};

export function sinkEnv(sink: ChatSink): NodeJS.ProcessEnv {
  return {
    SLACK_URL: sink.endpoints.slack,
    DINGTALK_URL: sink.endpoints.dingtalk,
    FEISHU_URL: sink.endpoints.feishu,
    WECOM_URL: sink.endpoints.wecom,
    WEBHOOK_URL: sink.endpoints.webhook,
    DINGTALK_SECRET: SINK_SECRETS.dingtalk,
    FEISHU_SECRET: SINK_SECRETS.feishu,
    WEBHOOK_SECRET: SINK_SECRETS.webhook,
    PAGERDUTY_URL: sink.endpoints.pagerduty,
    PAGERDUTY_ROUTING_KEY: CHAT_SINK_TOKENS.pagerduty,
    OPSGENIE_URL: sink.endpoints.opsgenie,
    OPSGENIE_API_KEY: CHAT_SINK_TOKENS.opsgenie,
  };
}

/** Sink rate limits far above every vendor's, so tests that send to every channel never wait. */
export const UNPACED_SINK_RATES = {
  slackPerSecond: 1000,
  dingtalkPerMinute: 1000,
  wecomPerMinute: 1000,
  pagerdutyPerMinute: 1000,
};

export const secretsFor = (env: NodeJS.ProcessEnv) => createSecretResolver({ env });

export interface StoreHarness {
  /** The test's clock: reset to T0 before each test, moved forward by the test. */
  nowMs: number;
  readonly now: () => number;
  /** A fresh local store (dynalite) for each test. */
  readonly store: Store;
}

/** Registers the hooks that give each test a fresh store on the test's clock (reset to T0). */
export function useStore(): StoreHarness {
  let local: LocalStore | undefined;
  const h: StoreHarness = {
    nowMs: T0,
    now: () => h.nowMs,
    get store() {
      if (!local) throw new Error('the store starts in beforeEach');
      return local.store;
    },
  };
  beforeEach(async () => {
    h.nowMs = T0;
    // The store's expiry checks use the test's clock, so nothing depends on the real date.
    local = await createLocalStore({ now: h.now });
  });
  afterEach(async () => {
    await local?.store.close();
    await local?.stop();
  });
  return h;
}

export interface SinkAndStore extends StoreHarness {
  /** One chat sink for the file, cleared before each test. */
  readonly sink: ChatSink;
  /** Env references to the sink's URLs and secrets. */
  readonly env: NodeJS.ProcessEnv;
  /** What every notifier in these tests shares: the store, the sink's secrets, a silent logger, the clock. */
  notifierDeps(): {
    store: Store;
    secrets: ReturnType<typeof secretsFor>;
    logger: typeof silentLogger;
    now: () => number;
  };
}

/** Registers the hooks that start the chat sink and a store per test, all on one injected clock. */
export function useSinkAndStore(sinkOptions: Omit<ChatSinkOptions, 'secrets' | 'now'> = {}): SinkAndStore {
  const stored = useStore();
  let sink: ChatSink | undefined;
  let env: NodeJS.ProcessEnv = {};
  const h: SinkAndStore = {
    get nowMs() {
      return stored.nowMs;
    },
    set nowMs(ms: number) {
      stored.nowMs = ms;
    },
    now: stored.now,
    get store() {
      return stored.store;
    },
    get sink() {
      if (!sink) throw new Error('the chat sink starts in beforeAll');
      return sink;
    },
    get env() {
      return env;
    },
    notifierDeps: () => ({
      store: stored.store,
      secrets: secretsFor(env),
      logger: silentLogger,
      now: stored.now,
    }),
  };
  beforeAll(async () => {
    sink = await startChatSink({ ...sinkOptions, secrets: SINK_SECRETS, now: stored.now });
    env = sinkEnv(sink);
  });
  afterAll(async () => sink?.stop());
  beforeEach(() => sink?.clear());
  return h;
}

/** One channel config per type, pointing at the sink through env references (as jobwatch.yml would). */
export const CHANNEL_CONFIGS: Record<ChatChannel, Record<string, unknown>> = {
  slack: { name: 'slack', type: 'slack', url: 'env:SLACK_URL' },
  dingtalk: { name: 'dingtalk', type: 'dingtalk', url: 'env:DINGTALK_URL', secret: 'env:DINGTALK_SECRET' },
  feishu: { name: 'feishu', type: 'feishu', url: 'env:FEISHU_URL', secret: 'env:FEISHU_SECRET' },
  wecom: { name: 'wecom', type: 'wecom', url: 'env:WECOM_URL' },
  webhook: {
    name: 'webhook',
    type: 'webhook',
    url: 'env:WEBHOOK_URL',
    secret: 'env:WEBHOOK_SECRET',
    format: 'alertmanager',
  },
  pagerduty: {
    name: 'pagerduty',
    type: 'pagerduty',
    routingKey: 'env:PAGERDUTY_ROUTING_KEY',
    url: 'env:PAGERDUTY_URL',
  },
  opsgenie: { name: 'opsgenie', type: 'opsgenie', apiKey: 'env:OPSGENIE_API_KEY', url: 'env:OPSGENIE_URL' },
};

/** Webhook channels named as routing tests need them, all at one env-referenced URL. */
export const webhookReceivers = (names: string[], url = 'env:X') =>
  names.map((name) => ({ name, type: 'webhook', url }));

/** Alerting to the webhook, one group per alert and resource, sent at once, repeated every 4 h. */
export const WEBHOOK_PER_RESOURCE = {
  channels: [CHANNEL_CONFIGS.webhook],
  route: {
    receiver: 'webhook',
    groupBy: ['alertname', 'resource'],
    groupWaitSeconds: 0,
    groupIntervalSeconds: 60,
    repeatIntervalSeconds: 4 * 3600,
  },
};

/** Builds config through the production loader, validation on. */
export function configWith(alerting: Record<string, unknown>): Config {
  return parseConfig({ ...alerting }, 'test');
}

let counter = 0;

/** A job event; `name` doubles as the resource key unless `key` is given. */
export function jobEvent(
  overrides: Partial<EventInput> & { name?: string; key?: string; container?: string } = {},
): JobwatchEvent {
  const name = overrides.name ?? `job-${++counter}`;
  const labels = { ...(overrides.container ? { container: overrides.container } : {}), ...overrides.labels };
  return buildEvent({
    type: 'job.failed',
    provider: 'alibaba-blink',
    targetId: 'prod-blink',
    region: 'cn-hangzhou',
    severity: 'critical',
    status: 'firing',
    title: `Job ${name} failed`,
    summary: `Job ${name} reached FAILED`,
    startsAtMs: T0,
    values: { state: 'FAILED', lastError: 'java.lang.RuntimeException: boom' },
    // A sender's own figures, shown as "restarts 2/5"; given values replace them (as one values bag did).
    ...(overrides.values ? {} : { extras: { restarts: 2, maxRestarts: 5 } }),
    links: [{ title: 'console', url: 'https://realtime-compute.console.aliyun.com/job/1' }],
    ...overrides,
    labels,
    resource: overrides.resource ?? {
      key: overrides.key ?? `alibaba-blink/cn-hangzhou/project:p1/job:${name}`,
      kind: 'job',
      name,
      vendorId: name,
      scope: { kind: 'project', id: 'p1', name: 'p1' },
    },
  });
}

/**
 * The message a channel gets for `events`: one group by alertname and target, sent for the first time,
 * five minutes after T0 unless `extra` says otherwise.
 */
export function groupMessage(
  events: JobwatchEvent[],
  extra: Partial<AlertGroupMessage> = {},
): AlertGroupMessage {
  const views = events.map(toAlertView);
  return {
    receiver: 'test',
    groupKey: 'root:abc',
    groupLabels: { alertname: 'job.failed', target: 'prod-blink' },
    reason: 'first',
    status: views.some((v) => v.status === 'firing') ? 'firing' : 'resolved',
    firing: views.filter((v) => v.status === 'firing'),
    resolved: views.filter((v) => v.status === 'resolved'),
    omitted: 0,
    nowMs: T0 + 5 * 60_000,
    ...extra,
  };
}

/** The same finding, resolved at `atMs`. */
export function resolvedOf(event: JobwatchEvent, atMs: number): JobwatchEvent {
  const d = event.data;
  return buildEvent({
    type: d.type as EventInput['type'],
    provider: d.provider,
    targetId: d.targetId,
    region: d.region,
    resource: d.resource,
    severity: d.severity,
    status: 'resolved',
    title: d.title,
    summary: d.summary,
    labels: d.labels,
    links: d.links,
    values: d.values,
    startsAtMs: d.startsAtMs,
    endsAtMs: atMs,
  });
}

export function containerEvent(kind: 'cluster' | 'queue', name: string, key: string): JobwatchEvent {
  return buildEvent({
    type: kind === 'cluster' ? 'cluster.unhealthy' : 'queue.unhealthy',
    provider: kind === 'cluster' ? 'huawei-mrs' : 'huawei-dli',
    targetId: 'prod-blink',
    region: 'cn-north-4',
    severity: 'critical',
    status: 'firing',
    title: `${kind} ${name} unhealthy`,
    summary: `${kind} ${name} is abnormal`,
    startsAtMs: T0,
    resource: { key, kind, name, vendorId: name, scope: { kind, id: name, name } },
  });
}
