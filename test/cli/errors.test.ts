/**
 * What a user meets first on the command line: each message names the field, reference or reason, and
 * the exit code says what kind of problem it was (0 ok, 1 failure, 2 usage/config, 3 vendor unreachable).
 * Real processes, real sockets.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runJobwatch } from './helpers.js';

const jobwatch = (args: string[], env: Record<string, string> = {}, cwd?: string) =>
  runJobwatch(args, { cwd, env: { JOBWATCH_LOG_LEVEL: 'warn', ...env } });

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'jobwatch-cli-errors-'));
  const file = join(dir, 'jobwatch.yml');
  await writeFile(file, text);
  return file;
}

const BLINK_TARGET = [
  'targets:',
  '  - id: blink',
  '    provider: alibaba-blnk',
  '    region: cn-shanghai',
  '    credentials: { accessKeyId: env:A, secretAccessKey: env:B }',
  '    options: { projects: [realtime] }',
].join('\n');

describe('config validate: every problem says where, what was expected and what was found', () => {
  it('a misspelled provider names the path, the valid providers, the value found and the likely one', async () => {
    const { code, stderr } = await jobwatch(['config', 'validate', await configFile(BLINK_TARGET)]);
    expect(code).toBe(2);
    expect(stderr).toContain('targets[0].provider:');
    expect(stderr).toContain("'alibaba-blink' | 'alibaba-flink' | 'huawei-dli' | 'huawei-mrs'");
    expect(stderr).toContain("found 'alibaba-blnk' (did you mean 'alibaba-blink'?)");
  });

  it('a missing provider says it is missing', async () => {
    const file = await configFile('targets:\n  - id: a\n    region: cn-north-4\n');
    const { code, stderr } = await jobwatch(['config', 'validate', file]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/targets\[0\]\.provider: .*found nothing \(the field is missing\)/);
  });

  it('a wrong channel type lists the channel types', async () => {
    const file = await configFile('channels:\n  - name: oncall\n    type: slak\n    url: env:SLACK_URL\n');
    const { code, stderr } = await jobwatch(['config', 'validate', file]);
    expect(code).toBe(2);
    expect(stderr).toContain('channels[0].type:');
    expect(stderr).toContain("'slack' | 'dingtalk' | 'feishu' | 'wecom' | 'webhook'");
    expect(stderr).toContain("found 'slak' (did you mean 'slack'?)");
  });

  it('a directory, a missing file and an empty file are config errors that say what to do', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jobwatch-cli-dir-'));
    const asDir = await jobwatch(['config', 'validate', dir]);
    expect(asDir.code).toBe(2);
    expect(asDir.stderr).toContain('is a directory; pass the path of a YAML file');
    expect(asDir.stderr).not.toContain('EISDIR');
    const missing = await jobwatch(['config', 'validate', join(dir, 'nope.yml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    const empty = await jobwatch(['config', 'validate', await configFile('\n')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('the file is empty');
  });

  it('a config that watches nothing is valid but says so', async () => {
    const file = await configFile('channels:\n  - name: oncall\n    type: slack\n    url: env:SLACK_URL\n');
    const { code, stderr } = await jobwatch(['config', 'validate', file]);
    expect(code).toBe(0);
    expect(stderr).toContain('warning: no targets: nothing is polled');
  });
});

describe('command-line basics', () => {
  it('--version prints the package version; config --help exits 0; a bad scenario lists the valid ones', async () => {
    const version = await jobwatch(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^jobwatch \d+\.\d+\.\d+/);
    const configHelp = await jobwatch(['config', '--help']);
    expect(configHelp.code).toBe(0);
    expect(configHelp.stdout).toContain('jobwatch config validate');
    const scenario = await jobwatch(['sandbox', '--scenario', 'nope']);
    expect(scenario.code).toBe(2);
    expect(scenario.stderr).toContain('--scenario must be one of demo, test, fleet');
  });

  it('start --help lists every flag and the log level variable is documented', async () => {
    const { code, stdout } = await jobwatch(['start', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--config', '--poll-seconds', '--duration', '--webhook-port'])
      expect(stdout).toContain(flag);
    expect((await jobwatch(['--help'])).stdout).toContain('JOBWATCH_LOG_LEVEL');
  });

  it.each([
    [['start', '--poll-seconds', 'abc'], '--poll-seconds must be a whole number'],
    [['start', '--duration', '0'], '--duration must be a whole number from 1'],
    [['sandbox', '--latency-ms', 'abc'], '--latency-ms must be a whole number'],
    [['remediation', 'history', '--limit', 'abc'], '--limit must be a whole number'],
  ])('%j is a usage error naming the flag', async (args, message) => {
    const { code, stderr } = await jobwatch(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/SerializationException|at .*\.ts:\d+/);
  });

  it('a reader that leaves early (| head -1) is not a crash', async () => {
    const child = spawn(process.execPath, [BIN, 'sandbox', '--duration', '30'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    await new Promise<void>((resolveLine) => child.stdout.once('data', () => resolveLine()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolveExit) => child.on('exit', resolveExit));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });

  it('a busy webhook port says which flag to use', async () => {
    const blocker = createServer();
    await new Promise<void>((ready) => blocker.listen(0, '127.0.0.1', ready));
    const port = (blocker.address() as AddressInfo).port;
    const dir = await mkdtemp(join(tmpdir(), 'jobwatch-cli-port-'));
    await mkdir(join(dir, '.jobwatch'), { recursive: true });
    const file = join(dir, 'jobwatch.yml');
    await writeFile(file, 'channels:\n  - name: oncall\n    type: slack\n    url: env:SLACK_URL\n');
    try {
      const { code, stderr } = await jobwatch(
        ['start', '--config', file, '--webhook-port', String(port), '--duration', '5'],
        {},
        dir,
      );
      expect(stderr).toContain(`port ${port} is already in use`);
      expect(stderr).toContain('--webhook-port');
      expect(code).toBe(2);
    } finally {
      blocker.close();
    }
  });
});

describe('alert test says why a message was not sent', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((_request, response) => {
      response.writeHead(501, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errcode: 310000, errmsg: 'sign not match' }));
    });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const CHANNELS = 'channels:\n  - name: ding\n    type: dingtalk\n    url: env:JW_TEST_DING_URL\n';

  it('an unset env reference is named, and never retried', async () => {
    const { code, stderr } = await jobwatch([
      'alert',
      'test',
      'ding',
      '--config',
      await configFile(CHANNELS),
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('secret reference env:JW_TEST_DING_URL: environment variable is not set');
    expect(stderr).toContain('after 1 attempt');
  });

  it('an HTTP error shows the status and the vendor code and message', async () => {
    const { code, stderr } = await jobwatch(
      ['alert', 'test', 'ding', '--config', await configFile(CHANNELS)],
      {
        JW_TEST_DING_URL: `${base}/robot/send?access_token=not-in-output`,
      },
    );
    expect(code).toBe(1);
    expect(stderr).toContain('HTTP 501 (errcode 310000: sign not match)');
    expect(stderr).not.toContain('not-in-output');
  });

  it('a refused connection and a value that is no URL are told apart, without the value', async () => {
    const refused = await jobwatch(['alert', 'test', 'ding', '--config', await configFile(CHANNELS)], {
      JW_TEST_DING_URL: 'http://127.0.0.1:9/robot/send?access_token=not-in-output',
    });
    expect(refused.stderr).toContain('connection failed (ECONNREFUSED)');
    expect(refused.stderr).not.toMatch(/failed after \d+ attempt/);
    const notUrl = await jobwatch(['alert', 'test', 'ding', '--config', await configFile(CHANNELS)], {
      JW_TEST_DING_URL: 'not-in-output',
    });
    expect(notUrl.stderr).toContain('the webhook URL from env:JW_TEST_DING_URL is not an http(s) URL');
    expect(notUrl.stderr).not.toContain('not-in-output');
  });
});
