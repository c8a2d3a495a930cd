import { describe, expect, it } from 'vitest';
import { containerRef, jobRef, targetRef } from '../../lib/detect/describe.js';
import { buildEvent, type EventType, type JobwatchEvent, type ResourceRef } from '../../lib/events/index.js';
import type { ActionName } from '../../lib/providers/types.js';
import type { SandboxPlugin } from '../../lib/sandbox/index.js';
import {
  asTarget,
  fixFailedPolicy,
  SANDBOX_PROVIDERS,
  type SandboxProviderCase,
  useRemediationHarness,
  verifiedPolicy,
} from './sandbox-harness.js';

/**
 * Remediation acts on current truth only (issue 14, defect 4), against the vendor emulators over real
 * sockets with the Store on dynalite: a replayed finding whose job a person already fixed, a finding that
 * resolved, a late delivery, a duplicate and a fresh read that fails. Vendor calls are counted in the
 * sandbox's request log; every skip must be in the audit trail with its reason.
 */

const startHarness = useRemediationHarness();

const MIN = 60_000;

const CASES: SandboxProviderCase[] = [
  SANDBOX_PROVIDERS['alibaba-blink'],
  SANDBOX_PROVIDERS['huawei-mrs'],
  SANDBOX_PROVIDERS['huawei-dli'],
];

const fixPolicy = (c: SandboxProviderCase, extra: Record<string, unknown> = {}) => ({
  mode: 'enforce',
  ...extra,
  policies: [fixFailedPolicy(c)],
});

describe.each(CASES)('$id: a replayed finding meets current truth', (c) => {
  async function start(extra: Record<string, unknown> = {}) {
    const h = await startHarness({ of: c, remediation: fixPolicy(c, extra), speed: 30 });
    return { h, provider: h.provider };
  }

  it('an old job.failed whose job a person has fixed since: vendor says RUNNING, nothing is sent', async () => {
    // Prepare: the failure is seen; a person fixes the job from the console before the event arrives. The
    // age limit is wide, so only the fresh read can tell.
    const { h, provider } = await start({ maxEventAgeSeconds: 3600 });
    const failed = await h.pollUntil('job.failed', c.failed.job);
    const fix = await provider.actions.perform(
      h.target,
      {
        action: c.failed.action,
        resource: asTarget(failed.data.resource),
        params: {},
        verifyTimeoutMs: 120_000,
        verifyIntervalMs: 200,
      },
      h.ctx,
    );
    expect(fix.ok).toBe(true);
    const mark = h.sandbox.requests.length;
    // Act: the old event is delivered (a retry or a replay).
    const report = await h.remediator().handle([failed]);
    // Assess: the vendor was read, not changed; the audit says why.
    expect(h.calls(c.mutatingOps, mark)).toEqual([]);
    expect(h.calls([c.readOp], mark).length).toBeGreaterThan(0);
    expect(report.decisions[0]).toMatchObject({ decision: 'skipped', reasonCode: 'state-changed' });
    const audit = await h.lastDecision(failed.data.resource.key);
    expect(audit).toMatchObject({ decision: 'skipped', reasonCode: 'state-changed', mode: 'enforce' });
    expect(audit?.reason).toMatch(/^state-changed: vendor says (RUNNING|PENDING|SUCCEEDED)\b/);
    expect(h.sink.of('remediation.skipped')).toHaveLength(1);
  });

  it('a fresh read that fails is no permission: no action, a warning and an audit record', async () => {
    const { h } = await start();
    const failed = await h.pollUntil('job.failed', c.failed.job);
    h.sandbox.faults.inject({ operation: c.readOp, kind: 'status', status: 503 });
    const mark = h.sandbox.requests.length;
    const report = await h.remediator().handle([failed]);
    expect(h.calls(c.mutatingOps, mark)).toEqual([]);
    expect(h.calls([c.readOp], mark).length).toBeGreaterThan(0);
    expect(report.decisions[0]).toMatchObject({ decision: 'skipped', reasonCode: 'vendor-read-failed' });
    const skipped = h.sink.of('remediation.skipped');
    expect(skipped.map((e) => [e.data.severity, e.data.values.reasonCode])).toEqual([
      ['warning', 'vendor-read-failed'],
    ]);
    const audit = await h.lastDecision(failed.data.resource.key);
    expect(audit).toMatchObject({ decision: 'skipped', reasonCode: 'vendor-read-failed' });
    expect(audit?.reason).toContain('could not be read');
  });
});

