import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import type { FleetSpec } from '../lib/sandbox/types.js';

/** Wall time, CPU time and peak RSS of one async stage of this process. */
export async function measure<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; wallMs: number; cpuMs: number; peakRssMb: number }> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const result = await fn();
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: peak / 1024 / 1024 };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * Runs a bench script (`./<name>.ts`) in a fresh node process with `env` added, and parses the JSON object
 * it prints on its last line. `nodeFlags` go before tsx's loader (e.g. `--expose-gc`). With `bundled` (the
 * path bundleBenchScript returned) the script runs as that bundle under plain node, as Lambda runs a handler.
 */
export function runBenchProcess<T>(
  name: string,
  env: Record<string, string>,
  nodeFlags: string[] = [],
  bundled?: string,
): T {
  const sandboxScript = fileURLToPath(new URL('./sandbox-process.ts', import.meta.url));
  const args = bundled
    ? [...nodeFlags, bundled]
    : [...nodeFlags, '--import', 'tsx', fileURLToPath(new URL(`./${name}.ts`, import.meta.url))];
  const output = execFileSync(process.execPath, args, {
    env: { ...process.env, ...env, ...(bundled ? { BENCH_SANDBOX_SCRIPT: sandboxScript } : {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(output.toString().trim().split('\n').at(-1) as string) as T;
}

/**
 * `./<name>.ts` bundled as serverless.yml's `custom.esbuild` bundles a Lambda handler (bundle, minify,
 * node22, ESM with a real `require`, the AWS SDK external, scripts/esbuild-plugins.cjs's zod and undici
 * plugins; no source map, as none ships) into .bench/bundles/ (inside the project, so an external
 * `@aws-sdk/*` resolves from node_modules as Lambda's runtime provides it). Returns the bundle's path.
 */
export async function bundleBenchScript(name: string): Promise<string> {
  const { build } = await import('esbuild');
  const require = createRequire(import.meta.url);
  const [zodEnglishOnly, undiciSlim] = require('../scripts/esbuild-plugins.cjs') as Plugin[];
  const outfile = join(process.cwd(), '.bench', 'bundles', `${name}.mjs`);
  await build({
    entryPoints: [fileURLToPath(new URL(`./${name}.ts`, import.meta.url))],
    outfile,
    bundle: true,
    minify: true,
    target: 'node22',
    platform: 'node',
    format: 'esm',
    external: ['@aws-sdk/*', 'dynalite'],
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __jobwatchCreateRequire } from 'node:module'; const require = __jobwatchCreateRequire(import.meta.url);",
    },
    plugins: [zodEnglishOnly as Plugin, undiciSlim as Plugin],
    logLevel: 'warning',
  });
  return outfile;
}

export interface SandboxChild {
  endpoints: Record<string, string>;
  /** dynalite's endpoint when started with `store: true`. */
  storeEndpoint?: string;
  targets: Record<string, unknown>[];
  counts(): Promise<Record<string, Record<string, number>>>;
  /** CPU the sandbox process spent since the last reset: when it nears wall time, the sandbox is the bottleneck. */
  cpuMs(): Promise<number>;
  reset(): Promise<void>;
  /**
   * The sandbox's time, which jobwatch's polls must use: the wall clock plus what `advanceClock` added
   * (the child's simulated clock runs at wall speed from the same machine clock, so both agree).
   */
  now(): number;
  /** Moves the sandbox's clock (and `now`) forward, as if that much time passed between two polls. */
  advanceClock(ms: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the sandbox fleet in a child process (see sandbox-process.ts). */
export function startSandboxChild(
  fleet: FleetSpec,
  latencyMs: number,
  options: { store?: boolean } = {},
): Promise<SandboxChild> {
  // A bundled point (runBenchProcess with `bundled`) is not beside the sources: it is told where the script is.
  const script =
    process.env.BENCH_SANDBOX_SCRIPT ?? fileURLToPath(new URL('./sandbox-process.ts', import.meta.url));
  const child: ChildProcess = fork(script, [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      BENCH_FLEET: JSON.stringify(fleet),
      BENCH_LATENCY_MS: String(latencyMs),
      BENCH_STORE: options.store ? '1' : '0',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 0;
  let advancedMs = 0;
  const ask = <T>(
    type: string,
    pick: (m: Record<string, unknown>) => T,
    extra: Record<string, unknown> = {},
  ) =>
    new Promise<T>((resolve) => {
      const id = ++nextId;
      const onMessage = (m: Record<string, unknown>) => {
        if (m.type === type && m.id === id) {
          child.off('message', onMessage);
          resolve(pick(m));
        }
      };
      child.on('message', onMessage);
      child.send({ ...extra, type, id });
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sandbox process exited with ${code}`)));
    child.once(
      'message',
      (m: {
        type: string;
        endpoints: Record<string, string>;
        targets: Record<string, unknown>[];
        storeEndpoint?: string;
      }) => {
        if (m.type !== 'ready') return reject(new Error('unexpected message from sandbox process'));
        child.removeAllListeners('exit');
        resolve({
          endpoints: m.endpoints,
          targets: m.targets,
          ...(m.storeEndpoint ? { storeEndpoint: m.storeEndpoint } : {}),
          counts: () => ask('counts', (msg) => msg.counts as Record<string, Record<string, number>>),
          cpuMs: () => ask('counts', (msg) => msg.cpuMs as number),
          reset: () => ask('reset', () => undefined),
          now: () => Date.now() + advancedMs,
          advanceClock: async (ms) => {
            await ask('advance', () => undefined, { ms });
            advancedMs += ms;
          },
          stop: () =>
            new Promise<void>((done) => {
              child.once('exit', () => done());
              child.send({ type: 'stop' });
            }),
        });
      },
    );
  });
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]) =>
    `| ${r.map((c, i) => String(c).padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    line(cells[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** Median of a list (the lower middle for an even count); 0 for an empty one. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}
