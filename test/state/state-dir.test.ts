import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalStore } from '../../lib/state/local.js';
import { StateDirError } from '../../lib/state/local-dir.js';

const now = () => Date.UTC(2026, 10, 23, 10);
const run = promisify(execFile);
const BIN = resolve('bin/jobwatch.mjs');

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'jobwatch-statedir-'));
});
afterEach(async () => rm(root, { recursive: true, force: true }));

/** A state directory holding `count` items, written and closed cleanly. */
async function populated(dir: string, count = 5) {
  const local = await createLocalStore({ dir, now });
  for (let i = 0; i < count; i++) await local.store.put({ pk: 'detect#t1', sk: `job-${i}`, data: { i } });
  await local.stop();
}

/** Opening `dir` fails with a StateDirError of this kind, says what to do, and is quick (never a 30 s wait). */
async function expectRefused(dir: string, problem: StateDirError['problem'], detail: RegExp) {
  const startedMs = performance.now();
  const error = await createLocalStore({ dir, now }).then(
    async (local) => {
      await local.stop();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StateDirError);
  const refused = error as StateDirError;
  expect(refused.problem).toBe(problem);
  expect(refused.message).toContain(dir);
  expect(refused.message).toMatch(detail);
  expect(refused.message).toContain('What to do:');
  expect(refused.message).toContain('Starting with empty state means');
  expect(performance.now() - startedMs).toBeLessThan(10_000);
  return refused;
}

describe('the local state directory at start', () => {
  it('reopens a healthy directory with its items', async () => {
    const dir = join(root, 'dynamodb');
    await populated(dir, 3);
    const local = await createLocalStore({ dir, now });
    try {
      expect(await local.store.query('detect#t1')).toHaveLength(3);
      expect(await local.check()).toBeUndefined();
    } finally {
      await local.stop();
    }
  });

  it('refuses a file where the directory should be (was EEXIST)', async () => {
    const dir = join(root, 'dynamodb');
    await writeFile(dir, 'not a directory');
    await expectRefused(dir, 'not-a-directory', /a file is where the state directory should be/);
  });

  it('refuses a directory whose parent is a file', async () => {
    await writeFile(join(root, '.jobwatch'), 'not a directory');
    await expectRefused(join(root, '.jobwatch', 'dynamodb'), 'not-a-directory', /parent .* is a file/);
  });

  it('reports a corrupt CURRENT file instead of crashing with "Database is closed"', async () => {
    const dir = join(root, 'dynamodb');
    await populated(dir);
    await writeFile(join(dir, 'CURRENT'), 'garbage');
    await expectRefused(dir, 'corrupt', /Corruption: CURRENT/);
  });

  it('reports a missing MANIFEST', async () => {
    const dir = join(root, 'dynamodb');
    await populated(dir);
    for (const file of await readdir(dir)) if (file.startsWith('MANIFEST-')) await unlink(join(dir, file));
    await expectRefused(dir, 'corrupt', /MANIFEST/);
  });

  it('reports a missing CURRENT and leaves the data files alone (LevelDB would start a new database)', async () => {
    const dir = join(root, 'dynamodb');
    await populated(dir);
    await unlink(join(dir, 'CURRENT'));
    const before = (await readdir(dir)).sort();
    await expectRefused(dir, 'corrupt', /CURRENT file is missing/);
    expect((await readdir(dir)).sort()).toEqual(before);
  });

  it('reports a log cut short at once (was a 30 s wait for a table stuck in CREATING)', async () => {
    const dir = join(root, 'dynamodb');
    await populated(dir);
    // Cut the log where dynalite recorded the table ACTIVE: the record of its creation survives alone.
    const log = (await readdir(dir)).find((f) => /^\d+\.log$/.test(f)) as string;
    const bytes = await readFile(join(dir, log));
    const at = bytes.indexOf('"ACTIVE"');
    expect(at).toBeGreaterThan(0);
    await truncate(join(dir, log), at);
    await expectRefused(dir, 'incomplete', /recorded as CREATING/);
  });

  it('refuses a directory another process holds, naming the lock', async () => {
    const dir = join(root, 'dynamodb');
    const first = await createLocalStore({ dir, now });
    try {
      await expectRefused(dir, 'locked', /one jobwatch process at a time/);
    } finally {
      await first.stop();
    }
  });
});

describe('the local state directory while running', () => {
  it('notices the directory deleted, and still stops promptly', async () => {
    const dir = join(root, 'dynamodb');
    const local = await createLocalStore({ dir, now });
    await local.store.put({ pk: 'p', sk: 's', data: 1 });
    await rm(dir, { recursive: true, force: true });
    const problem = await local.check();
    expect(problem?.problem).toBe('deleted');
    expect(problem?.message).toMatch(/deleted while jobwatch was running/);
    const startedMs = performance.now();
    await local.stop();
    expect(performance.now() - startedMs).toBeLessThan(10_000);
  });

  it('notices the directory replaced by another one', async () => {
    const dir = join(root, 'dynamodb');
    const local = await createLocalStore({ dir, now });
    try {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      expect((await local.check())?.problem).toBe('replaced');
    } finally {
      await local.stop();
    }
  });

  it('in memory there is nothing to lose track of', async () => {
    const local = await createLocalStore({ now });
    try {
      expect(await local.check()).toBeUndefined();
    } finally {
      await local.stop();
    }
  });
});

describe('jobwatch start and the state directory (spawned)', () => {
  async function jobwatch(cwd: string, args: string[], whileRunning?: () => Promise<void>) {
    const child = run(process.execPath, [BIN, ...args], {
      cwd,
      env: {
        ...process.env,
        JOBWATCH_LOG_LEVEL: 'warn',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );
    await whileRunning?.();
    return child;
  }

  it('exits 1 with what is wrong and what to do on a corrupt CURRENT', async () => {
    await writeFile(join(root, 'jobwatch.yml'), 'targets: []\n');
    const dir = join(root, '.jobwatch', 'dynamodb');
    await populated(dir);
    await writeFile(join(dir, 'CURRENT'), 'garbage');
    const { code, stderr } = await jobwatch(root, ['start', '--webhook-port', '0', '--duration', '30']);
    expect(code).toBe(1);
    expect(stderr).toContain(`jobwatch: state directory ${dir}: LevelDB cannot open it (Corruption`);
    expect(stderr).toContain('What to do: stop every jobwatch using it, move it aside');
    expect(stderr).not.toContain('Database is closed');
  }, 60_000);

  it('stops polling and exits 1 when the state directory is deleted while running', async () => {
    await writeFile(join(root, 'jobwatch.yml'), 'targets: []\n');
    const dir = join(root, '.jobwatch', 'dynamodb');
    const startedMs = performance.now();
    const { code, stderr, stdout } = await jobwatch(
      root,
      ['start', '--webhook-port', '0', '--duration', '120'],
      async () => {
        // Delete once it serves the directory: it names itself in the file next to it once the store is
        // open (LevelDB's CURRENT appears earlier, while opening, and a fixed wait after it was a guess).
        while (!existsSync(`${dir}.server.json`)) await new Promise((r) => setTimeout(r, 100));
        await rm(join(root, '.jobwatch'), { recursive: true, force: true });
      },
    );
    expect(stdout).toContain('state in embedded dynalite');
    expect(code).toBe(1);
    expect(stderr).toContain(
      `jobwatch: stopped: state directory ${dir}: it was deleted while jobwatch was running`,
    );
    expect(stderr).toContain('Starting with empty state means');
    // Well before --duration: the check runs every 5 s.
    expect(performance.now() - startedMs).toBeLessThan(60_000);
  }, 120_000);
});
