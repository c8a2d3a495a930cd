/** `jobwatch doctor`: one line per check, each verdict naming the reference, the vendor code or why. */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ALL_EMULATORS } from '../../lib/providers/emulators.js';
import { type ChatSink, startChatSink } from '../../lib/sandbox/chat-sink.js';
import { createSimClock } from '../../lib/sandbox/clock.js';
import { type Sandbox, startSandbox } from '../../lib/sandbox/server.js';
import { SANDBOX_ENV } from '../../lib/sandbox/types.js';

const run = promisify(execFile);
const BIN = resolve('bin/jobwatch.mjs');
let sandbox: Sandbox;
let sink: ChatSink;

beforeAll(async () => {
  sandbox = await startSandbox({
    plugins: ALL_EMULATORS,
    scenario: 'demo',
    clock: createSimClock({ speed: 0 }),
  });
  sink = await startChatSink({});
});
afterAll(async () => {
  await sandbox?.stop();
  await sink?.stop();
});

async function doctor(config: Record<string, unknown>, args: string[] = []) {
  const dir = await mkdtemp(join(tmpdir(), 'jobwatch-doctor-'));
  const file = join(dir, 'jobwatch.yml');
  await writeFile(file, stringify(config));
  try {
    const { stdout } = await run(process.execPath, [BIN, 'doctor', '--config', file, ...args], {
      cwd: dir,
      env: {
        ...process.env,
        ...SANDBOX_ENV,
        JW_DOCTOR_SLACK: sink.endpoints.slack,
        JW_WRONG_SK: 'not-the-secret',
      },
    });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

it('passes a working config, sending to chat only with --send-test', async () => {
  const config = {
    targets: sandbox.targets(),
    channels: [{ name: 'oncall', type: 'slack', url: 'env:JW_DOCTOR_SLACK' }],
  };
  const quiet = await doctor(config);
  expect(quiet.code).toBe(0);
  for (const target of sandbox.targets())
    expect(quiet.stdout).toMatch(new RegExp(`^ok\\s+target ${target.id}\\s+\\d+ jobs`, 'm'));
  expect(quiet.stdout).toMatch(/^skipped\s+channel oncall\s+no message sent/m);
  expect(quiet.stdout).toMatch(/all \d+ checks passed/);
  const before = sink.messages.length;
  const sent = await doctor(config, ['--send-test']);
  expect(sent.stdout).toMatch(/^ok\s+channel oncall\s+test message sent/m);
  expect(sink.messages.length).toBe(before + 1);
});

it('names the unresolved reference, the vendor auth code and why a target is unreachable', async () => {
  const [first] = sandbox.targets() as Record<string, unknown>[];
  const { code, stdout } = await doctor({
    targets: [
      {
        ...first,
        id: 'unset-secret',
        credentials: { accessKeyId: 'env:JW_DOCTOR_UNSET', secretAccessKey: 'env:JW_DOCTOR_UNSET' },
      },
      {
        ...first,
        id: 'wrong-secret',
        credentials: { accessKeyId: 'env:JOBWATCH_SANDBOX_AK', secretAccessKey: 'env:JW_WRONG_SK' },
      },
      { ...first, id: 'nobody-home', endpoint: 'http://127.0.0.1:9' },
    ],
  });
  expect(stdout).toMatch(
    /^misconfigured\s+secret env:JW_DOCTOR_UNSET\s+targets\[0\]\.credentials\.accessKeyId: .*environment variable is not set/m,
  );
  expect(stdout).toMatch(/^misconfigured\s+target unset-secret\s+secret reference env:JW_DOCTOR_UNSET/m);
  expect(stdout).toMatch(
    /^auth error\s+target wrong-secret\s+authentication refused \(HTTP 4\d\d SignatureDoesNotMatch\)/m,
  );
  expect(stdout).toMatch(/^unreachable\s+target nobody-home\s+connection refused/m);
  expect(stdout).not.toContain('not-the-secret');
  expect(code).toBe(2);
});
