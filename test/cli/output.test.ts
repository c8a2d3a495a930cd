import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ALL_EMULATORS } from '../../lib/providers/emulators.js';
import { type ChatSink, startChatSink } from '../../lib/sandbox/chat-sink.js';
import { createSimClock } from '../../lib/sandbox/clock.js';
import { type Sandbox, startSandbox } from '../../lib/sandbox/server.js';
import { SANDBOX_ENV } from '../../lib/sandbox/types.js';
import { runJobwatch } from './helpers.js';

const jobwatch = (args: string[], cwd: string, env: Record<string, string> = {}) =>
  runJobwatch(args, { cwd, env: { ...SANDBOX_ENV, ...env } });

let sandbox: Sandbox;
let sink: ChatSink;

beforeAll(async () => {
  // The demo scenario, aged so its scripted failures have happened; the clock stands still after that.
  const clock = createSimClock({ speed: 0 });
  sandbox = await startSandbox({ plugins: ALL_EMULATORS, scenario: 'demo', clock });
  clock.advance(3 * 60_000);
  sink = await startChatSink({});
});
afterAll(async () => {
  await sandbox?.stop();
  await sink?.stop();
});

async function workspace(extra: Record<string, unknown> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'jobwatch-cli-output-'));
  const config = {
    targets: sandbox.targets().slice(0, 1),
    channels: [{ name: 'oncall', type: 'slack', url: 'env:JW_TEST_SLACK_URL' }],
    route: { receiver: 'oncall', groupWaitSeconds: 2, groupIntervalSeconds: 60 },
    ...extra,
  };
  await writeFile(join(dir, 'jobwatch.yml'), stringify(config));
  return dir;
}

const JSON_LINE = /^\{"level"/m;

describe('human output', () => {
  it('start prints one summary line per target per poll and keeps JSON logs in .jobwatch/jobwatch.log', async () => {
    const dir = await workspace();
    const { code, stdout, stderr } = await jobwatch(
      ['start', '--poll-seconds', '2', '--duration', '5', '--webhook-port', '0'],
      dir,
      { JW_TEST_SLACK_URL: sink.endpoints.slack },
    );
    expect(code).toBe(0);
    const target = sandbox.targets()[0]?.id as string;
    expect(stdout).toMatch(
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d poll     ${target}: \\d+ jobs?, \\d+ findings?, \\d+ calls?, [\\d.]+ (ms|s)`,
        'm',
      ),
    );
    expect(stdout).not.toMatch(JSON_LINE);
    expect(stderr).not.toMatch(JSON_LINE);
    const log = await readFile(join(dir, '.jobwatch', 'jobwatch.log'), 'utf8');
    expect(log).toContain('"message":"poll finished"');
  });

  it('poll --once --deliver waits for group_wait and delivers; --no-wait says what is held and until when', async () => {
    const held = sink.messages.length;
    const noWait = await jobwatch(['poll', '--once', '--deliver', '--no-wait'], await workspace(), {
      JW_TEST_SLACK_URL: sink.endpoints.slack,
    });
    expect(noWait.stdout).toMatch(
      /held: \d+ alert group\(s\) wait for their route's group_wait until \d\d:\d\d:\d\d/,
    );
    expect(sink.messages.length).toBe(held);

    const waited = await jobwatch(['poll', '--once', '--deliver'], await workspace(), {
      JW_TEST_SLACK_URL: sink.endpoints.slack,
    });
    // The wait left of group_wait: seconds, or milliseconds on a machine slow enough to have used most of it.
    expect(waited.stdout).toMatch(/waiting [\d.]+ m?s for group_wait/);
    expect(waited.stdout).toMatch(/deliver {2}[1-9]\d* message\(s\) sent/);
    expect(sink.messages.length).toBeGreaterThan(held);
  });
});

describe('configuration problems are not vendor outages', () => {
  it('an unset env reference is named in the finding and the poll line, and the exit code is 2', async () => {
    const dir = await workspace({
      targets: sandbox
        .targets()
        .slice(0, 1)
        .map((t) => ({
          ...t,
          credentials: { accessKeyId: 'env:JW_TEST_UNSET_AK', secretAccessKey: 'env:JW_TEST_UNSET_SK' },
        })),
    });
    const { code, stdout } = await jobwatch(['poll', '--once'], dir);
    expect(stdout).toMatch(
      /configuration problem for target [\w-]+: secret reference env:JW_TEST_UNSET_(AK|SK): environment variable is not set/,
    );
    expect(stdout).not.toContain('API failing');
    expect(code).toBe(2);
  });

  it('a vendor that refuses connections says so and exits 3', async () => {
    const dir = await workspace({
      targets: sandbox
        .targets()
        .slice(0, 1)
        .map((t) => ({ ...t, endpoint: 'http://127.0.0.1:9' })),
    });
    const { code, stdout } = await jobwatch(['poll', '--once'], dir);
    expect(stdout).toMatch(/API failing for target [\w-]+: connection refused/);
    expect(stdout).toMatch(/poll {5}[\w-]+: 0 jobs, .*API errors?: connection refused/);
    expect(code).toBe(3);
  });
});
