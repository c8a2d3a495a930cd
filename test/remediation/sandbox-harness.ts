/**
 * The whole path against the vendor emulators: provider collect -> detect -> remediate -> provider action,
 * over real loopback sockets, with the real Store on dynalite. Nothing of ours is faked.
 */
import { type Config, parseConfig, type TargetConfig } from '../../lib/config/index.js';
import { detect, type ResourceState } from '../../lib/detect/index.js';
import { buildEvent, type JobwatchEvent, type ResourceRef } from '../../lib/events/index.js';
import type { ProviderId } from '../../lib/model/snapshot.js';
import { silentLogger } from '../../lib/observability/logger.js';
import { EMULATORS_BY_PROVIDER } from '../../lib/providers/emulators.js';
import { PROVIDERS_BY_ID } from '../../lib/providers/registry.js';
import type { ActionName, ActionTarget, Provider, ProviderContext } from '../../lib/providers/types.js';
import {
  type AuditRecord,
  createRemediator,
  type Remediator,
  remediationHistory,
} from '../../lib/remediation/index.js';
import {
  createSimClock,
  type RequestLogEntry,
  type Sandbox,
  type SandboxPlugin,
  type SimClock,
  startSandbox,
} from '../../lib/sandbox/index.js';
import { createLocalStore, type Store } from '../../lib/state/index.js';
import { sandboxContext } from '../support/sandbox-context.js';
import { stopAfterEach } from '../support/stop-after-each.js';
import { channel } from './helpers.js';

export const SANDBOX_T0 = Date.UTC(2026, 10, 23, 8, 0, 0);

export interface RemediationHarness {
  sandbox: Sandbox;
  provider: Provider;
  clock: SimClock;
  config: Config;
  target: TargetConfig;
  store: Store;
  /** What a provider call needs (sandbox credentials, simulated clock). */
  ctx: ProviderContext;
  sink: ReturnType<typeof channel>;
  /** One collect + detect round; detection state is kept across calls. */
  poll(): Promise<JobwatchEvent[]>;
  /** Polls (advancing `stepMs` each time) until a firing finding of `type` on `job` appears. */
  pollUntil(
    type: string,
    job: string,
    options?: { maxPolls?: number; stepMs?: number; where?: (event: JobwatchEvent) => boolean },
  ): Promise<JobwatchEvent>;
  remediator(invocationId?: string): Remediator;
  /** The latest audit record, of one job when `jobKey` is given. */
  lastDecision(jobKey?: string): Promise<AuditRecord | undefined>;
  /** Requests the emulator saw for these operations, since `fromIndex` in the request log. */
  calls(operations: readonly string[], fromIndex?: number): RequestLogEntry[];
  stop(): Promise<void>;
}

/** The provider under test and its emulator: given, or loaded from a `SandboxProviderCase`. */
type Emulated = { plugin: SandboxPlugin; provider: Provider } | { of: Pick<SandboxProviderCase, 'load'> };

export async function startRemediationHarness(
  options: Emulated & {
    remediation: Record<string, unknown>;
    /** More of jobwatch.yml (e.g. `webhook:` for action links). */
    config?: Record<string, unknown>;
    /** Simulated seconds per wall second: vendors' asynchronous transitions need time to pass. */
    speed: number;
  },
): Promise<RemediationHarness> {
  const { plugin, provider } = 'of' in options ? await options.of.load() : options;
  const clock = createSimClock({ speed: options.speed, startMs: SANDBOX_T0 });
  const sandbox = await startSandbox({ plugins: [plugin], scenario: 'test', clock });
  const local = await createLocalStore({ now: () => clock.now() });
  const targets = sandbox.targets().map((t) => ({
    ...t,
    rules: { ...(t.rules as object | undefined), stateChanged: { enabled: true } },
  }));
  const config = parseConfig({ ...options.config, targets, remediation: options.remediation }, 'sandbox');
  const target = config.targets[0] as TargetConfig;
  const ctx = sandboxContext(clock);
  const sink = channel();
  let state = new Map<string, ResourceState>();
  let invocations = 0;

  const poll = async () => {
    const snapshot = await provider.collect(target, ctx);
    const out = detect({ target, snapshot, previous: state, nowMs: clock.now() });
    state = out.next;
    for (const key of out.removed) state.delete(key);
    return out.drafts.map(buildEvent);
  };

  return {
    sandbox,
    provider,
    clock,
    config,
    target,
    store: local.store,
    ctx,
    sink,
    poll,
    async pollUntil(type, job, { maxPolls = 12, stepMs = 30_000, where = () => true } = {}) {
      for (let i = 0; i < maxPolls; i++) {
        const hit = (await poll()).find(
          (e) =>
            e.data.type === type && e.data.resource.name === job && e.data.status === 'firing' && where(e),
        );
        if (hit) return hit;
        clock.advance(stepMs);
      }
      throw new Error(`no firing ${type} on ${job} after ${maxPolls} polls`);
    },
    remediator: (invocationId) =>
      createRemediator({
        config,
        store: local.store,
        providers: { [provider.id]: provider },
        publish: sink.publish,
        secrets: ctx.secrets,
        logger: silentLogger,
        now: () => clock.now(),
        // Backoff between attempts passes in simulated time only.
        sleep: async (ms) => clock.advance(ms),
        invocationId: invocationId ?? `sandbox-${++invocations}`,
      }),
    lastDecision: async (jobKey) =>
      (await remediationHistory(local.store, { ...(jobKey ? { jobKey } : {}), limit: 1 }))[0],
    calls: (operations, fromIndex = 0) =>
      sandbox.requests.slice(fromIndex).filter((r) => operations.includes(r.operation)),
    async stop() {
      await sandbox.stop();
      await local.stop();
    },
  };
}

