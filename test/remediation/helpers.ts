/**
 * Test data for remediation: configs built through the production loader, findings built with the real
 * event builder, and a Provider test double (the Provider interface is ours to fake; the HTTP layer is not).
 */

import { stringify } from 'yaml';
import { z } from 'zod';
import { type Config, parseConfigText } from '../../lib/config/index.js';
import { buildEvent, type JobwatchEvent } from '../../lib/events/index.js';
import type { JobKind, ProviderId } from '../../lib/model/snapshot.js';
import { silentLogger } from '../../lib/observability/logger.js';
import type {
  ActionName,
  ActionOutcome,
  ActionRequest,
  ActionTarget,
  CurrentState,
  Provider,
} from '../../lib/providers/types.js';
import type { RemediatorDeps } from '../../lib/remediation/index.js';
import { dynaliteTables } from '../support/dynalite.js';

/** An outcome without its action name (the double fills it in); distributes over the union. */
export type Scripted = ActionOutcome extends infer O
  ? O extends ActionOutcome
    ? Omit<O, 'action'>
    : never
  : never;

export const T0 = Date.UTC(2026, 10, 23, 3, 0);
export const PROJECT_ID = '0123456789abcdef0123456789abcdef';

export function clock(startMs = T0) {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}

/** A full jobwatch.yml with one DLI target and the given remediation block, validated by the real loader. */
export function configWith(
  remediation: Record<string, unknown>,
  extraTargets: Record<string, unknown>[] = [],
): Config {
  const text = stringify({
    targets: [
      {
        id: 'dli-prod',
        provider: 'huawei-dli',
        region: 'cn-north-4',
        credentials: { accessKeyId: 'env:DLI_AK', secretAccessKey: 'env:DLI_SK' },
        options: { projectId: PROJECT_ID },
      },
      ...extraTargets,
    ],
    remediation,
  });
  return parseConfigText(text, 'test.yml');
}

export interface FindingInput {
  type?: 'job.failed' | 'job.stuck' | 'checkpoint.stalled' | 'failover.burst' | 'queue.unhealthy';
  job?: string;
  jobKind?: JobKind;
  targetId?: string;
  provider?: ProviderId;
  status?: 'firing' | 'resolved';
  severity?: 'critical' | 'warning' | 'info';
  startsAtMs?: number;
  /** When detection saw it; absent, the event has no measurable age (as before the field existed). */
  observedAtMs?: number;
  labels?: Record<string, string>;
  values?: Record<string, string | number | boolean | null>;
}

/** A finding as detection publishes it. */
export function finding(input: FindingInput = {}): JobwatchEvent {
  const job = input.job ?? 'etl-orders';
  const targetId = input.targetId ?? 'dli-prod';
  const provider = input.provider ?? 'huawei-dli';
  const scope = { kind: 'queue' as const, id: 'q-prod' };
  const key = `${provider}/cn-north-4/queue:q-prod/job:${job}`;
  return buildEvent({
    type: input.type ?? 'job.failed',
    provider,
    targetId,
    region: 'cn-north-4',
    resource: {
      key,
      kind: 'job',
      name: job,
      vendorId: `id-${job}`,
      jobKind: input.jobKind ?? 'flink-stream',
      scope,
    },
    severity: input.severity ?? 'critical',
    status: input.status ?? 'firing',
    title: `Job ${job} failed`,
    summary: `Job ${job} is FAILED`,
    labels: { team: 'data', ...input.labels },
    values: {
      state: 'FAILED',
      vendorState: 'job_running_exception',
      stateCause: 'system',
      autoRestart: false,
      pollsFiring: 1,
      targetJobCount: 40,
      ...input.values,
    },
    startsAtMs: input.startsAtMs ?? T0,
    ...(input.observedAtMs === undefined ? {} : { observedAtMs: input.observedAtMs }),
    ...(input.status === 'resolved' ? { endsAtMs: (input.startsAtMs ?? T0) + 60_000 } : {}),
  });
}

