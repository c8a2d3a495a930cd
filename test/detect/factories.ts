/** Small builders for synthetic snapshots, and a driver that runs detect() over polls like the runtime. */
import { parseConfig } from '../../lib/config/load.js';
import type { TargetConfig } from '../../lib/config/schema.js';
import type { RulesOverride, RulesOverrideInput } from '../../lib/detect/config.js';
import { type DetectOutput, detect, type ResourceState, TARGET_STATE_KEY } from '../../lib/detect/index.js';
import { buildEvent, type JobwatchEvent } from '../../lib/events/index.js';
import {
  type CollectionError,
  type ContainerSnapshot,
  type JobSnapshot,
  resourceKey,
  type TargetSnapshot,
} from '../../lib/model/snapshot.js';

export const T0 = Date.UTC(2026, 10, 23, 3, 0, 0);
export const SEC = 1000;
export const MIN = 60 * SEC;

const PROJECT = { kind: 'project' as const, id: '0123456789abcdef0123456789abcdef', name: 'analytics' };

/** Rules as written in jobwatch.yml; they go through the real config loader. */
export interface TargetOptions {
  rules?: RulesOverrideInput;
  jobRules?: { match: string; rules: RulesOverrideInput }[];
  labels?: Record<string, string>;
  defaults?: RulesOverrideInput;
}

/** A target built through the real config loader, so schema defaults apply exactly as in production. */
export function makeTarget(options: TargetOptions = {}): { target: TargetConfig; defaults?: RulesOverride } {
  const config = parseConfig({
    ...(options.defaults ? { defaults: { rules: options.defaults } } : {}),
    targets: [
      {
        id: 'dli-prod',
        provider: 'huawei-dli',
        region: 'cn-north-4',
        credentials: { accessKeyId: 'env:DLI_AK', secretAccessKey: 'env:DLI_SK' },
        options: { projectId: PROJECT.id },
        labels: options.labels ?? { team: 'data' },
        ...(options.rules ? { rules: options.rules } : {}),
        ...(options.jobRules ? { jobRules: options.jobRules } : {}),
      },
    ],
  });
  const target = config.targets[0] as TargetConfig;
  return config.defaults.rules ? { target, defaults: config.defaults.rules } : { target };
}

export function makeJob(overrides: Partial<JobSnapshot> = {}): JobSnapshot {
  const vendorId = overrides.vendorId ?? overrides.name ?? 'orders-etl';
  const job: JobSnapshot = {
    type: 'job',
    key: resourceKey({ provider: 'huawei-dli', region: 'cn-north-4', scope: PROJECT, type: 'job', vendorId }),
    provider: 'huawei-dli',
    targetId: 'dli-prod',
    region: 'cn-north-4',
    scope: PROJECT,
    name: 'orders-etl',
    vendorId,
    kind: 'flink-stream',
    instanceId: 'i-1',
    state: 'RUNNING',
    vendorState: 'job_running',
    labels: { queue: 'q-stream' },
    consoleUrl: `https://console.example.com/dli/jobs/${vendorId}`,
    ...overrides,
  };
  if (overrides.vendorState === undefined) job.vendorState = `job_${job.state.toLowerCase()}`;
  return job;
}

export function makeContainer(overrides: Partial<ContainerSnapshot> = {}): ContainerSnapshot {
  const type = overrides.type ?? 'queue';
  const vendorId = overrides.vendorId ?? 'q-stream';
  return {
    type,
    key: resourceKey({ provider: 'huawei-dli', region: 'cn-north-4', scope: PROJECT, type, vendorId }),
    provider: 'huawei-dli',
    targetId: 'dli-prod',
    region: 'cn-north-4',
    scope: PROJECT,
    name: vendorId,
    vendorId,
    health: 'HEALTHY',
    vendorState: 'running',
    labels: {},
    ...overrides,
  };
}

export function makeError(overrides: Partial<CollectionError> = {}): CollectionError {
  return {
    kind: 'throttled',
    operation: 'GET /v1.0/{project_id}/streaming/jobs',
    message: 'HTTP 429 Too Many Requests',
    status: 429,
    atMs: T0,
    ...overrides,
  };
}

export function makeSnapshot(parts: {
  atMs: number;
  jobs?: JobSnapshot[];
  containers?: ContainerSnapshot[];
  errors?: CollectionError[];
  complete?: boolean;
}): TargetSnapshot {
  return {
    targetId: 'dli-prod',
    provider: 'huawei-dli',
    region: 'cn-north-4',
    collectedAtMs: parts.atMs,
    durationMs: 120,
    jobs: parts.jobs ?? [],
    containers: parts.containers ?? [],
    errors: parts.errors ?? [],
    complete: parts.complete ?? (parts.errors ?? []).length === 0,
    apiCalls: { ListJobs: 1 },
  };
}

export interface Poll {
  /** Minutes after T0; defaults to the poll's index. */
  at?: number;
  jobs?: JobSnapshot[];
  containers?: ContainerSnapshot[];
  errors?: CollectionError[];
  complete?: boolean;
}

/**
 * Runs detect() poll after poll, persisting like the runtime does: only `changed` keys are written (through
 * a JSON round trip, as DynamoDB would) and `removed` keys are deleted.
 */
export class Driver {
  readonly stored = new Map<string, ResourceState>();
  readonly outputs: DetectOutput[] = [];

  constructor(readonly options: TargetOptions = {}) {}

  poll(poll: Poll, index = this.outputs.length): JobwatchEvent[] {
    const { target, defaults } = makeTarget(this.options);
    const atMs = T0 + (poll.at ?? index) * MIN;
    const snapshot = makeSnapshot({
      atMs,
      ...(poll.jobs ? { jobs: poll.jobs } : {}),
      ...(poll.containers ? { containers: poll.containers } : {}),
      ...(poll.errors ? { errors: poll.errors } : {}),
      ...(poll.complete === undefined ? {} : { complete: poll.complete }),
    });
    const output = detect({
      target,
      ...(defaults ? { defaults } : {}),
      snapshot,
      previous: new Map(this.stored),
      nowMs: atMs,
    });
    for (const key of output.changed) {
      this.stored.set(key, JSON.parse(JSON.stringify(output.next.get(key))) as ResourceState);
    }
    for (const key of output.removed) this.stored.delete(key);
    this.outputs.push(output);
    return output.drafts.map(buildEvent);
  }

  run(polls: Poll[]): JobwatchEvent[][] {
    return polls.map((poll) => this.poll(poll));
  }

  get targetState(): ResourceState | undefined {
    return this.stored.get(TARGET_STATE_KEY('dli-prod'));
  }
}

/** `type:status:severity`, the compact form the tables compare. */
export function brief(event: JobwatchEvent): string {
  return `${event.data.type}:${event.data.status}:${event.data.severity}`;
}
