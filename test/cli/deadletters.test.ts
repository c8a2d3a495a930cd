import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier } from '../../lib/alerts/index.js';
import { parseConfig } from '../../lib/config/load.js';
import { silentLogger } from '../../lib/observability/logger.js';
import { parkForSubscriber } from '../../lib/runtime/dead-letters.js';
import { type ChatSink, startChatSink } from '../../lib/sandbox/chat-sink.js';
import { createLocalStore } from '../../lib/state/local.js';
import { CHANNEL_CONFIGS, jobEvent, SINK_SECRETS, secretsFor, sinkEnv } from '../alerts/helpers.js';
import { runJobwatch } from './helpers.js';

let sink: ChatSink;
let dir: string;

const jobwatch = (args: string[]) =>
  runJobwatch(args, { cwd: dir, env: { ...sinkEnv(sink), JOBWATCH_LOG_LEVEL: 'warn' } });

const alerting = {
  channels: [CHANNEL_CONFIGS.webhook],
  route: { receiver: 'webhook', groupWaitSeconds: 0, groupIntervalSeconds: 300 },
};

beforeAll(async () => {
  sink = await startChatSink({ secrets: SINK_SECRETS });
  dir = await mkdtemp(join(tmpdir(), 'jobwatch-deadletters-'));
  // JSON is YAML: the file the CLI loads is the config the seeding notifier runs with.
  await writeFile(join(dir, 'jobwatch.yml'), JSON.stringify(alerting));

  // The CLI's state: one event notify could not take, one notification the channel refused.
  const local = await createLocalStore({ dir: join(dir, '.jobwatch', 'dynamodb'), now: Date.now });
  try {
    await parkForSubscriber(
      local.store,
      'notify',
      [jobEvent({ name: 'etl-orders' })],
      'Error: boom',
      Date.now(),
    );
    sink.failNext('webhook', 1, 400);
    const notifier = createNotifier({
      config: parseConfig(alerting, 'test'),
      store: local.store,
      secrets: secretsFor(sinkEnv(sink)),
      logger: silentLogger,
      now: Date.now,
    });
    expect((await notifier.handle([jobEvent({ name: 'etl-billing' })])).deadLettered).toBe(1);
    await notifier.close();
  } finally {
    await local.store.close();
    await local.stop();
  }
  sink.clear();
});
afterAll(async () => sink.stop());

describe('jobwatch deadletters', () => {
  it('lists every kind, replays them, and is clean afterwards', async () => {
    const listed = await jobwatch(['deadletters', 'list']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.includes(' notify '))).toContain(
      'job.failed firing prod-blink/etl-orders: Error: boom',
    );
    expect(lines.find((l) => l.includes(' notification '))).toContain('webhook firing: 1 firing, 0 resolved');
    expect(lines[2]).toBe('2 dead letter(s)');
    expect(listed.stdout).not.toContain(SINK_SECRETS.webhook);

    const json = await jobwatch(['deadletters', 'list', '--json']);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).kind)
        .sort(),
    ).toEqual(['notification', 'notify']);

    const replayed = await jobwatch(['deadletters', 'replay']);
    expect(replayed.stderr).toBe('');
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain('replayed 1 event(s), retried 1 alert group(s), dropped 0 record(s)');
    expect(replayed.stdout).toContain('no dead letters');
    const bodies = sink.messages.map((m) => JSON.stringify(m.body));
    expect(bodies.filter((b) => b.includes('etl-orders'))).toHaveLength(1);
    expect(bodies.filter((b) => b.includes('etl-billing'))).toHaveLength(1);

    expect((await jobwatch(['deadletters', 'list'])).stdout.trim()).toBe('no dead letters');
  });
});
