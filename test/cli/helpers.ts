import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const BIN = resolve('bin/jobwatch.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs bin/jobwatch.mjs as a user would, in `cwd` with `env` over this process's; an exit code is a result. */
export async function runJobwatch(
  args: string[],
  options: { cwd?: string | undefined; env?: NodeJS.ProcessEnv; maxBuffer?: number } = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, ...options.env },
      maxBuffer: options.maxBuffer ?? 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as CliResult;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The smallest valid jobwatch.yml: one Slack channel, its URL an env reference. */
export const ONE_SLACK_CHANNEL = 'channels:\n  - name: oncall\n    type: slack\n    url: env:SLACK_URL\n';

/** A fresh temporary directory holding `jobwatch.yml` with `yaml`; returns the directory and the file. */
export async function configDir(prefix: string, yaml: string): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const file = join(dir, 'jobwatch.yml');
  await writeFile(file, yaml);
  return { dir, file };
}
