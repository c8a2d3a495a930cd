import { afterEach, beforeEach } from 'vitest';
import { type Config, parseConfig, type TargetConfig } from '../../lib/config/index.js';
import { detect, type ResourceState } from '../../lib/detect/index.js';
import { buildEvent, type JobwatchEvent } from '../../lib/events/index.js';
import type { JobSnapshot, ProviderId, TargetSnapshot } from '../../lib/model/snapshot.js';
import type { ActionTarget, Provider, ProviderContext } from '../../lib/providers/types.js';
import {
  createSimClock,
  type Fault,
  type FleetSpec,
  type Sandbox,
  type SandboxPlugin,
  type ScenarioName,
  type SimClock,
  startSandbox,
} from '../../lib/sandbox/index.js';
import { sandboxContext } from '../support/sandbox-context.js';

/** 2026-11-23T08:00:00Z: a fixed start so every run sees the same timeline. */
export const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

export interface ProviderHarness {
  sandbox: Sandbox;
  clock: SimClock;
  config: Config;
  target: TargetConfig;
  ctx: ProviderContext;
  /** One collect + detect round, keeping detection state across calls. */
  poll(): Promise<{ snapshot: TargetSnapshot; events: JobwatchEvent[] }>;
  events: JobwatchEvent[];
  /** The emulator answers `status` to `operation` (forever unless `more.times` says otherwise). */
  failWith(operation: string, status: number, more?: FaultOptions): void;
  stop(): Promise<void>;
}

type FaultOptions = Pick<Fault, 'pathIncludes' | 'retryAfterSeconds' | 'times'>;

/** The error a collector reports once its 3 attempts at `operation` all got `status` (429 or a 5xx). */
export const retriesSpent = (operation: string, status: number, vendorCode: string) => ({
  kind: status === 429 ? 'throttled' : 'server-error',
  operation,
  status,
  vendorCode,
  attempts: 3,
});

/** An HTTP status `provider`'s emulator answers to `operation`, as a fault to inject. */
export const statusFault = (
  provider: ProviderId,
  operation: string,
  status: number,
  more: FaultOptions = {},
): Fault => ({ provider, operation, kind: 'status', status, ...more });

export interface HarnessOptions {
  scenario?: ScenarioName;
  fleet?: FleetSpec;
  /** Simulated clock speed; 0 (the default) moves only on clock.advance(). */
  speed?: number;
  /** Rewrites the generated target (e.g. rules, options) before the real config parser sees it. */
  target?: (t: Record<string, unknown>) => Record<string, unknown>;
  /** More targets built from the generated one (listed after it; the harness's target stays the first). */
  extraTargets?: (t: Record<string, unknown>) => Record<string, unknown>[];
  env?: Record<string, string>;
  /** Where the simulated clock starts (T0 unless given). */
  startMs?: number;
}

/**
 * One provider's emulator on loopback, its target built through the real config parser, and a poll that
 * runs the provider's collector and detection over real sockets, as the runtime does.
 */
export async function startProviderHarness(
  provider: Provider,
  plugin: SandboxPlugin,
  options: HarnessOptions = {},
): Promise<ProviderHarness> {
  const clock = createSimClock({ speed: options.speed ?? 0, startMs: options.startMs ?? T0 });
  const sandbox = await startSandbox({
    plugins: [plugin],
    scenario: options.scenario ?? 'test',
    clock,
    ...(options.fleet ? { fleet: options.fleet } : {}),
  });
  const generated = sandbox.targets().map((t) => (options.target ? options.target(t) : t));
  const first = generated[0] as Record<string, unknown>;
  const targets = [...generated, ...(options.extraTargets?.(first) ?? [])];
  const config = parseConfig({ targets });
  const target = config.targets[0] as TargetConfig;
  const ctx = sandboxContext(clock, options.env);
  let state = new Map<string, ResourceState>();
  const events: JobwatchEvent[] = [];
  return {
    sandbox,
    clock,
    config,
    target,
    ctx,
    events,
    async poll() {
      const snapshot = await provider.collect(target, ctx);
      const out = detect({
        target,
        ...(config.defaults.rules ? { defaults: config.defaults.rules } : {}),
        snapshot,
        previous: state,
        nowMs: clock.now(),
      });
      state = out.next;
      for (const key of out.removed) state.delete(key);
      const built = out.drafts.map(buildEvent);
      events.push(...built);
      return { snapshot, events: built };
    },
    failWith: (operation, status, more) =>
      sandbox.faults.inject(statusFault(provider.id, operation, status, more)),
    stop: () => sandbox.stop(),
  };
}