export type Script = (request: ActionRequest, call: number) => Promise<Scripted> | Scripted;

export const verified = (finalState = 'RUNNING'): Scripted => ({
  ok: true,
  status: 'verified',
  finalState,
  message: 'job is running again',
  durationMs: 12_000,
});

export const failedOutcome = (retryable = true, message = 'job went back to FAILED'): Scripted => ({
  ok: false,
  status: 'failed',
  finalState: 'FAILED',
  message,
  durationMs: 30_000,
  retryable,
});

/** What the double's vendor says about a job unless told otherwise: failed, as `finding()` reports it. */
export const FAILED_NOW: CurrentState = {
  kind: 'job',
  state: 'FAILED',
  vendorState: 'job_running_exception',
  stateCause: 'system',
};

export type StateScript = (resource: ActionTarget) => Promise<CurrentState> | CurrentState;

/** A Provider test double that records every action request and answers from a script. */
export function providerDouble(
  id: ProviderId = 'huawei-dli',
  script: Script = () => verified(),
  supported: readonly ActionName[] = ['pause', 'resume', 'stop', 'restart', 'restart-from-checkpoint'],
  current: StateScript = () => FAILED_NOW,
) {
  const calls: ActionRequest[] = [];
  const reads: ActionTarget[] = [];
  const provider: Provider = {
    id,
    displayName: `${id} (test double)`,
    optionsSchema: z.unknown(),
    endpointFor: () => undefined,
    actionParams: Object.fromEntries(supported.map((action) => [action, z.object({}).passthrough()])),
    collect: () => Promise.reject(new Error('the remediation tests never collect')),
    actions: {
      supports: (resource) => (resource.kind === 'job' ? supported : []),
      readState: async (_target, resource) => {
        reads.push(resource);
        return current(resource);
      },
      perform: async (_target, request) => {
        calls.push(request);
        const outcome = await script(request, calls.length);
        return { ...outcome, action: request.action } as ActionOutcome;
      },
    },
  };
  return { provider, calls, reads };
}

/** Collects what the remediator publishes, as a channel would see it. */
export function channel() {
  const events: JobwatchEvent[] = [];
  return {
    events,
    publish: async (batch: JobwatchEvent[]) => {
      events.push(...batch);
    },
    of: (type: string) => events.filter((e) => e.data.type === type),
  };
}

/** The policy most remediation tests start from: restart failed jobs, enforce, 3 per hour, no cooldown. */
export const restartPolicy = (overrides: Record<string, unknown> = {}) => ({
  name: 'restart-failed',
  match: { types: ['job.failed'] },
  action: { type: 'restart', params: { fromSavepoint: true } },
  mode: 'enforce',
  guards: { budget: { max: 3, windowSeconds: 3600 }, cooldownSeconds: 0 },
  retryBackoffSeconds: 5,
  ...overrides,
});

export type RemediatorSetup = Awaited<ReturnType<ReturnType<typeof remediatorTables>>>;

/**
 * Starts one dynalite for the file (call it at the top level) and returns a setup per call: a remediator's
 * dependencies on a fresh table, a simulated clock, the DLI provider double and a channel; sleeps pass in
 * simulated time only and are recorded.
 */
export function remediatorTables(prefix: string, invocationId: string) {
  const tables = dynaliteTables(prefix);
  return async (remediation: Record<string, unknown>, script?: Script, current?: StateScript) => {
    const time = clock();
    const { store } = await tables.fresh(time.now);
    const sink = channel();
    const { provider, calls } = providerDouble('huawei-dli', script, undefined, current);
    const sleeps: number[] = [];
    const deps: RemediatorDeps = {
      config: configWith(remediation),
      store,
      providers: { 'huawei-dli': provider },
      publish: sink.publish,
      secrets: async () => 'never-used',
      logger: silentLogger,
      now: time.now,
      sleep: async (ms) => {
        sleeps.push(ms);
        time.advance(ms);
      },
      invocationId,
    };
    return { store, time, sink, calls, sleeps, deps };
  };
}
