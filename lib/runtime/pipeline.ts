import type { Config, TargetConfig } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import { collectionErrorReason, type DetectOutput, detect, type ResourceState } from '../detect/index.js';
import { buildEvent } from '../events/build.js';
import type { EventBus } from '../events/bus.js';
import { DEADLETTER_PKS, publishOrPark } from '../events/publish.js';
import type { JobwatchEvent } from '../events/schema.js';
import type { TargetSnapshot } from '../model/snapshot.js';
import type { Logger } from '../observability/logger.js';
import { emptySnapshot } from '../providers/shared.js';
import type { Provider } from '../providers/types.js';
import type { Store } from '../state/store.js';
import { jobScores, pollHealthOf, recordPollHealth } from '../status/health.js';

export interface PollDeps {
  config: Config;
  providers: Partial<Record<TargetConfig['provider'], Provider>>;
  store: Store;
  bus: EventBus;
  secrets: SecretResolver;
  logger: Logger;
  now: () => number;
  signal?: AbortSignal;
}

export interface PollReport {
  targetId: string;
  provider: TargetConfig['provider'];
  ok: boolean;
  /** Cut short by a deliberate stop: nothing was detected, published or persisted. */
  abandoned?: boolean;
  jobs: number;
  containers: number;
  errors: number;
  /** Why calls failed, one phrase per distinct reason ("DNS lookup failed", "HTTP 503 ..."). */
  problems: string[];
  /** Every failure was our own configuration (a secret reference, an endpoint), not the vendor. */
  configOnly: boolean;
  events: JobwatchEvent[];
  deadLettered: number;
  apiCalls: Record<string, number>;
  /** Failed calls by error kind (timeout, throttled, auth, ...), for the API-errors metric. */
  errorKinds?: Record<string, number>;
  collectMs: number;
  totalMs: number;
}

const detectPk = (targetId: string) => `detect#${targetId}`;

/** The abort reason of a deliberate stop (Ctrl-C, --duration), as opposed to a deadline running out. */
export class StopRequested extends Error {
  override name = 'StopRequested';
  constructor(message = 'jobwatch is stopping') {
    super(message);
  }
}

function abandonedReport(
  target: TargetConfig,
  snapshot: TargetSnapshot,
  collectMs: number,
  totalMs: number,
): PollReport {
  return {
    targetId: target.id,
    provider: target.provider,
    ok: true,
    abandoned: true,
    jobs: snapshot.jobs.length,
    containers: snapshot.containers.length,
    errors: 0,
    problems: [],
    configOnly: false,
    events: [],
    deadLettered: 0,
    apiCalls: snapshot.apiCalls,
    collectMs,
    totalMs,
  };
}

/**
 * One poll of one target: collect -> detect -> publish -> persist. Publishing comes before persisting the
 * new detection state, so a crash in between re-emits the same events (same ids) rather than losing them.
 */
export async function pollTarget(target: TargetConfig, deps: PollDeps): Promise<PollReport> {
  const started = deps.now();
  const snapshot = await collectSafely(target, deps);
  const collectMs = deps.now() - started;
  // Calls cut short because we are stopping say nothing about the vendor: detecting on them would
  // raise a false source.unreachable on every shutdown. Nothing is published or persisted.
  if (deps.signal?.aborted && deps.signal.reason instanceof StopRequested)
    return abandonedReport(target, snapshot, collectMs, deps.now() - started);

  const previousItems = await deps.store.query<ResourceState>(detectPk(target.id), { consistent: true });
  const previous = new Map(previousItems.map((item) => [item.sk, item.data]));
  const output: DetectOutput = detect({
    target,
    defaults: deps.config.defaults.rules,
    snapshot,
    previous,
    nowMs: deps.now(),
  });

  const events = output.drafts.map(buildEvent);
  const { deferred: deadLettered } = await publishOrPark(events, deps, {
    pk: DEADLETTER_PKS.poll,
    source: target.id,
  });
  await persist(target.id, output, deps.store);

  const report: PollReport = {
    targetId: target.id,
    provider: target.provider,
    ok: snapshot.errors.length === 0,
    jobs: snapshot.jobs.length,
    containers: snapshot.containers.length,
    errors: snapshot.errors.length,
    problems: [...new Set(snapshot.errors.map(collectionErrorReason))],
    configOnly: snapshot.errors.length > 0 && snapshot.errors.every((e) => e.kind === 'config'),
    events,
    deadLettered,
    apiCalls: snapshot.apiCalls,
    errorKinds: countBy(snapshot.errors.map((e) => e.kind)),
    collectMs,
    totalMs: deps.now() - started,
  };
  const intervalMs = (target.pollIntervalSeconds ?? deps.config.defaults.pollIntervalSeconds) * 1000;
  // The heartbeat is for people and the dead man's switch; failing to write it must not fail the poll.
  const scores = jobScores(output.next, deps.now());
  await recordPollHealth(deps.store, pollHealthOf(snapshot, report, intervalMs, scores)).catch(
    (error: unknown) =>
      deps.logger.warn('poll heartbeat not written', { target: target.id, error: describe(error) }),
  );
  deps.logger.info('poll finished', {
    target: target.id,
    provider: target.provider,
    jobs: report.jobs,
    errors: report.errors,
    events: report.events.length,
    collectMs,
  });
  return report;
}

/** Polls every target concurrently; one failing target never blocks or hides another. */
export async function pollAll(targets: TargetConfig[], deps: PollDeps): Promise<PollReport[]> {
  const settled = await Promise.allSettled(targets.map((target) => pollTarget(target, deps)));
  return settled.map((result, i) => {
    if (result.status === 'fulfilled') return result.value;
    const target = targets[i] as TargetConfig;
    deps.logger.error('poll failed outside collection', {
      target: target.id,
      error: describe(result.reason),
    });
    return {
      targetId: target.id,
      provider: target.provider,
      ok: false,
      jobs: 0,
      containers: 0,
      errors: 1,
      problems: [`poll failed: ${describe(result.reason)}`],
      configOnly: false,
      events: [],
      deadLettered: 0,
      apiCalls: {},
      collectMs: 0,
      totalMs: 0,
    };
  });
}

async function collectSafely(target: TargetConfig, deps: PollDeps): Promise<TargetSnapshot> {
  const provider = deps.providers[target.provider];
  const atMs = deps.now();
  const failed = (message: string): TargetSnapshot => ({
    ...emptySnapshot(target, atMs),
    errors: [{ kind: 'invalid-response', operation: 'collect', message, atMs }],
    complete: false,
  });
  if (!provider) return failed(`provider ${target.provider} is not available`);
  try {
    return await provider.collect(target, {
      now: deps.now,
      secrets: deps.secrets,
      logger: deps.logger,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
  } catch (error) {
    // Collectors must not throw; if one does, it is still only this target's problem.
    deps.logger.error('collector threw', { target: target.id, error: describe(error) });
    return failed(`collector failed: ${describe(error)}`);
  }
}

async function persist(targetId: string, output: DetectOutput, store: Store): Promise<void> {
  const changed = output.changed
    .map((key) => ({ key, state: output.next.get(key) }))
    .filter((entry): entry is { key: string; state: ResourceState } => entry.state !== undefined);
  await store.putMany(changed.map(({ key, state }) => ({ pk: detectPk(targetId), sk: key, data: state })));
  await Promise.all(output.removed.map((key) => store.delete(detectPk(targetId), key)));
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
