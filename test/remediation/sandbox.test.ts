import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JobwatchEvent } from '../../lib/events/index.js';
import { huaweiDliProvider } from '../../lib/providers/huawei-dli/index.js';
import type { ActionName, Provider } from '../../lib/providers/types.js';
import { streamJobTarget } from '../providers/harness.js';
import { badDeployPlugin, restartFailedPolicy } from '../support/bad-deploy.js';
import {
  fixFailedPolicy,
  type RemediationHarness,
  SANDBOX_PROVIDERS,
  type SandboxProviderCase,
  useRemediationHarness,
} from './sandbox-harness.js';

/**
 * Acceptance, per provider, against its emulator: a failed job is restarted and reported; a job whose
 * restart keeps failing spends its budget and escalates; a job a person stopped is skipped with a reason;
 * dry-run calls no vendor API; two concurrent invocations for one finding act once. Every assertion about
 * vendor calls reads the sandbox's request log.
 */

interface ProviderCase extends SandboxProviderCase {
  /** A job a person stops or pauses, and the action a careless policy would take on it. */
  userStop: {
    job: string;
    action: ActionName;
    cause?: (h: RemediationHarness, provider: Provider) => Promise<void>;
  };
}

const root = new URL('../../lib/providers/', import.meta.url);
const landed = (id: string) =>
  existsSync(new URL(`${id}/index.ts`, root)) && existsSync(new URL(`${id}/sandbox.ts`, root));

const CASES: ProviderCase[] = [
  {
    ...SANDBOX_PROVIDERS['alibaba-blink'],
    userStop: {
      job: 'orders_etl',
      action: 'resume',
      // A person pauses a healthy job from the console (the same API call our pause makes).
      cause: async (h, provider) => {
        const resource = streamJobTarget('orders_etl', { kind: 'project', id: 'analytics' }, 'console');
        const outcome = await provider.actions.perform(
          h.target,
          { action: 'pause', resource, params: {}, verifyTimeoutMs: 60_000, verifyIntervalMs: 200 },
          h.ctx,
        );
        if (!outcome.ok) throw new Error(`console pause failed: ${outcome.message}`);
      },
    },
  },
  {
    ...SANDBOX_PROVIDERS['alibaba-flink'],
    // The scenario's legacy_report is stopped from the console half a minute in (CANCELLED).
    userStop: { job: 'legacy_report', action: 'restart' },
  },
  {
    ...SANDBOX_PROVIDERS['huawei-mrs'],
    // The scenario's user-adhoc run is killed by a user one minute in.
    userStop: { job: 'user-adhoc', action: 'resubmit' },
  },
  {
    ...SANDBOX_PROVIDERS['huawei-dli'],
    // The scenario's nightly-stop job is being cancelled by its owner and ends job_cancel_success.
    userStop: { job: 'nightly-stop', action: 'restart' },
  },
];

const policies = (c: ProviderCase, mode: 'dry-run' | 'enforce') => ({
  mode,
  policies: [
    fixFailedPolicy(c),
    {
      name: 'undo-stops',
      match: { types: ['job.state_changed'], jobs: { include: [c.userStop.job] } },
      action: c.userStop.action,
      fromStates: ['STOPPED', 'PAUSED'],
      verify: { timeoutSeconds: 120, intervalSeconds: 0.2 },
    },
  ],
});

const startHarness = useRemediationHarness();

