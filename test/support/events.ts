/** Event inputs shared by tests of different layers (ingest, the AWS host). */

/** Where a numbered DLI job lives; the defaults are the ingest tests' project `p` in cn-north-4. */
export interface DliJobOptions {
  name?: string;
  key?: string;
  projectId?: string;
}

/**
 * A firing, critical `job.failed` input for DLI job number `n` (its vendorId) on target dli-prod, as a
 * sender posts it or a rule builds it; spread it and add fields to change it.
 */
export function dliJobFailed(n: number, startsAtMs: number, options: DliJobOptions = {}) {
  const name = options.name ?? `nightly-${n}`;
  return {
    type: 'job.failed' as const,
    provider: 'huawei-dli' as const,
    targetId: 'dli-prod',
    region: 'cn-north-4',
    resource: {
      key: options.key ?? `huawei-dli/cn-north-4/project:p/job:${n}`,
      kind: 'job' as const,
      name,
      vendorId: String(n),
      scope: { kind: 'project' as const, id: options.projectId ?? 'p' },
    },
    severity: 'critical' as const,
    status: 'firing' as const,
    title: `${name} failed`,
    summary: 'exit code 1',
    startsAtMs,
  };
}