/** Starts a harness for the current test; every harness a test starts is stopped after it. */
export function useRemediationHarness(): typeof startRemediationHarness {
  return stopAfterEach(startRemediationHarness);
}

/** A provider with its emulator and the parts of its test scenario the remediation tests act on. */
export interface SandboxProviderCase {
  id: string;
  load(): Promise<{ provider: Provider; plugin: SandboxPlugin }>;
  /** A job the scenario fails, and the action that brings it back. */
  failed: { job: string; action: ActionName };
  /** Operations that change a job at the vendor; `restartOp` is the one each attempt sends exactly once. */
  mutatingOps: readonly string[];
  restartOp: string;
  /** The call the remediator's fresh read makes. */
  readOp: string;
}

/** The provider and its emulator, from the two registries. */
const fromRegistries = (
  id: ProviderId,
  scenario: Omit<SandboxProviderCase, 'id' | 'load'>,
): SandboxProviderCase => ({
  id,
  load: async () => ({
    provider: PROVIDERS_BY_ID[id] as Provider,
    plugin: EMULATORS_BY_PROVIDER[id] as SandboxPlugin,
  }),
  ...scenario,
});

export const SANDBOX_PROVIDERS = {
  'alibaba-blink': fromRegistries('alibaba-blink', {
    failed: { job: 'payments_agg', action: 'restart' },
    mutatingOps: ['ModifyInstanceState', 'StartJob'],
    restartOp: 'StartJob',
    readOp: 'GetInstanceRunSummary',
  }),
  'alibaba-flink': fromRegistries('alibaba-flink', {
    failed: { job: 'payments_agg', action: 'restart' },
    mutatingOps: ['StopJob', 'StartJobWithParams'],
    restartOp: 'StartJobWithParams',
    readOp: 'ListJobs',
  }),
  'huawei-mrs': fromRegistries('huawei-mrs', {
    failed: { job: 'daily-etl', action: 'resubmit' },
    mutatingOps: ['StopJob', 'CreateExecuteJob'],
    restartOp: 'CreateExecuteJob',
    readOp: 'ShowJobExeListNew',
  }),
  'huawei-dli': fromRegistries('huawei-dli', {
    failed: { job: 'clickstream-agg', action: 'restart' },
    mutatingOps: ['BatchRunFlinkJobs', 'BatchStopFlinkJobs'],
    restartOp: 'BatchRunFlinkJobs',
    readOp: 'ShowFlinkJob',
  }),
} satisfies Record<string, SandboxProviderCase>;

/** A policy acting on findings of `types`: 3 actions an hour, no cooldown unless given, a fast verify. */
export const verifiedPolicy = (policy: {
  name: string;
  types: string[];
  action: string;
  jobs?: string[];
  cooldownSeconds?: number;
}) => ({
  name: policy.name,
  match: { types: policy.types, ...(policy.jobs ? { jobs: { include: policy.jobs } } : {}) },
  action: policy.action,
  guards: { cooldownSeconds: policy.cooldownSeconds ?? 0, budget: { max: 3, windowSeconds: 3600 } },
  verify: { timeoutSeconds: 120, intervalSeconds: 0.2 },
});

/** The policy that restarts (or resubmits) the case's failed job: enforce, no cooldown, fast verify. */
export const fixFailedPolicy = (c: Pick<SandboxProviderCase, 'failed'>) => ({
  ...verifiedPolicy({
    name: 'fix-failed',
    types: ['job.failed'],
    jobs: [c.failed.job],
    action: c.failed.action,
  }),
  retryBackoffSeconds: 5,
});

/** The action target a finding's resource names (what the remediator hands the provider). */
export const asTarget = (ref: ResourceRef): ActionTarget => ({
  key: ref.key,
  kind: ref.kind as ActionTarget['kind'],
  ...(ref.jobKind ? { jobKind: ref.jobKind } : {}),
  vendorId: ref.vendorId,
  ...(ref.instanceId ? { instanceId: ref.instanceId } : {}),
  scope: { kind: ref.scope.kind as ActionTarget['scope']['kind'], id: ref.scope.id },
  name: ref.name,
});
