import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../lib/events/index.js';
import { configDir, runJobwatch } from './helpers.js';

const jobwatch = (args: string[], cwd?: string) =>
  runJobwatch(args, { cwd, env: { JOBWATCH_LOG_LEVEL: 'warn' } });

describe('jobwatch CLI', () => {
  it('prints help and exits 0', async () => {
    const { code, stdout } = await jobwatch(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('poll --once');
  });

  it('exits 2 on an unknown command', async () => {
    const { code, stderr } = await jobwatch(['explode']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'explode'");
  });

  it('config validate names the exact path of a wrong type deep inside and exits non-zero', async () => {
    const { file } = await configDir(
      'jobwatch-cli-',
      [
        'targets:',
        '  - id: dli-prod',
        '    provider: huawei-dli',
        '    region: cn-north-4',
        '    credentials: { accessKeyId: env:HW_AK, secretAccessKey: env:HW_SK }',
        '    options:',
        '      projectId: 0123456789abcdef0123456789abcdef',
        '      recentWindowSeconds: "an hour"',
      ].join('\n'),
    );
    const { code, stderr } = await jobwatch(['config', 'validate', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'targets[0].options.recentWindowSeconds: Invalid input: expected number, received string',
    );
  });

  it('config validate accepts a valid file', async () => {
    const { file } = await configDir(
      'jobwatch-cli-',
      'targets:\n  - id: blink\n    provider: alibaba-blink\n    region: cn-shanghai\n    credentials: { accessKeyId: env:A, secretAccessKey: env:B }\n    options: { projects: [realtime] }\n',
    );
    const { code, stdout } = await jobwatch(['config', 'validate', file]);
    expect(code).toBe(0);
    expect(stdout).toContain('valid (1 targets');
  });

  it('poll --once --json prints only CloudEvents, with fingerprints identical across two runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jobwatch-cli-'));
    const first = await jobwatch(['poll', '--once', '--json'], dir);
    const second = await jobwatch(['poll', '--once', '--json'], dir);
    expect([0, 3]).toContain(first.code);
    const parse = (stdout: string) =>
      stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => parseEvent(JSON.parse(line)));
    const a = parse(first.stdout);
    const b = parse(second.stdout);
    expect(a.length).toBeGreaterThan(0);
    const key = (e: ReturnType<typeof parseEvent>) => `${e.data.type}/${e.data.status}/${e.data.fingerprint}`;
    expect(b.map(key).sort()).toEqual(a.map(key).sort());
    const providers = new Set(a.map((e) => e.data.provider));
    // Issue 21 adds the fourth provider to the demo: its failed job and its crash loop show at once.
    expect(providers).toEqual(new Set(['alibaba-blink', 'alibaba-flink', 'huawei-dli', 'huawei-mrs']));
    const flink = a
      .filter((e) => e.data.provider === 'alibaba-flink' && e.data.status === 'firing')
      .map((e) => `${e.data.type} ${e.data.resource.name}`);
    expect(flink).toEqual(
      expect.arrayContaining(['job.failed fraud_rules', 'failover.burst clickstream_sessions']),
    );
  });
});
