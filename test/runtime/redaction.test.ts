/**
 * Issue 14, defect 8: a vendor error message that carries secrets, answered by the sandbox emulators over
 * real sockets, goes through the whole local pipeline (collect -> detect -> publish -> notify) and must
 * reach neither the events, nor a chat message (the chat sink), nor the store, nor a log line.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/load.js';
import { createSecretResolver } from '../../lib/config/secrets.js';
import type { JobwatchEvent } from '../../lib/events/schema.js';
import type { Logger } from '../../lib/observability/logger.js';
import { ALL_EMULATORS } from '../../lib/providers/emulators.js';
import { closeHuaweiClients } from '../../lib/providers/huawei/index.js';
import { PROVIDERS_BY_ID } from '../../lib/providers/registry.js';
import { createLocalPipeline, type LocalPipeline } from '../../lib/runtime/services.js';
import { type ChatSink, startChatSink } from '../../lib/sandbox/chat-sink.js';
import { createSimClock } from '../../lib/sandbox/clock.js';
import { type Sandbox, startSandbox } from '../../lib/sandbox/server.js';
import { SANDBOX_ENV } from '../../lib/sandbox/types.js';
import {
  createDocumentClient,
  createLocalStore,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
} from '../../lib/state/index.js';
import type { Store } from '../../lib/state/store.js';

const T0 = Date.parse('2026-11-23T10:00:00Z');

/** Every planted secret contains `Leak<n>` (any case), so one pattern finds any of them anywhere. */
const LEAK = /leak\d/i;
/** Survives scrubbing, so the test can see that the vendor's text did travel the pipeline. */
const CARRIER = 'vendor-rejected-request';
const VENDOR_MESSAGE = [
  `${CARRIER}: connect jdbc:mysql://etl:Leak1-Userinfo@db:3306/orders failed;`,
  'Authorization: Bearer Leak2-Bearer-0123456789',
  '; args --password Leak3-Flag --class Main; body {"password":"Leak4 Json"};',
  'key AKIALEAK5EXAMPLE0000 / LTAILeak6AbCdEfGhIj; api_key=Leak7-ApiKey;',
  'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="etl" password="Leak8 Jaas";',
  '--conf spark.hadoop.fs.obs.secret.key=Leak9-Obs; hook https://hooks.slack.com/services/T0/B0/Leak10Slack',
].join(' ');

let sandbox: Sandbox;
let sink: ChatSink;
let local: Awaited<ReturnType<typeof createLocalStore>>;
let store: Store;
let pipeline: LocalPipeline;
const clock = createSimClock({ speed: 0, startMs: T0 });
const logs: string[] = [];
const events: JobwatchEvent[] = [];

const capturingLogger: Logger = {
  debug: (message, ...extra) => void logs.push(JSON.stringify([message, ...extra])),
  info: (message, ...extra) => void logs.push(JSON.stringify([message, ...extra])),
  warn: (message, ...extra) => void logs.push(JSON.stringify([message, ...extra])),
  error: (message, ...extra) => void logs.push(JSON.stringify([message, ...extra])),
};

async function pollAndNotify(): Promise<void> {
  for (const report of await pipeline.poll()) events.push(...report.events);
  await pipeline.settle();
  clock.advance(60_000);
  await pipeline.notifier.flush();
}

beforeAll(async () => {
  sandbox = await startSandbox({ plugins: ALL_EMULATORS, scenario: 'test', clock });
  sink = await startChatSink({ rateLimits: { slackPerSecond: 1000 }, now: () => clock.now() });
  local = await createLocalStore({ now: () => clock.now() });
  store = local.store;
  const config = parseConfig(
    {
      targets: sandbox.targets(),
      channels: [{ name: 'oncall', type: 'slack', url: 'env:SLACK_URL' }],
      route: {
        receiver: 'oncall',
        groupWaitSeconds: 0,
        groupIntervalSeconds: 1,
        repeatIntervalSeconds: 3600,
      },
    },
    'redaction test',
  );
  pipeline = createLocalPipeline({
    config,
    store,
    providers: PROVIDERS_BY_ID,
    secrets: createSecretResolver({ env: { ...SANDBOX_ENV, SLACK_URL: sink.endpoints.slack } }),
    logger: capturingLogger,
    now: () => clock.now(),
  });

  // A healthy baseline first, then every provider's listing answers a 400 whose message carries secrets,
  // and one listing answers a body that is not JSON and starts with one.
  await pollAndNotify();
  sandbox.faults.inject({
    provider: 'alibaba-blink',
    operation: 'ListJob',
    kind: 'status',
    status: 400,
    body: { Code: 'InvalidParameter', Message: VENDOR_MESSAGE, RequestId: 'req-1' },
  });
  sandbox.faults.inject({
    provider: 'huawei-dli',
    operation: 'ListFlinkJobs',
    kind: 'status',
    status: 400,
    body: { error_code: 'DLI.0001', error_msg: VENDOR_MESSAGE },
  });
  sandbox.faults.inject({
    provider: 'huawei-mrs',
    operation: 'ListClusters',
    kind: 'status',
    status: 400,
    body: { error_code: 'MRS.0001', error_msg: VENDOR_MESSAGE },
  });
  sandbox.faults.inject({
    provider: 'huawei-dli',
    operation: 'ListSparkJobs',
    kind: 'malformed',
    body: `password=Leak11-NotJson ${CARRIER} <html>`,
  });
  for (let i = 0; i < 3; i++) await pollAndNotify();
}, 60_000);

afterAll(async () => {
  await pipeline?.notifier.close();
  await closeHuaweiClients();
  await store?.close();
  await local?.stop();
  await sink?.stop();
  await sandbox?.stop();
});

describe('secrets in vendor error messages', () => {
  it('the crafted message travelled: source.unreachable events and chat messages carry its words', () => {
    const unreachable = events.filter((e) => e.data.type === 'source.unreachable');
    expect(new Set(unreachable.map((e) => e.data.provider))).toEqual(
      new Set(['alibaba-blink', 'huawei-dli', 'huawei-mrs']),
    );
    expect(JSON.stringify(unreachable)).toContain(CARRIER);
    expect(JSON.stringify(unreachable)).toContain('<redacted>');
    expect(sink.messages.length).toBeGreaterThan(0);
    expect(JSON.stringify(sink.messages.map((m) => m.body))).toContain('source.unreachable');
  });

  it('reach no event', () => {
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events)).not.toMatch(LEAK);
  });

  it('reach no chat message', () => {
    expect(JSON.stringify(sink.messages)).not.toMatch(LEAK);
  });

  it('reach nothing in the store', async () => {
    const client = createDocumentClient({
      endpoint: local.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      const items: unknown[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({ TableName: 'jobwatch', ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
        );
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      expect(items.length).toBeGreaterThan(0);
      const text = JSON.stringify(items);
      expect(text).toContain(CARRIER);
      expect(text).not.toMatch(LEAK);
    } finally {
      client.destroy();
    }
  });

  it('reach no log line', () => {
    expect(logs.join('\n')).not.toMatch(LEAK);
  });
});
