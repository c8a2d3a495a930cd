import { parseConfig } from '../../../lib/config/load.js';
import type { Config, TargetConfig } from '../../../lib/config/schema.js';
import { createSecretResolver } from '../../../lib/config/secrets.js';
import { detect, type ResourceState } from '../../../lib/detect/index.js';
import type { JobwatchEvent } from '../../../lib/events/index.js';
import type { JobSnapshot, TargetSnapshot } from '../../../lib/model/snapshot.js';
import { silentLogger } from '../../../lib/observability/logger.js';
import { alibabaBlinkProvider } from '../../../lib/providers/alibaba-blink/index.js';
import { alibabaBlinkSandboxPlugin } from '../../../lib/providers/alibaba-blink/sandbox.js';
import type { ActionTarget, ProviderContext } from '../../../lib/providers/types.js';
import {
  createSimClock,
  type FleetSpec,
  SANDBOX_ENV,
  type Sandbox,
  type SimClock,
  startSandbox,
} from '../../../lib/sandbox/index.js';

export const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

export interface Harness {
  sandbox: Sandbox;
  clock: SimClock;
  config: Config;
  target: TargetConfig;
  ctx: ProviderContext;
  collect(target?: TargetConfig, ctx?: Partial<ProviderContext>): Promise<TargetSnapshot>;
  stop(): Promise<void>;
}

export async function startBlinkSandbox(
  options: {
    scenario?: 'test' | 'demo' | 'fleet';
    fleet?: FleetSpec;
    extraTargets?: (t: Record<string, unknown>) => Record<string, unknown>[];
  } = {},
): Promise<Harness> {
  const clock = createSimClock({ speed: 0, startMs: T0 });
  const sandbox = await startSandbox({
    plugins: [alibabaBlinkSandboxPlugin],
    scenario: options.scenario ?? 'test',
    clock,
    ...(options.fleet ? { fleet: options.fleet } : {}),
  });
  const base = sandbox.targets()[0] as Record<string, unknown>;
  const config = parseConfig({ targets: [base, ...(options.extraTargets?.(base) ?? [])] });
  const ctx: ProviderContext = {
    now: () => clock.now(),
    secrets: createSecretResolver({ env: { ...SANDBOX_ENV, WRONG_SK: 'not-the-sandbox-secret' } }),
    logger: silentLogger,
  };
  const target = config.targets[0] as TargetConfig;
  return {
    sandbox,
    clock,
    config,
    target,
    ctx,
    collect: (t = target, overrides = {}) => alibabaBlinkProvider.collect(t, { ...ctx, ...overrides }),
    stop: () => sandbox.stop(),
  };
}

/** Runs detection over successive snapshots, keeping the state like the runtime does. */
export function detector(config: Config, target: TargetConfig) {
  let previous = new Map<string, ResourceState>();
  return (snapshot: TargetSnapshot, nowMs: number): JobwatchEvent[] => {
    const out = detect({ target, defaults: config.defaults.rules, snapshot, previous, nowMs });
    previous = out.next;
    return out.events;
  };
}

export function jobByName(snapshot: TargetSnapshot, name: string): JobSnapshot {
  const job = snapshot.jobs.find((j) => j.name === name);
  if (!job) throw new Error(`job ${name} not in snapshot (${snapshot.jobs.map((j) => j.name).join(', ')})`);
  return job;
}

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

/** `type status job` lines, for exact-count assertions. */
export function eventLines(events: JobwatchEvent[]): string[] {
  return events.map((e) => `${e.data.type} ${e.data.status} ${e.data.resource.name}`);
}