/**
 * Every trigger type, delivered out of order, late and twice, on DLI: a world with a healthy and a failed
 * Flink job and an idle queue, each finding built as detection builds it about a real emulator resource.
 */
describe('huawei-dli: duplicate, late and out-of-order delivery of every trigger type', () => {
  /** Type -> the resource it is about and the action a policy takes; undefined action: nothing applies. */
  const TRIGGERS: {
    type: EventType;
    on: 'steady' | 'broken' | 'queue' | 'cluster' | 'target';
    action?: ActionName;
    /** What the fresh read says of a real, current finding. */
    real: 'acts' | 'state-changed' | 'unsupported-resource' | 'unsupported-action';
  }[] = [
    { type: 'job.failed', on: 'broken', action: 'restart', real: 'acts' },
    { type: 'job.state_changed', on: 'broken', action: 'restart', real: 'acts' },
    { type: 'job.stuck', on: 'steady', action: 'restart', real: 'acts' },
    { type: 'checkpoint.failed', on: 'steady', action: 'restart', real: 'acts' },
    { type: 'checkpoint.stalled', on: 'steady', action: 'restart', real: 'acts' },
    { type: 'failover.burst', on: 'steady', action: 'restart', real: 'acts' },
    { type: 'metric.threshold', on: 'steady', action: 'restart', real: 'acts' },
    // DLI reports a queue unhealthy only while it restarts; an idle queue is healthy now.
    { type: 'queue.unhealthy', on: 'queue', action: 'restart-queue', real: 'state-changed' },
    { type: 'cluster.unhealthy', on: 'cluster', action: 'restart', real: 'unsupported-action' },
    { type: 'source.unreachable', on: 'target', action: 'restart', real: 'unsupported-resource' },
  ];

  async function startWorld(type: EventType, action: ActionName) {
    const { createDliEmulator, flinkJob } = await import('../../lib/providers/huawei-dli/sandbox.js');
    const { huaweiDliProvider } = await import('../../lib/providers/huawei-dli/index.js');
    const HOUR = 3_600_000;
    const plugin: SandboxPlugin = {
      provider: 'huawei-dli',
      create: ({ clock }) => {
        const t0 = clock.now();
        const flink = (id: number, name: string, status: string) =>
          flinkJob(id, name, t0, [{ atMs: 0, status, startMs: t0 - HOUR }], { jobType: 'flink_jar_job' });
        return createDliEmulator(
          {
            flink: [flink(8001, 'steady', 'job_running'), flink(8002, 'broken', 'job_running_exception')],
            spark: [],
            sql: [],
            queues: [
              { name: 'general_queue', type: 'general', cuCount: 16, createMs: t0 - HOUR, restarts: [] },
            ],
            flinkOffsetAsPage: false,
            sqlPageFromZero: false,
          },
          clock,
        );
      },
    };
    const h = await startHarness({
      plugin,
      provider: huaweiDliProvider,
      speed: 30,
      remediation: {
        mode: 'enforce',
        policies: [verifiedPolicy({ name: 'act-on-it', types: [type], action })],
      },
    });
    return { h, provider: huaweiDliProvider };
  }

  const MUTATING = ['BatchRunFlinkJobs', 'BatchStopFlinkJobs', 'RunQueueAction'];

  it.each(TRIGGERS)(
    '$type: 0 actions on stale or resolved deliveries, one for the real finding',
    async (t) => {
      // Prepare
      const { h, provider } = await startWorld(t.type, t.action ?? 'restart');
      const snapshot = await provider.collect(h.target, h.ctx);
      const ref: ResourceRef =
        t.on === 'queue'
          ? containerRef(snapshot.containers.find((q) => q.name === 'general_queue') as never)
          : t.on === 'cluster'
            ? {
                key: 'huawei-dli/cn-north-4/cluster:c1/cluster:c1',
                kind: 'cluster',
                name: 'c1',
                vendorId: 'c1',
                scope: { kind: 'cluster', id: 'c1' },
              }
            : t.on === 'target'
              ? targetRef(h.target.id, `huawei-dli/${h.target.id}`)
              : jobRef(snapshot.jobs.find((j) => j.name === t.on) as never);
      const broken = t.on === 'broken';
      const values: Record<string, string | number | boolean> =
        t.on === 'queue' || t.on === 'cluster'
          ? { health: 'DEGRADED', vendorState: 'restarting', targetJobCount: 2 }
          : {
              state: broken ? 'FAILED' : 'RUNNING',
              vendorState: broken ? 'job_running_exception' : 'job_running',
              ...(broken ? { stateCause: 'system' } : {}),
              autoRestart: false,
              pollsFiring: 1,
              targetJobCount: 2,
              ...(t.type === 'job.state_changed' ? { from: 'RUNNING', to: 'FAILED' } : {}),
            };
      /** A finding as detection publishes it: an incident that started at `startsAtMs`, seen at `observedAtMs`. */
      const finding = (startsAtMs: number, status: 'firing' | 'resolved', observedAtMs = h.clock.now()) =>
        buildEvent({
          type: t.type,
          provider: 'huawei-dli',
          targetId: h.target.id,
          region: h.target.region,
          resource: ref,
          severity: 'critical',
          status,
          title: `${t.type} on ${ref.name}`,
          summary: `${t.type} on ${ref.name}`,
          values,
          startsAtMs,
          ...(status === 'resolved' ? { endsAtMs: observedAtMs } : {}),
          atMs: status === 'resolved' ? observedAtMs : startsAtMs,
          observedAtMs,
        });
      const mutations = () => h.calls(MUTATING).length;
      const audit = () => h.lastDecision(ref.key);
      const incident1 = h.clock.now() - 5 * MIN;

      // Out of order: the resolve arrives first (a dead-letter replay), then its firing, then the firing again.
      await h.remediator().handle([finding(incident1, 'resolved')]);
      await h.remediator().handle([finding(incident1, 'firing')]);
      await h.remediator().handle([finding(incident1, 'firing')]);
      expect(mutations()).toBe(0);
      expect(await audit()).toMatchObject({ decision: 'skipped', reasonCode: 'already-resolved' });

      // Late: a newer incident, delivered ten minutes after it was seen (default limit: two 60 s polls).
      h.clock.advance(MIN);
      const incident2 = h.clock.now();
      h.clock.advance(10 * MIN);
      const late = finding(incident2, 'firing', incident2);
      await h.remediator().handle([late]);
      expect(mutations()).toBe(0);
      expect(await audit()).toMatchObject({ decision: 'skipped', reasonCode: 'stale-event' });
      expect((await audit())?.reason).toContain('stale event: observed 10m ago');

      // The real finding, delivered twice at once and once more: exactly one action where one applies.
      const incident3 = h.clock.now();
      const real = finding(incident3, 'firing');
      await h.remediator().handle([real, real]);
      await h.remediator().handle([real]);
      const expected = t.real === 'acts' ? 1 : 0;
      expect(h.calls(['BatchRunFlinkJobs', 'RunQueueAction'])).toHaveLength(expected);
      if (t.real === 'acts') {
        expect(await audit()).toMatchObject({ decision: 'performed', outcome: 'verified' });
      } else {
        expect(await audit()).toMatchObject({ decision: 'skipped', reasonCode: t.real });
      }
      const acted = mutations();

      // After the fix: the resolve arrives, then the firing once more (late, then within the age limit).
      h.clock.advance(MIN);
      await h.remediator().handle([finding(incident3, 'resolved')]);
      await h.remediator().handle([real]);
      await h.remediator().handle([finding(incident3, 'firing')]);
      expect(mutations()).toBe(acted);
      // A finding already decided stays decided (no second record); one that was skipped says why it still is.
      if (t.real === 'acts') expect(await audit()).toMatchObject({ decision: 'performed' });
      else expect(await audit()).toMatchObject({ decision: 'skipped', reasonCode: 'already-resolved' });
    },
  );
});

describe('the remediate subscriber learns resolves', () => {
  it('a resolved finding reaches remediation, so its late firing is not acted on', async () => {
    const { remediationAccepts } = await import('../../lib/runtime/services.js');
    const base = {
      type: 'job.failed' as const,
      provider: 'huawei-dli' as const,
      targetId: 't',
      region: 'r',
      resource: {
        key: 'k',
        kind: 'job' as const,
        name: 'j',
        vendorId: '1',
        scope: { kind: 'queue' as const, id: 'q' },
      },
      severity: 'critical' as const,
      title: 'x',
      summary: 'x',
      startsAtMs: 0,
    };
    const resolved: JobwatchEvent = buildEvent({ ...base, status: 'resolved', endsAtMs: 1 });
    const decision: JobwatchEvent = buildEvent({ ...base, type: 'remediation.skipped', status: 'firing' });
    expect(remediationAccepts(resolved)).toBe(true);
    expect(remediationAccepts(decision)).toBe(false);
  });
});
