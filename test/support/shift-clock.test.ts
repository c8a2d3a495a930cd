import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PRELOAD = './test/support/shift-clock.mjs';
const DAY_MS = 86_400_000;
/** The real wall clock, which the preload leaves alone: the time origin plus the monotonic clock. */
const realNowMs = () => performance.timeOrigin + performance.now();

/** What a child process sees of the clock; it also asks a grandchild started from another directory. */
const PROBE = `
const { execFileSync } = require('node:child_process');
const realNowMs = performance.timeOrigin + performance.now();
const grandchild = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(Date.now()))'], { cwd: require('node:os').tmpdir() }));
class Later extends Date {}
console.log(JSON.stringify({
  realNowMs,
  nowMs: Date.now(),
  newDateMs: new Date().getTime(),
  dateString: Date(),
  fixedMs: new Date(0).getTime(),
  parsedMs: Date.parse('2026-11-23T10:00:00Z'),
  utcMs: Date.UTC(2026, 10, 23, 10),
  isDate: new Date() instanceof Date && new Later() instanceof Later && new Later() instanceof Date,
  grandchild,
}));
`;

async function probe(env: NodeJS.ProcessEnv) {
  const { stdout } = await run(process.execPath, ['-e', PROBE], { cwd: resolve('.'), env });
  return JSON.parse(stdout) as Record<string, number | string | boolean>;
}

describe('the shifted-clock preload (npm run test:shifted)', () => {
  it('moves "now" by 400 days in the process and in processes it spawns elsewhere, and nothing else', async () => {
    const seen = await probe({ ...process.env, NODE_OPTIONS: `--import ${PRELOAD}` });
    const shift = 400 * DAY_MS;
    const real = seen.realNowMs as number;
    for (const key of ['nowMs', 'newDateMs', 'grandchild'])
      expect(Math.abs((seen[key] as number) - real - shift), key).toBeLessThan(60_000);
    expect(Date.parse(seen.dateString as string) - real).toBeGreaterThan(shift - 60_000);
    expect(seen.fixedMs).toBe(0);
    expect(seen.parsedMs).toBe(Date.UTC(2026, 10, 23, 10));
    expect(seen.utcMs).toBe(Date.UTC(2026, 10, 23, 10));
    expect(seen.isDate).toBe(true);
  });

  it('takes its shift from JOBWATCH_CLOCK_SHIFT_DAYS', async () => {
    const seen = await probe({
      ...process.env,
      NODE_OPTIONS: `--import ${PRELOAD}`,
      JOBWATCH_CLOCK_SHIFT_DAYS: '-30',
    });
    expect(Math.abs((seen.nowMs as number) - (seen.realNowMs as number) + 30 * DAY_MS)).toBeLessThan(60_000);
  });

  // The proof that `npm run test:shifted` really ran the suite in the future: vitest's forked worker (this
  // process) carries the preload too. Skipped in the plain run, where the clock is not shifted.
  it.runIf(process.env.NODE_OPTIONS?.includes('shift-clock.mjs'))(
    'is active in this vitest worker when the suite runs shifted',
    () => {
      const shiftMs = Number(process.env.JOBWATCH_CLOCK_SHIFT_DAYS ?? 400) * DAY_MS;
      expect(Math.abs(Date.now() - realNowMs() - shiftMs)).toBeLessThan(60_000);
      expect(Math.abs(Date.parse(new Date().toISOString()) - realNowMs() - shiftMs)).toBeLessThan(60_000);
    },
  );
});
