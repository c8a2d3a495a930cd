/**
 * The sandbox fleet in its own process, so the benchmark's CPU and memory figures are jobwatch's alone.
 * Talks to the parent over IPC: sends { ready, endpoints, targets }, answers { counts }, { reset } and
 * { advance } (moves the simulated clock forward).
 */
import { ALL_EMULATORS } from '../lib/providers/emulators.js';
import { createSimClock } from '../lib/sandbox/clock.js';
import { startSandbox } from '../lib/sandbox/server.js';
import type { FleetSpec } from '../lib/sandbox/types.js';
import { startLocalDynamo } from '../lib/state/local.js';

const fleet = JSON.parse(process.env.BENCH_FLEET ?? '{}') as FleetSpec;
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 50);

// Wall speed, moved forward by the parent between polls (`advance`): see SandboxChild.advanceClock.
const clock = createSimClock({ speed: 1 });
const sandbox = await startSandbox({
  plugins: ALL_EMULATORS,
  scenario: 'fleet',
  fleet,
  latencyMs,
  clock,
  maxLogEntries: 2_000_000,
});

// The state table (dynalite) lives here too, so the whole cycle's store calls cross a socket as they do
// to DynamoDB, and its CPU and memory are not counted as jobwatch's.
const dynamo = process.env.BENCH_STORE === '1' ? await startLocalDynamo() : undefined;

let cpuAtReset = process.cpuUsage();

process.on('message', (message: { type: string; id: number; ms?: number }) => {
  if (message.type === 'counts') {
    const byProvider: Record<string, Record<string, number>> = {};
    for (const entry of sandbox.requests) {
      const perProvider = byProvider[entry.provider] ?? {};
      perProvider[entry.operation] = (perProvider[entry.operation] ?? 0) + 1;
      byProvider[entry.provider] = perProvider;
    }
    const cpu = process.cpuUsage(cpuAtReset);
    process.send?.({
      type: 'counts',
      id: message.id,
      counts: byProvider,
      cpuMs: (cpu.user + cpu.system) / 1000,
    });
  } else if (message.type === 'reset') {
    sandbox.resetLog();
    cpuAtReset = process.cpuUsage();
    process.send?.({ type: 'reset', id: message.id });
  } else if (message.type === 'advance') {
    clock.advance(message.ms ?? 0);
    process.send?.({ type: 'advance', id: message.id });
  } else if (message.type === 'stop') {
    void Promise.all([sandbox.stop(), dynamo?.stop()]).then(() => process.exit(0));
  }
});
process.send?.({
  type: 'ready',
  endpoints: sandbox.endpoints(),
  targets: sandbox.targets(),
  ...(dynamo ? { storeEndpoint: dynamo.endpoint } : {}),
});
