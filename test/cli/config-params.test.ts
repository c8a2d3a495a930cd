/**
 * `jobwatch config validate` refuses remediation params the provider's action would reject, naming the
 * field and the params it takes (before: valid, and DLI refused `savepoint` only when acting). Real process.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = resolve('bin/jobwatch.mjs');

async function validate(text: string) {
  const dir = await mkdtemp(join(tmpdir(), 'jobwatch-cli-params-'));
  const file = join(dir, 'jobwatch.yml');
  await writeFile(file, text);
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'config', 'validate', file], {
      env: { ...process.env, JOBWATCH_LOG_LEVEL: 'warn' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const config = (params: string) =>
  [
    'targets:',
    '  - id: dli-prod',
    '    provider: huawei-dli',
    '    region: cn-north-4',
    '    credentials: { accessKeyId: env:AK, secretAccessKey: env:SK }',
    '    options: { projectId: 0123456789abcdef0123456789abcdef }',
    'remediation:',
    '  policies:',
    '    - name: restart-failed',
    '      match: { types: [job.failed] }',
    `      action: { type: restart, params: ${params} }`,
  ].join('\n');

describe('config validate checks remediation action params per provider and action', () => {
  it('a param the provider does not take is exit 2 with its path and the params allowed', async () => {
    const { code, stderr } = await validate(config('{ savepoint: true }'));
    expect(code).toBe(2);
    expect(stderr).toContain(
      "remediation.policies[0].action.params.savepoint: 'savepoint' is not a param of huawei-dli restart, which accepts withSavepoint, fromSavepoint",
    );
  });

  it("the provider's own param is valid", async () => {
    const { code, stdout } = await validate(config('{ fromSavepoint: true }'));
    expect(code).toBe(0);
    expect(stdout).toContain('valid (1 targets, 0 channels, 1 remediation policies)');
  });
});