/**
 * A poll's deadline for a route that hangs (a `timeout` fault): it falls once the poll waits on nothing
 * but requests the sandbox holds for `operation`, as an invocation's deadline falls on an idle machine
 * when the hang outlasts every other call. A wall-clock deadline from the poll's start raced the poll
 * itself: on a loaded machine it passed before the collector reached a per-job route (the route was then
 * never called) or before the other listings were read (extra errors).
 *
 * What the poll waits on is read from the signal itself: every vendor call and every retry wait listens
 * on it while pending (lib/http/client.ts) and stops listening when settled. The check runs a turn of the
 * event loop after the count drops, so a call that follows another (the next page) is already listening.
 * Call `dispose()` after the poll (a poll that never called the route is not aborted).
 */
export function hangDeadline(sandbox: Sandbox, operation: string): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const signal = controller.signal;
  let held = 0;
  let listening = 0;
  let check: NodeJS.Immediate | undefined;
  const onlyHeldLeft = () => held > 0 && listening <= held && !signal.aborted;
  const schedule = () => {
    if (check || !onlyHeldLeft()) return;
    // Two turns: whatever settled with the last call (its caller's next call included) runs first.
    check = setImmediate(() => {
      check = setImmediate(() => {
        check = undefined;
        if (onlyHeldLeft())
          controller.abort(new DOMException('the poll deadline passed while a route hung', 'TimeoutError'));
        else schedule();
      });
    });
  };
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => {
    if (args[0] === 'abort') listening++;
    add(...args);
  }) as AbortSignal['addEventListener'];
  signal.removeEventListener = ((...args: Parameters<AbortSignal['removeEventListener']>) => {
    if (args[0] === 'abort') listening--;
    remove(...args);
    schedule();
  }) as AbortSignal['removeEventListener'];
  const stopListening = sandbox.onHold((request) => {
    if (request.operation !== operation) return;
    held++;
    schedule();
  });
  return {
    signal,
    dispose: () => {
      stopListening();
      if (check) clearImmediate(check);
    },
  };
}

/** Runs `work` (a collect or a poll) with a hangDeadline for `operation` as its signal. */
export async function whileHung<T>(
  sandbox: Sandbox,
  operation: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = hangDeadline(sandbox, operation);
  try {
    return await work(deadline.signal);
  } finally {
    deadline.dispose();
  }
}

/** `type name status` per event, for readable assertions. */
export function summarize(events: JobwatchEvent[]): string[] {
  return events.map((e) => `${e.data.type} ${e.data.resource.name} ${e.data.status}`);
}

export function count(events: JobwatchEvent[], line: string): number {
  return summarize(events).filter((s) => s === line).length;
}

export function jobByName(snapshot: TargetSnapshot, name: string): JobSnapshot {
  const job = snapshot.jobs.find((j) => j.name === name);
  if (!job) throw new Error(`job ${name} not in snapshot (${snapshot.jobs.map((j) => j.name).join(', ')})`);
  return job;
}

/** The action target for a job of a snapshot, as the remediator builds it from the job's event. */
export function actionTarget(job: JobSnapshot): ActionTarget {
  return {
    key: job.key,
    kind: 'job',
    jobKind: job.kind,
    vendorId: job.vendorId,
    ...(job.instanceId ? { instanceId: job.instanceId } : {}),
    scope: { kind: job.scope.kind, id: job.scope.id },
    name: job.name,
  };
}

/** A Flink streaming job as an action target, named by its vendor id; `key` is ours and no vendor reads it. */
export const streamJobTarget = (
  vendorId: string,
  scope: ActionTarget['scope'],
  key = vendorId,
): ActionTarget => ({
  key,
  kind: 'job',
  jobKind: 'flink-stream',
  vendorId,
  scope,
  name: vendorId,
});

/**
 * Starts a harness before each test and stops it after the test. The returned object reads through to the
 * current test's harness, so a test file writes `h.poll()` as with a harness of its own.
 */
export function harnessPerTest<H extends { stop(): Promise<void> }>(start: () => Promise<H>): H {
  let current: H | undefined;
  beforeEach(async () => {
    current = await start();
  });
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  return new Proxy({} as H, {
    get(_target, key) {
      if (!current) throw new Error('the harness exists only while a test runs');
      const value: unknown = Reflect.get(current, key);
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
}
