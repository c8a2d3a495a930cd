import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { createNotifier } from '../../lib/alerts/notifier.js';
import { openStore } from '../../lib/cli/store.js';
import { loadConfig } from '../../lib/config/load.js';
import { createSecretResolver } from '../../lib/config/secrets.js';
import { silentLogger } from '../../lib/observability/logger.js';
import { jobEvent } from '../alerts/helpers.js';
import { configDir, ONE_SLACK_CHANNEL, runJobwatch } from './helpers.js';

let dir: string;
const firing = jobEvent({ name: 'payments_agg', startsAtMs: Date.now() - 600_000 });

const jobwatch = (args: string[]) => runJobwatch(args, { cwd: dir });

beforeAll(async () => {
  const created = await configDir('jobwatch-ack-', ONE_SLACK_CHANNEL);
  dir = created.dir;
  const file = created.file;
  const config = await loadConfig(file);
  const opened = await openStore(config, { now: Date.now, dir: join(dir, '.jobwatch', 'dynamodb') });
  const notifier = createNotifier({
    config,
    store: opened.store,
    secrets: createSecretResolver({ env: {} }),
    logger: silentLogger,
    now: Date.now,
  });
  await notifier.handle([firing]);
  await notifier.close();
  await opened.close();
});

it('acknowledges a job, shows it in status and the log; bad input names what is wrong', async () => {
  const acked = await jobwatch([
    'ack',
    'payments_agg',
    '--duration',
    '2h',
    '--comment',
    'on it',
    '--author',
    'alice',
  ]);
  expect(acked.stderr).toBe('');
  expect(acked.code).toBe(0);
  expect(acked.stdout).toContain(`acknowledged ${firing.data.fingerprint} prod-blink/payments_agg until`);
  expect(acked.stdout).toContain('(2 h)');

  const status = await jobwatch(['status']);
  expect(status.stdout).toMatch(/payments_agg .*\[acknowledged by alice until/);
  const json = JSON.parse((await jobwatch(['status', '--json'])).stdout) as {
    firing: { fingerprint: string; acknowledged?: { by: string } }[];
  };
  expect(json.firing[0]).toMatchObject({
    fingerprint: firing.data.fingerprint,
    acknowledged: { by: 'alice' },
  });

  expect((await jobwatch(['ack', 'list'])).stdout).toMatch(
    /prod-blink\/payments_agg\s+until .*alice \(cli\): on it/,
  );

  const nothing = await jobwatch(['ack', 'no-such-job', '--author', 'alice']);
  expect(nothing.code).toBe(2);
  expect(nothing.stderr).toContain("nothing firing matches 'no-such-job'");
  const tooLong = await jobwatch(['ack', 'payments_agg', '--duration', '30d', '--author', 'alice']);
  expect(tooLong.code).toBe(2);
  expect(tooLong.stderr).toContain('at most 7 days');
});
