/** Chat button presses, accepted and refused, show in `jobwatch events tail` next to the events. */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { performChatAction } from '../../lib/alerts/chat-actions.js';
import { createNotifier } from '../../lib/alerts/notifier.js';
import { openStore } from '../../lib/cli/store.js';
import { loadConfig } from '../../lib/config/load.js';
import { createSecretResolver } from '../../lib/config/secrets.js';
import { recordRecentEvents } from '../../lib/events/recent-events.js';
import { silentLogger } from '../../lib/observability/logger.js';
import { jobEvent } from '../alerts/helpers.js';

const run = promisify(execFile);
const BIN = resolve('bin/jobwatch.mjs');
let dir: string;
const nowMs = Date.now();
const firing = jobEvent({ name: 'payments_agg', startsAtMs: nowMs - 600_000 });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jobwatch-chat-actions-'));
  const file = join(dir, 'jobwatch.yml');
  await writeFile(
    file,
    'channels:\n  - name: oncall\n    type: slack\n    url: env:SLACK_URL\n    interactive:\n      signingSecret: env:SLACK_SIGNING_SECRET\n      allow: { ack: [U0ANA] }\n',
  );
  const config = await loadConfig(file);
  const opened = await openStore(config, { now: () => nowMs, dir: join(dir, '.jobwatch', 'dynamodb') });
  const notifier = createNotifier({
    config,
    store: opened.store,
    secrets: createSecretResolver({ env: {} }),
    logger: silentLogger,
    now: () => nowMs,
  });
  await notifier.handle([firing]);
  await recordRecentEvents(opened.store, [firing]);
  await notifier.close();
  const deps = { store: opened.store, logger: silentLogger, config };
  const request = {
    receiver: 'oncall',
    allow: { ack: ['U0ANA'], silence: [] },
    fingerprint: firing.data.fingerprint,
  };
  await performChatAction(
    deps,
    { ...request, action: 'silence-1h', actor: { platform: 'slack', id: 'U0EVE' } },
    nowMs,
  );
  await performChatAction(
    deps,
    { ...request, action: 'ack', actor: { platform: 'slack', id: 'U0ANA', name: 'ana' } },
    nowMs + 1000,
  );
  await opened.close();
});

it('events tail shows the refused and the accepted press, in order, after the finding', async () => {
  const { stdout } = await run(process.execPath, [BIN, 'events', 'tail'], { cwd: dir });
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(3);
  expect(lines[0]).toMatch(/FIRING .* payments_agg/);
  expect(lines[1]).toMatch(
    /ACTION {3}silence-1h refused {4}slack\/oncall U0EVE .*payments_agg: Sorry, only the people/,
  );
  expect(lines[2]).toMatch(
    /ACTION {3}ack {6}done {7}slack\/oncall U0ANA \(ana\) .*payments_agg: Acknowledged by ana/,
  );
  const json = await run(process.execPath, [BIN, 'events', 'tail', '--json'], { cwd: dir });
  const records = json.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; outcome?: string });
  expect(records.map((r) => r.outcome ?? r.type)).toEqual(['io.jobwatch.job.failed', 'refused', 'done']);
});
