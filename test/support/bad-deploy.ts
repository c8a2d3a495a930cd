/**
 * The bad deploy, for end-to-end tests (alerts, remediation): a DLI emulator world with one Flink job that
 * keeps failing, and the restart policy that fights it.
 */
import { createDliEmulator, type DliWorld, flinkJob } from '../../lib/providers/huawei-dli/sandbox.js';
import type { SandboxPlugin } from '../../lib/sandbox/index.js';

export type { DliWorld };
export type DliFlinkJob = DliWorld['flink'][number];
export type DliPhase = DliFlinkJob['phases'][number];

const HOUR = 3_600_000;

/**
 * One Flink jar job, `bad-deploy` (id 7001, created two hours before `t0`), going through `phases` on one
 * general queue; `job` overrides fields of the job (e.g. `failsAfterRunMs`).
 */
export function badDeployWorld(t0: number, phases: DliPhase[], job: Partial<DliFlinkJob> = {}): DliWorld {
  return {
    flink: [flinkJob(7001, 'bad-deploy', t0, phases, { jobType: 'flink_jar_job', ...job })],
    spark: [],
    sql: [],
    queues: [
      { name: 'general_queue', type: 'general', cuCount: 16, createMs: t0 - 30 * 24 * HOUR, restarts: [] },
    ],
    flinkOffsetAsPage: false,
    sqlPageFromZero: false,
  };
}

/**
 * A sandbox plugin serving `badDeployWorld` from the sandbox clock's start; `onWorld` receives the world so
 * a test can read or change it while the emulator runs.
 */
export function badDeployPlugin(
  phases: (t0: number) => DliPhase[],
  job: Partial<DliFlinkJob> = {},
  onWorld: (world: DliWorld) => void = () => {},
): SandboxPlugin {
  return {
    provider: 'huawei-dli',
    create: ({ clock }) => {
      const t0 = clock.now();
      const world = badDeployWorld(t0, phases(t0), job);
      onWorld(world);
      return createDliEmulator(world, clock);
    },
  };
}

/** Restarts a failed job at once (enforce), three times an hour at most, verifying each restart. */
export function restartFailedPolicy(cooldownSeconds: number) {
  return {
    name: 'restart-failed',
    match: { types: ['job.failed'] },
    action: 'restart',
    mode: 'enforce',
    guards: { cooldownSeconds, budget: { max: 3, windowSeconds: 3600 } },
    verify: { timeoutSeconds: 120, intervalSeconds: 0.2 },
  };
}
