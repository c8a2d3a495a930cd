import { type Config, parseConfig, type TargetConfig } from '../../../lib/config/index.js';
import { createSecretResolver } from '../../../lib/config/secrets.js';
import { detect, type ResourceState } from '../../../lib/detect/index.js';
import type { JobwatchEvent } from '../../../lib/events/index.js';
import type { TargetSnapshot } from '../../../lib/model/snapshot.js';
import { silentLogger } from '../../../lib/observability/logger.js';
import { huaweiMrsProvider } from '../../../lib/providers/huawei-mrs/index.js';
import {
  createMrsSandboxPlugin,
  type MrsSandboxPluginOptions,
  type MrsWorld,
} from '../../../lib/providers/huawei-mrs/sandbox.js';
import type { ProviderContext } from '../../../lib/providers/types.js';
import {
  createSimClock,
  SANDBOX_ENV,
  type Sandbox,
  type SimClock,
  startSandbox,
} from '../../../lib/sandbox/index.js';

/** 2026-11-23T08:00:00Z: a fixed start so every run sees the same timeline. */
export const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
export const MINUTE = 60_000;

export interface MrsHarness {
  sandbox: Sandbox;
  clock: SimClock;
  world: MrsWorld;
  config: Config;
  target: TargetConfig;
  ctx: ProviderContext;
  /** One collect + detect round, keeping detection state across calls. */
  poll(): Promise<{ snapshot: TargetSnapshot; events: JobwatchEvent[] }>;
  events: JobwatchEvent[];
  stop(): Promise<void>;
}

/** Starts the sandbox with the MRS plugin and builds the target through the real config parser. */
export async function startMrsHarness(
  options: {
    plugin?: MrsSandboxPluginOptions;
    /** Merged into the generated target (e.g. rules, options). */
    target?: (t: Record<string, unknown>) => Record<string, unknown>;
    env?: Record<string, string>;
    scenario?: 'test' | 'fleet' | 'demo';
    fleet?: Record<string, number>;
  } = {},
): Promise<MrsHarness> {
  const clock = createSimClock({ speed: 0, startMs: T0 });
  let world: MrsWorld | undefined;
  const plugin = createMrsSandboxPlugin({ ...options.plugin, onWorld: (w) => (world = w) });
  const sandbox = await startSandbox({
    plugins: [plugin],
    scenario: options.scenario ?? 'test',
    clock,
    ...(options.fleet ? { fleet: options.fleet } : {}),
  });
  const targets = sandbox.targets().map((t) => (options.target ? options.target(t) : t));
  const config = parseConfig({ targets });
  const target = config.targets[0] as TargetConfig;
  const ctx: ProviderContext = {
    now: () => clock.now(),
    secrets: createSecretResolver({ env: { ...SANDBOX_ENV, ...options.env } }),
    logger: silentLogger,
  };
  let state = new Map<string, ResourceState>();
  const events: JobwatchEvent[] = [];
  return {
    sandbox,
    clock,
    world: world as unknown as MrsWorld,
    config,
    target,
    ctx,
    events,
    async poll() {
      const snapshot = await huaweiMrsProvider.collect(target, ctx);
      const out = detect({
        target,
        ...(config.defaults.rules ? { defaults: config.defaults.rules } : {}),
        snapshot,
        previous: state,
        nowMs: clock.now(),
      });
      state = out.next;
      for (const key of out.removed) state.delete(key);
      events.push(...out.events);
      return { snapshot, events: out.events };
    },
    stop: () => sandbox.stop(),
  };
}

/** `type name status` per event, for readable assertions. */
export function summarize(events: JobwatchEvent[]): string[] {
  return events.map((e) => `${e.data.type} ${e.data.resource.name} ${e.data.status}`);
}
