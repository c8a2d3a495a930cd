import { DEFAULT_INHIBIT_RULES } from '../lib/alerts/config.js';
import {
  composeMuters,
  createInhibitor,
  createMaintenanceMuter,
  createSilenceMuter,
} from '../lib/alerts/mute.js';
import { groupKeyFor, groupLabelsFor, matchRoutes, routeTree } from '../lib/alerts/route.js';
import { alertLabels } from '../lib/alerts/silences.js';
import { demoConfig } from '../lib/cli/demo-config.js';
import { parseConfig } from '../lib/config/load.js';
import { detect, type ResourceState } from '../lib/detect/index.js';
import { buildEvent } from '../lib/events/build.js';
import type { JobwatchEvent } from '../lib/events/schema.js';
import { type JobSnapshot, resourceKey, type TargetSnapshot } from '../lib/model/snapshot.js';

const PROJECT = '0123456789abcdef0123456789abcdef';

/**
 * CPU cost of detection and routing with no I/O: `jobs` synthetic jobs that fail on odd polls and recover
 * on even ones (hysteresis 1/1), so every poll after the first yields one event per job.
 */
export function detectAndRoute(jobs: number, polls = 6) {
  const config = parseConfig({
    ...demoConfig([
      {
        id: 'bench',
        provider: 'huawei-dli',
        region: 'cn-north-4',
        endpoint: 'http://127.0.0.1:1',
        credentials: { accessKeyId: 'env:A', secretAccessKey: 'env:B' },
        options: { projectId: PROJECT },
        labels: { team: 'data' },
        rules: { hysteresis: { firePolls: 1, resolvePolls: 1 } },
      },
    ]),
  });
  const target = config.targets[0]!;
  const scope = { kind: 'project' as const, id: PROJECT };
  const base: JobSnapshot[] = Array.from({ length: jobs }, (_, i) => ({
    type: 'job',
    key: resourceKey({
      provider: 'huawei-dli',
      region: 'cn-north-4',
      scope,
      type: 'job',
      vendorId: String(i),
    }),
    provider: 'huawei-dli',
    targetId: 'bench',
    region: 'cn-north-4',
    scope,
    name: `job-${i}`,
    vendorId: String(i),
    labels: { queue: `q${i % 10}` },
    kind: 'flink-stream',
    instanceId: String(1000 + i), // each job its own run: no evidence shared only because every job has the same instance
    state: 'RUNNING',
    vendorState: 'job_running',
  }));
  const tree = routeTree(config);
  let previous: ReadonlyMap<string, ResourceState> = new Map();
  let detectCpu = 0;
  let routeCpu = 0;
  let events = 0;
  const t0 = Date.UTC(2026, 10, 23);
  for (let poll = 0; poll < polls; poll++) {
    const failing = poll % 2 === 1;
    const nowMs = t0 + poll * 60_000;
    const snapshot: TargetSnapshot = {
      targetId: 'bench',
      provider: 'huawei-dli',
      region: 'cn-north-4',
      collectedAtMs: nowMs,
      durationMs: 0,
      jobs: base.map((j) => (failing ? { ...j, state: 'FAILED', vendorState: 'job_running_exception' } : j)),
      containers: [],
      errors: [],
      complete: true,
      apiCalls: {},
    };
    const c0 = process.cpuUsage();
    const output = detect({ target, defaults: config.defaults.rules, snapshot, previous, nowMs });
    const built = output.drafts.map(buildEvent);
    const c1 = process.cpuUsage(c0);
    detectCpu += (c1.user + c1.system) / 1000;
    previous = output.next;
    events += built.length;
    const r0 = process.cpuUsage();
    route(built, tree, nowMs);
    const r1 = process.cpuUsage(r0);
    routeCpu += (r1.user + r1.system) / 1000;
  }
  return { jobs, polls, events, detectCpuMs: detectCpu, routeCpuMs: routeCpu };
}

function route(events: JobwatchEvent[], tree: ReturnType<typeof routeTree>, nowMs: number): number {
  const alerts = events.map((e) => ({
    fingerprint: e.data.fingerprint,
    labels: alertLabels(e),
    firing: e.data.status === 'firing',
  }));
  const muter = composeMuters([
    createInhibitor(DEFAULT_INHIBIT_RULES, alerts),
    createSilenceMuter([], nowMs),
    createMaintenanceMuter([], nowMs),
  ]);
  let groups = 0;
  for (const alert of alerts) {
    if (muter.mutes(alert)) continue;
    for (const r of matchRoutes(tree, alert.labels)) {
      groupKeyFor(r.id, groupLabelsFor(r.options.groupBy, alert.labels));
      groups++;
    }
  }
  return groups;
}
