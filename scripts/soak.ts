/**
 * `npm run soak -- [--cycles N] [--state dir|memory] [--fault-every K] [--max-heap-growth-mb M]`
 *
 * Runs the local runtime (the scheduler of `jobwatch start`, the in-process bus, notifier, remediator, the
 * embedded DynamoDB) against the vendor emulators and the chat sink for N poll cycles of every target,
 * injecting a vendor fault every K cycles and a chat failure every 5K, on a simulated clock that moves one
 * poll interval per cycle. At the end it prints heap and RSS growth after forced GC (from a baseline taken
 * after warm-up), the handles still open once everything is stopped, and every unexpected error.
 * Exits 1 when heap growth exceeds --max-heap-growth-mb (default 5) or anything unexpected failed.
 *
 * The emulators run in a child process (scripts/soak-sandbox.ts) so the heap figures are jobwatch's alone.
 * A script, not a test: its figures depend on the machine. Needs `node --expose-gc` (the npm script sets it).
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_SINK_SECRETS, demoConfig, demoEnv } from '../lib/cli/demo-config.js';
import { parseConfig } from '../lib/config/load.js';
import { createSecretResolver } from '../lib/config/secrets.js';
import { startLocalRuntime } from '../lib/local/runtime.js';
import type { ProviderId } from '../lib/model/snapshot.js';
import type { Logger } from '../lib/observability/logger.js';
import { PROVIDERS_BY_ID } from '../lib/providers/registry.js';
import type { PollReport } from '../lib/runtime/pipeline.js';
import { createLocalPipeline } from '../lib/runtime/services.js';
import { type ChatChannel, startChatSink } from '../lib/sandbox/chat-sink.js';
import { createSimClock } from '../lib/sandbox/clock.js';
import type { Fault } from '../lib/sandbox/faults.js';
import { SANDBOX_ENV } from '../lib/sandbox/types.js';
import { createLocalStore } from '../lib/state/local.js';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '2000' },
    state: { type: 'string', default: 'dir' },
    'fault-every': { type: 'string', default: '10' },
    'max-heap-growth-mb': { type: 'string', default: '5' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(
    `${(await import('node:fs')).readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]}*/\n`,
  );
  process.exit(0);
}
const CYCLES = positiveInt('cycles', values.cycles);
const FAULT_EVERY = positiveInt('fault-every', values['fault-every']);
const MAX_GROWTH_MB = Number(values['max-heap-growth-mb']);
if (values.state !== 'dir' && values.state !== 'memory') fail(`--state must be dir or memory`);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) fail('run with node --expose-gc (npm run soak does)');
/** Simulated time per cycle: the default poll interval, so group waits, repeats and cooldowns all come due. */
const CYCLE_SIM_MS = 60_000;
const WARMUP_CYCLES = Math.min(200, Math.floor(CYCLES / 10));
const SAMPLES = 10;

/** Vendor faults in rotation: each hits the next four requests of one provider. */
const FAULTS: Omit<Fault, 'provider'>[] = [
  { kind: 'status', status: 500 },
  { kind: 'status', status: 503 },
  { kind: 'status', status: 429, retryAfterSeconds: 1 },
  { kind: 'status', status: 429 },
  { kind: 'timeout', ms: 300 },
  { kind: 'reset' },
  { kind: 'malformed', body: '<html>gateway error' },
  { kind: 'drift', body: { unexpected: true } },
  { kind: 'empty' },
  { kind: 'truncate' },
  { kind: 'latency', ms: 150 },
];
const CHAT_CHANNELS: ChatChannel[] = ['slack', 'dingtalk', 'feishu', 'wecom', 'webhook'];

const unexpected: string[] = [];
process.on('unhandledRejection', (reason) => unexpected.push(`unhandledRejection: ${String(reason)}`));
process.on('uncaughtException', (error) => unexpected.push(`uncaughtException: ${String(error)}`));
/** Logged warnings and errors by message: the injected faults cause some (a send that ran out of retries). */
const logged = new Map<string, number>();
const count = (level: string, message: string) => {
  const key = `${level} ${message}`;
  logged.set(key, (logged.get(key) ?? 0) + 1);
};
const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (message) => count('warn', message),
  error: (message) => count('error', message),
};

const handlesAtStart = countHandles();
const START_MS = Date.UTC(2026, 10, 23, 8);
const clock = createSimClock({ speed: 0, startMs: START_MS });
// The sink checks signature freshness by jobwatch's (simulated) clock; its rate limits would count a whole
// cycle, frozen at one instant, as one second, so they are lifted: throttling is injected instead.
const sink = await startChatSink({
  secrets: DEMO_SINK_SECRETS,
  rateLimits: { slackPerSecond: 1e9, dingtalkPerMinute: 1e9, wecomPerMinute: 1e9 },
  now: clock.now,
});
Object.assign(process.env, SANDBOX_ENV, demoEnv(sink.endpoints));
// The emulators run in a child process on the same simulated clock, so the heap measured here is jobwatch's.
const sandbox = await startSandboxProcess();
const config = parseConfig(demoConfig(sandbox.targets()), 'soak');
const dir = values.state === 'dir' ? await mkdtemp(join(tmpdir(), 'jobwatch-soak-')) : undefined;
const local = await createLocalStore({ now: clock.now, ...(dir ? { dir } : {}) });
const pipeline = createLocalPipeline({
  config,
  store: local.store,
  providers: PROVIDERS_BY_ID,
  secrets: createSecretResolver(),
  logger,
  now: clock.now,
});

const targets = config.targets.map((t) => t.id);
const providers = [...new Set(config.targets.map((t) => t.provider))] as ProviderId[];
let cycle = 0;
let polls = 0;
let eventsSeen = 0;
let unreachable = 0;
let chatAccepted = 0;
let chatRefused = 0;
const pending = new Set<string>(targets);
let cycleDone: (() => void) | undefined;
const onReport = (report: PollReport) => {
  polls++;
  eventsSeen += report.events.length;
  if (!report.ok) unreachable++;
  pending.delete(report.targetId);
  if (pending.size === 0) cycleDone?.();
};

out(
  `jobwatch soak: ${CYCLES} cycles of ${targets.length} targets (${targets.join(', ')}), state ${dir ? `in ${dir}` : 'in memory'}, a vendor fault every ${FAULT_EVERY} cycles, node ${process.version}`,
);
const startedMs = performance.now();
// Timers far apart: the soak drives each cycle itself (poll now, via the operator path's triggerPoll
// equivalent) so cycles are back to back and the runtime's own scheduler, flush and bus still run.
const runtime = await startLocalRuntime({
  config,
  pipeline,
  logger,
  pollEveryMs: () => 3_600_000,
  flushEveryMs: 25,
  onReport,
  webhook: { port: 0, store: local.store, secrets: createSecretResolver(), now: clock.now },
});
await waitFor(() => pending.size === 0, 60_000, 'first poll of every target');

let baseline: ReturnType<typeof measure> | undefined;
const samples: string[] = [];
const operatorToken = process.env.JOBWATCH_DEMO_OPERATOR_TOKEN ?? '';
for (cycle = 1; cycle <= CYCLES; cycle++) {
  clock.advance(CYCLE_SIM_MS);
  await sandbox.send({ type: 'advance', ms: CYCLE_SIM_MS });
  if (cycle % FAULT_EVERY === 0) {
    const fault = FAULTS[(cycle / FAULT_EVERY) % FAULTS.length] as Fault;
    await sandbox.send({
      type: 'fault',
      fault: { ...fault, provider: providers[cycle % providers.length], times: 4 },
    });
  }
  if (cycle % (FAULT_EVERY * 5) === 0) {
    // The sink keeps what it received: counted and dropped here so the harness's memory stays flat, and
    // only here, since clear() also drops the chat faults still waiting for a request.
    chatAccepted += sink.messages.length;
    chatRefused += sink.requests.length - sink.messages.length;
    sink.clear();
    const channel = CHAT_CHANNELS[cycle % CHAT_CHANNELS.length] as ChatChannel;
    sink.failNext(channel, 2, cycle % 2 ? 500 : 429, cycle % 2 ? undefined : 1);
  }
  for (const id of targets) pending.add(id);
  const done = new Promise<void>((resolve) => {
    cycleDone = resolve;
  });
  // "Poll now" through the webhook function's operator API, as an operator (or a scheduler) would.
  for (const id of targets) await pollNow(runtime.webhookUrl ?? '', id, operatorToken);
  // Delivery (notify, remediate, their retries and verification waits) runs on behind the polls, as in
  // `jobwatch start`: a cycle is a poll of every target, not a drained bus.
  await done;
  if (cycle === WARMUP_CYCLES) baseline = measure();
  if (
    baseline &&
    (cycle - WARMUP_CYCLES) % Math.max(1, Math.floor((CYCLES - WARMUP_CYCLES) / SAMPLES)) === 0
  ) {
    const now = measure();
    const line = `cycle ${String(cycle).padStart(5)}: heap ${mb(now.heap)} MB (${signed(now.heap - baseline.heap)}), rss ${mb(now.rss)} MB (${signed(now.rss - baseline.rss)})`;
    samples.push(line);
    out(`  ${line}`);
  }
}
const end = measure();
chatAccepted += sink.messages.length;
chatRefused += sink.requests.length - sink.messages.length;
const elapsedS = (performance.now() - startedMs) / 1000;
await runtime.stop();
await pipeline.notifier.close?.();
await local.stop();
await sandbox.send({ type: 'stop' });
await sink.stop();
if (dir) await rm(dir, { recursive: true, force: true });
await new Promise((resolve) => setTimeout(resolve, 200));
const handlesAtEnd = countHandles();
const leftOpen = Object.entries(handlesAtEnd)
  .map(([type, n]) => [type, n - (handlesAtStart[type] ?? 0)] as const)
  .filter(([, n]) => n > 0);

const growthMb = (end.heap - (baseline?.heap ?? end.heap)) / 1e6;
out('');
out(
  `cycles            ${CYCLES} (${polls} polls, ${(CYCLES / elapsedS).toFixed(1)} cycles/s, ${elapsedS.toFixed(0)} s)`,
);
out(
  `events            ${eventsSeen} published; ${unreachable} polls reported a vendor unreachable (injected faults)`,
);
out(`chat messages     ${chatAccepted} accepted, ${chatRefused} refused by the sink (injected)`);
out(
  `heap (forced GC)  ${mb(baseline?.heap ?? 0)} MB after ${WARMUP_CYCLES} warm-up cycles -> ${mb(end.heap)} MB: ${signed(end.heap - (baseline?.heap ?? 0))} MB`,
);
out(
  `rss               ${mb(baseline?.rss ?? 0)} MB -> ${mb(end.rss)} MB: ${signed(end.rss - (baseline?.rss ?? 0))} MB`,
);
out(
  `open handles      ${leftOpen.length === 0 ? 'none left open' : leftOpen.map(([t, n]) => `${t} x${n}`).join(', ')}`,
);
out(`log               ${logged.size === 0 ? 'no warnings or errors' : ''}`);
for (const [message, n] of logged) out(`  ${String(n).padStart(5)} x ${message}`);
out(`unexpected        ${unexpected.length === 0 ? 'none' : ''}`);
for (const line of unexpected.slice(0, 20)) out(`  ${line.slice(0, 300)}`);
const ok = growthMb <= MAX_GROWTH_MB && unexpected.length === 0 && leftOpen.length === 0;
out(ok ? 'soak: ok' : `soak: FAILED (heap growth limit ${MAX_GROWTH_MB} MB)`);
process.exit(ok ? 0 : 1);

async function startSandboxProcess() {
  const child = fork(new URL('./soak-sandbox.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, SOAK_START_MS: String(START_MS) },
  });
  let seq = 0;
  const waiting = new Map<number, () => void>();
  const ready = new Promise<{ targets: Record<string, unknown>[] }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sandbox process exited with ${code}`)));
    child.on('message', (message: { type: string; id?: number; targets?: Record<string, unknown>[] }) => {
      if (message.type === 'ready') resolve({ targets: message.targets ?? [] });
      else if (message.type === 'done' && message.id !== undefined) waiting.get(message.id)?.();
    });
  });
  const { targets } = await ready;
  return {
    targets: () => targets,
    send: (message: Record<string, unknown>) =>
      new Promise<void>((resolve) => {
        const id = ++seq;
        if (message.type === 'stop') {
          child.once('exit', () => resolve());
        } else {
          waiting.set(id, () => {
            waiting.delete(id);
            resolve();
          });
        }
        child.send({ ...message, id });
      }),
  };
}

function measure() {
  gc?.();
  gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heap: heapUsed, rss };
}

async function pollNow(base: string, targetId: string, token: string) {
  const response = await fetch(`${base}/api/targets/${encodeURIComponent(targetId)}/poll`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  if (response.status >= 300) throw new Error(`poll now for ${targetId}: HTTP ${response.status}`);
}

function countHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string) {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function positiveInt(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, got ${value}`);
  return n;
}

function mb(bytes: number) {
  return (bytes / 1e6).toFixed(1);
}

function signed(bytes: number) {
  const value = bytes / 1e6;
  return `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;
}

function out(line: string) {
  process.stdout.write(`${line}\n`);
}

function fail(message: string): never {
  process.stderr.write(`soak: ${message}\n`);
  process.exit(2);
}
