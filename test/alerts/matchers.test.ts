import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INHIBIT_RULES } from '../../lib/alerts/config.js';
import { type Matcher, matcherSchema, matchesOne } from '../../lib/alerts/matchers.js';
import { type Silence, silencedBy, silenceInputSchema } from '../../lib/alerts/silences.js';
import { configDir, runJobwatch } from '../cli/helpers.js';

const run = promisify(execFile);

describe('regex matchers', () => {
  it('match the whole label value in RE2 syntax, as Alertmanager does', () => {
    const re = (value: string, op: Matcher['op'] = '=~'): Matcher => ({ name: 'job', op, value });
    expect(matchesOne(re('etl-.*'), { job: 'etl-nightly' })).toBe(true);
    expect(matchesOne(re('etl'), { job: 'etl-nightly' })).toBe(false);
    expect(matchesOne(re('etl', '!~'), { job: 'etl-nightly' })).toBe(true);
    expect(matchesOne(re('(?i)ETL-[[:digit:]]+'), { job: 'etl-42' })).toBe(true);
    expect(matchesOne(re('(a+)+$'), { job: 'aaaa' })).toBe(true);
    expect(matchesOne(re('(a+)+$'), { job: 'aaab' })).toBe(false);
    const [rule] = DEFAULT_INHIBIT_RULES;
    expect(matchesOne(rule!.sourceMatchers[0]!, { alertname: 'queue.unhealthy' })).toBe(true);
    expect(matchesOne(rule!.sourceMatchers[0]!, { alertname: 'queueXunhealthy' })).toBe(false);
  });

  it.each([
    [
      'cluster\\.unhealthy|queue\\.unhealthy',
      ['cluster.unhealthy', 'queue.unhealthy', 'clusterXunhealthy', 'cluster', ''],
    ],
    ['a-b_c|', ['a-b_c', '', 'a-b_cd', 'A-B_C']],
    ['job\\.failed', ['job.failed', 'job.faile', 'jobXfailed', 'job.failed ']],
    ['x', ['x', 'xx', '']],
  ])('match a pattern of literal alternatives %s as RE2 does, for =~ and !~', (pattern, values) => {
    for (const value of values) {
      const re2 = RE2JS.compile(pattern).matches(value);
      expect(matchesOne({ name: 'alertname', op: '=~', value: pattern }, { alertname: value })).toBe(re2);
      expect(matchesOne({ name: 'alertname', op: '!~', value: pattern }, { alertname: value })).toBe(!re2);
    }
  });

  it('refuse an invalid or non-RE2 pattern as input, naming the field, instead of throwing', () => {
    for (const value of ['(etl', 'a{1001}', '(?=a)a', '\\1(a)', 'x'.repeat(1025)]) {
      const parsed = silenceInputSchema.safeParse({
        matchers: [{ name: 'job', op: '=~', value }],
        endsAt: 4_000_000_000_000,
        createdBy: 'ana',
        comment: 'test',
      });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message.split("'")[0]])).toEqual([
        ['matchers.0.value', 'invalid regular expression '],
      ]);
    }
    expect(matcherSchema.safeParse('job!~"[z-a]"').error?.issues[0]?.message).toContain(
      'invalid character class range',
    );
  });

  it('treat a stored silence whose pattern does not compile as muting nothing, for =~ and !~', () => {
    const broken = (op: Matcher['op']): Silence => ({
      id: `s${op}`,
      matchers: [{ name: 'job', op, value: '(unclosed' }],
      startsAtMs: 0,
      endsAtMs: 2,
      createdBy: 'ana',
      comment: 'stored before patterns were checked',
      createdAtMs: 0,
    });
    expect(silencedBy([broken('=~'), broken('!~')], { job: 'orders' }, 1)).toEqual([]);
  });

  it('match a catastrophic-backtracking pattern in linear time (a backtracking engine would need years)', async () => {
    // 2^100000 paths for a backtracking engine; RE2 reads the 100,001 characters once. The child process
    // bounds the wait, since a synchronous regex cannot be interrupted from the test's own thread.
    const script = `
      const { matchesOne } = await import(${JSON.stringify(resolve('lib/alerts/matchers.ts'))});
      const m = { name: 'job', op: '=~', value: '(a+)+$' };
      const long = 'a'.repeat(100000);
      process.stdout.write(JSON.stringify([matchesOne(m, { job: long + '!' }), matchesOne(m, { job: long })]));
    `;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expect(JSON.parse(stdout)).toEqual([false, true]);
  });
});

describe('config validate with a bad matcher regex', () => {
  it('exits 2 naming the field path, without a stack trace', async () => {
    const { file } = await configDir(
      'jobwatch-regex-',
      [
        'targets:',
        '  - id: blink',
        '    provider: alibaba-blink',
        '    region: cn-shanghai',
        '    credentials: { accessKeyId: env:A, secretAccessKey: env:B }',
        '    options: { projects: [realtime] }',
        'silences:',
        '  - matchers: [\'job=~"(etl"\']',
        "    endsAt: '2099-01-01T00:00:00Z'",
        '    createdBy: ana',
        '    comment: backfill',
        'route:',
        '  routes:',
        '    - matchers: [{ name: team, op: "=~", value: "data[" }]',
      ].join('\n'),
    );
    const result = await runJobwatch(['config', 'validate', file], { env: { JOBWATCH_LOG_LEVEL: 'warn' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("silences[0].matchers[0].value: invalid regular expression '(etl'");
    expect(result.stderr).toContain("route.routes[0].matchers[0].value: invalid regular expression 'data['");
    expect(result.stderr).not.toMatch(/SyntaxError|at .*\.ts:\d+/);
  });
});
