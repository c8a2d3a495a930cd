import { beforeAll, expect, it } from 'vitest';
import { configDir, ONE_SLACK_CHANNEL, runJobwatch } from './helpers.js';

let dir: string;

const jobwatch = (args: string[]) => runJobwatch(args, { cwd: dir });

beforeAll(async () => {
  ({ dir } = await configDir('jobwatch-silence-', ONE_SLACK_CHANNEL));
});

/** `silence add` with one matcher, a duration and a comment. */
const addOne = (matcher: string, duration: string) =>
  jobwatch(['silence', 'add', '--matcher', matcher, '--duration', duration, '--comment', 'c']);

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
  const badDuration = await addOne('job=x', 'soon');
  expect(badDuration.stderr).toContain("--duration 'soon' must be like 30m");
  const badRegex = await addOne('job=~(', '1h');
  expect(badRegex.code).toBe(2);
  expect(badRegex.stderr).toContain('matchers[0].value');
  const everything = await addOne('job=~.*', '1h');
  expect(everything.stderr).toContain('would mute everything');
});