describe.each(CASES)('$id sandbox', (c) => {
  const run = landed(c.id) ? it : it.skip;

  async function start(mode: 'dry-run' | 'enforce') {
    const h = await startHarness({ of: c, remediation: policies(c, mode), speed: 30 });
    return { h, provider: h.provider };
  }

  const remediationEvents = (h: RemediationHarness) =>
    h.sink.events.map((e) => `${e.data.type} ${e.data.values.outcome} ${e.data.values.attempt ?? '-'}`);

  run('a failed job is restarted, verified and reported, and detection sees it recover', async () => {
    // Prepare
    const { h } = await start('enforce');
    const failed = await h.pollUntil('job.failed', c.failed.job);
    const mark = h.sandbox.requests.length;
    // Act
    const report = await h.remediator().handle([failed]);
    // Assess
    expect(h.calls([c.restartOp], mark)).toHaveLength(1);
    expect(h.calls([c.restartOp], mark)[0]?.status).toBeLessThan(300);
    expect(remediationEvents(h)).toEqual(['remediation.performed verified 1/3']);
    const performed = h.sink.events[0] as JobwatchEvent;
    expect(performed.data).toMatchObject({
      provider: c.id,
      resource: { key: failed.data.resource.key },
      values: {
        action: c.failed.action,
        mode: 'enforce',
        policy: 'fix-failed',
        triggerFingerprint: failed.data.fingerprint,
      },
    });
    expect(report.decisions[0]).toMatchObject({ decision: 'performed', attempts: 1 });
    // The next polls see the job healthy again.
    let resolved: JobwatchEvent | undefined;
    for (let i = 0; i < 6 && !resolved; i++) {
      h.clock.advance(30_000);
      resolved = (await h.poll()).find(
        (e) => e.data.fingerprint === failed.data.fingerprint && e.data.status === 'resolved',
      );
    }
    expect(resolved).toBeDefined();
  });

  run('a job whose restart keeps failing spends its budget and escalates', async () => {
    const { h } = await start('enforce');
    const failed = await h.pollUntil('job.failed', c.failed.job);
    h.sandbox.faults.inject({ operation: c.restartOp, kind: 'status', status: 503 });
    const mark = h.sandbox.requests.length;
    await h.remediator().handle([failed]);
    // Three attempts reached the vendor (the HTTP client may retry each one on 503).
    expect(h.calls([c.restartOp], mark).length).toBeGreaterThanOrEqual(3);
    const events = h.sink.events;
    expect(events.map((e) => [e.data.type, e.data.severity])).toEqual([
      ['remediation.failed', 'warning'],
      ['remediation.failed', 'warning'],
      ['remediation.failed', 'critical'],
    ]);
    expect(events[2]?.data.summary).toMatch(/^(restart|resubmit) 3\/3 failed, giving up/);
    // A later invocation for the same job finds the budget spent and does not touch the vendor.
    h.sandbox.faults.clear();
    const later = h.sandbox.requests.length;
    const again = await h.remediator().handle([failed]);
    expect(again.decisions[0]?.decision).toBe('duplicate');
    expect(h.calls(c.mutatingOps, later)).toHaveLength(0);
  });

  run('a job a person stopped or paused is skipped with a reason', async () => {
    const { h, provider } = await start('enforce');
    if (c.userStop.cause) {
      await h.poll();
      await c.userStop.cause(h, provider);
    }
    // The change into the stopped or paused state (detection also reports a job's first sighting).
    const changed = await h.pollUntil('job.state_changed', c.userStop.job, {
      where: (e) => e.data.values.to === 'STOPPED' || e.data.values.to === 'PAUSED',
    });
    expect(changed.data.values.stateCause).toBe('user');
    const mark = h.sandbox.requests.length;
    await h.remediator().handle([changed]);
    expect(h.calls(c.mutatingOps, mark)).toHaveLength(0);
    expect(h.sink.events).toHaveLength(1);
    expect(h.sink.events[0]?.data).toMatchObject({
      type: 'remediation.skipped',
      values: { reasonCode: 'stopped-by-user', policy: 'undo-stops' },
    });
    expect(h.sink.events[0]?.data.summary).toContain('by a person');
  });

  run('dry-run calls no vendor API and says what it would do', async () => {
    const { h } = await start('dry-run');
    const failed = await h.pollUntil('job.failed', c.failed.job);
    const mark = h.sandbox.requests.length;
    await h.remediator().handle([failed]);
    expect(h.sandbox.requests.slice(mark)).toEqual([]);
    expect(remediationEvents(h)).toEqual(['remediation.performed dry-run 1/3']);
    expect(h.sink.events[0]?.data.summary).toContain(`would ${c.failed.action}`);
  });

  run('two concurrent invocations for one finding produce one action', async () => {
    const { h } = await start('enforce');
    const failed = await h.pollUntil('job.failed', c.failed.job);
    const mark = h.sandbox.requests.length;
    const reports = await Promise.all([
      h.remediator('inv-a').handle([failed]),
      h.remediator('inv-b').handle([failed]),
    ]);
    expect(h.calls([c.restartOp], mark)).toHaveLength(1);
    expect(reports.map((r) => r.decisions[0]?.decision).sort()).toEqual(['duplicate', 'performed']);
    expect(h.sink.of('remediation.performed')).toHaveLength(1);
  });
});

describe('huawei-dli sandbox: a crash loop across findings', () => {
  const HOUR = 3_600_000;
  const run = landed('huawei-dli') ? it : it.skip;

  run(
    'each new failure spends one restart; the fourth within the hour escalates instead of acting',
    async () => {
      // Prepare: one Flink job that fails a minute after every run, as a bad deploy would.
      const plugin = badDeployPlugin(
        (t0) => [
          { atMs: 0, status: 'job_running', startMs: t0 - HOUR },
          { atMs: t0 + 60_000, status: 'job_running_exception', startMs: t0 - HOUR, desc: 'OOM' },
        ],
        { failsAfterRunMs: 60_000 },
      );
      const remediation = { policies: [restartFailedPolicy(60)] };
      const h = await startHarness({ plugin, provider: huaweiDliProvider, remediation, speed: 30 });
      const remediator = h.remediator();

      // Act: poll, hand every finding to the remediator, as the pipeline does, for a simulated half hour.
      const findings: JobwatchEvent[] = [];
      for (let i = 0; i < 60 && h.sink.of('remediation.failed').length === 0; i++) {
        const events = await h.poll();
        findings.push(...events.filter((e) => e.data.type === 'job.failed' && e.data.status === 'firing'));
        await remediator.handle(events);
        h.clock.advance(30_000);
      }

      // Assess: three restarts reached DLI, one per failure, then a critical give-up and no fourth run.
      expect(findings.length).toBe(4);
      // One incident (the job is never healthy for the resolve window), each new failure an occurrence of it.
      expect(findings.map((f) => f.data.occurrence)).toEqual([1, 2, 3, 4]);
      expect(new Set(findings.map((f) => f.data.startsAtMs)).size).toBe(1);
      expect(h.calls(['BatchRunFlinkJobs'])).toHaveLength(3);
      expect(
        h.sink.events.map((e) => `${e.data.type} ${e.data.severity} ${e.data.values.attempt ?? '-'}`),
      ).toEqual([
        'remediation.performed info 1/3',
        'remediation.performed info 2/3',
        'remediation.performed info 3/3',
        'remediation.failed critical -',
      ]);
      expect(h.sink.events[3]?.data.summary).toContain('3/3 actions on this job in the last 1h; giving up');
    },
  );
});
