import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
 * it prints on its last line. `nodeFlags` go before tsx's loader (e.g. `--expose-gc`).
 */
export function runBenchProcess<T>(name: string, env: Record<string, string>, nodeFlags: string[] = []): T {
  const output = execFileSync(
    process.execPath,
    [...nodeFlags, '--import', 'tsx', fileURLToPath(new URL(`./${name}.ts`, import.meta.url))],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  return JSON.parse(output.toString().trim().split('\n').at(-1) as string) as T;
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
  const child: ChildProcess = fork(fileURLToPath(new URL('./sandbox-process.ts', import.meta.url)), [], {
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
