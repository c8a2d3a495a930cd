/** `jobwatch silence` and `status` against a config's local store: the CLI twins of the operator API. */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = resolve('bin/jobwatch.mjs');
let dir: string;

async function jobwatch(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jobwatch-silence-'));
  await writeFile(
    join(dir, 'jobwatch.yml'),
    'channels:\n  - name: oncall\n    type: slack\n    url: env:SLACK_URL\n',
  );
});

it('adds, lists, shows in status and expires a silence; bad input names what is wrong', async () => {
  const added = await jobwatch([
    'silence',
    'add',
    '--matcher',
    'job=payments_agg',
    '--matcher',
    'alertname=~job\\..*',
    '--duration',
    '2h',
    '--comment',
    'deploying',
    '--author',
    'alice',
  ]);
  expect(added.code).toBe(0);
  const id = /^silence (\S+) until/.exec(added.stdout)?.[1] as string;
  expect(id).toBeTruthy();
  expect(added.stdout).toContain('(2 h): job="payments_agg", alertname=~"job');

  const listed = await jobwatch(['silence', 'list']);
  expect(listed.stdout).toContain(id);
  expect(listed.stdout).toContain('alice: deploying');
  const status = await jobwatch(['status']);
  expect(status.code).toBe(0);
  expect(status.stdout).toMatch(new RegExp(`SILENCES\\n\\s+${id}\\s+job="payments_agg"`));

  expect((await jobwatch(['silence', 'expire', id])).stdout).toContain(`silence ${id} expired`);
  expect((await jobwatch(['silence', 'list'])).stdout).toContain('no silences in force');
  expect((await jobwatch(['silence', 'list', '--all'])).stdout).toContain(id);

  const missing = await jobwatch(['silence', 'expire', 'nope']);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("no silence with id 'nope'");
  const noEnd = await jobwatch(['silence', 'add', '--matcher', 'job=x', '--comment', 'c']);
  expect(noEnd.code).toBe(2);
  expect(noEnd.stderr).toContain('silence add needs --duration');
  const badDuration = await jobwatch([
    'silence',
    'add',
    '--matcher',
    'job=x',
    '--duration',
    'soon',
    '--comment',
    'c',
  ]);
  expect(badDuration.stderr).toContain("--duration 'soon' must be like 30m");
  const badRegex = await jobwatch([
    'silence',
    'add',
    '--matcher',
    'job=~(',
    '--duration',
    '1h',
    '--comment',
    'c',
  ]);
  expect(badRegex.code).toBe(2);
  expect(badRegex.stderr).toContain('matchers[0].value');
  const everything = await jobwatch([
    'silence',
    'add',
    '--matcher',
    'job=~.*',
    '--duration',
    '1h',
    '--comment',
    'c',
  ]);
  expect(everything.stderr).toContain('would mute everything');
});
