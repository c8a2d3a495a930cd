import type { EventInput } from '../../lib/events/build.js';

/** The DLI job every events test builds on: job.failed, firing, critical; overrides replace whole fields. */
export const dliJobInput = (overrides: Partial<EventInput> = {}): EventInput => ({
  type: 'job.failed',
  provider: 'huawei-dli',
  targetId: 'dli-prod',
  region: 'cn-north-4',
  resource: {
    key: 'huawei-dli/cn-north-4/project:p1/job:42',
    kind: 'job',
    name: 'orders-etl',
    vendorId: '42',
    scope: { kind: 'project', id: 'p1' },
  },
  severity: 'critical',
  status: 'firing',
  title: 'Job orders-etl FAILED',
  summary: 'job_running_exception',
  startsAtMs: Date.UTC(2026, 10, 23, 3, 0, 0),
  ...overrides,
});
