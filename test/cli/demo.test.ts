import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm start with no config (the demo)', () => {
  // The newcomer's first minute: a failure, its alert in the chat sink, and a remediation decision.
  it('prints firing events, what the chat sink received, a remediation and a recovery within a minute', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'jobwatch-demo-'));
    const { stdout } = await run(
      process.execPath,
      [resolve('bin/jobwatch.mjs'), 'start', '--duration', '60'],
      {
        cwd,
        env: { ...process.env, JOBWATCH_LOG_LEVEL: 'warn' },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    expect(stdout).toContain('no jobwatch.yml found');
    expect(stdout).toMatch(/FIRING\s+critical\s+job\.failed/);
    expect(stdout).toMatch(/chat ▸ \[slack\] \[FIRING:\d+\]/);
    expect(stdout).toMatch(/chat ▸ \[feishu\] \[FIRING:\d+\] remediation\.performed/);
    expect(stdout).toContain('dry run: would');
    expect(stdout).toMatch(/RESOLVED\s+critical\s+job\.failed\s+alibaba-blink-sandbox payments_agg/);
    expect(stdout).toMatch(/chat ▸ \[slack\] \[RESOLVED:\d+\]/);
  }, 120_000);
});
