import { describe, expect, it } from 'vitest';
import { ConfigError, createSecretResolver, parseConfig, parseConfigText } from '../../lib/config/index.js';
import { configProblems, targetInput } from '../support/config.js';

const blinkTarget = {
  id: 'blink-prod',
  provider: 'alibaba-blink',
  region: 'cn-hangzhou',
  credentials: { accessKeyId: 'env:ALI_AK', secretAccessKey: 'ssm:/jobwatch/ali/sk' },
  options: { projects: ['realtime'] },
};

const problems = (input: unknown) => configProblems(input);

describe('config', () => {
  it('applies defaults to a minimal target', () => {
    const config = parseConfig({ targets: [blinkTarget] });
    const target = config.targets[0]!;
    expect(target.jobs).toEqual({ include: ['*'], exclude: [] });
    expect(config.defaults.pollIntervalSeconds).toBe(60);
    expect(config.state.tableName).toBe('jobwatch');
    expect(
      target.provider === 'alibaba-blink' && (target.options as { jobTypes: string[] }).jobTypes,
    ).toEqual(['FLINK_STREAM', 'FLINK_BATCH']);
  });

  it('names the exact path of a wrong type deep inside', () => {
    const bad = { targets: [blinkTarget, { ...blinkTarget, id: 'b2', options: { projects: ['a', 7] } }] };
    expect(problems(bad)).toEqual([
      'targets[1].options.projects[1]: Invalid input: expected string, received number',
    ]);
  });

  it('refuses a secret written in the file', () => {
    const bad = {
      targets: [
        { ...blinkTarget, credentials: { accessKeyId: 'LTAI5tAbcdefghijklmn', secretAccessKey: 'env:SK' } },
      ],
    };
    const [problem] = problems(bad);
    expect(problem).toMatch(/^targets\[0\]\.credentials\.accessKeyId: must be a secret reference/);
  });

  it('requires an endpoint for a region the provider does not know', () => {
    expect(problems({ targets: [{ ...blinkTarget, region: 'mars-1' }] })).toEqual([
      "targets[0].region: unknown alibaba-blink region 'mars-1': set `endpoint` explicitly",
    ]);
    expect(
      problems({ targets: [{ ...blinkTarget, region: 'mars-1', endpoint: 'http://127.0.0.1:9' }] }),
    ).toEqual([]);
  });

  it('requires credentials and reports every problem at once', () => {
    const { credentials: _omitted, ...noCredentials } = blinkTarget;
    const found = problems({ targets: [noCredentials, { ...blinkTarget, bogus: 1 }] });
    expect(found).toContain('targets[0].credentials: Invalid input: expected object, received undefined');
    expect(found.some((p) => p.startsWith('targets[1]: Unrecognized key'))).toBe(true);
  });

  it('refuses two targets with one id', () => {
    expect(problems({ targets: [blinkTarget, blinkTarget] })).toEqual([
      "targets[1].id: duplicate target id 'blink-prod'",
    ]);
  });

  it('checks the provider-specific options of each branch', () => {
    const dli = targetInput('dli', 'huawei-dli', 'cn-north-4', { projectId: 'not-a-project' });
    expect(problems({ targets: [dli] })).toEqual([
      'targets[0].options.projectId: must be the 32-character project id of the region',
    ]);
  });

  it('parses YAML and reports YAML syntax errors', () => {
    const config = parseConfigText(
      'targets:\n  - id: blink-prod\n    provider: alibaba-blink\n    region: cn-shanghai\n    credentials: {accessKeyId: env:A, secretAccessKey: env:B}\n    options: {projects: [p]}\n',
    );
    expect(config.targets).toHaveLength(1);
    expect(() => parseConfigText('targets: [\n')).toThrow(ConfigError);
  });
});

describe('secret references', () => {
  it('resolves env: references and never echoes a value in errors', async () => {
    const resolve = createSecretResolver({ env: { AK: 'value-123' } });
    await expect(resolve('env:AK')).resolves.toBe('value-123');
    await expect(resolve('env:MISSING')).rejects.toThrow('environment variable is not set');
    await expect(resolve('vault:x')).rejects.not.toThrow(/value-123/);
  });
});

describe('alerting references', () => {
  it('rejects a route whose receiver no channel defines, naming the route', () => {
    const found = problems({
      channels: [{ name: 'oncall', type: 'slack', url: 'env:SLACK_URL' }],
      route: { receiver: 'oncall', routes: [{ receiver: 'ghost', types: ['job.failed'] }] },
    });
    expect(found).toEqual(["route.routes[0].receiver: no channel named 'ghost' (channels: oncall)"]);
  });
});
