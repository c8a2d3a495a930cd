/**
 * The collector against the sandbox over real sockets: paging, states, secrets, detection across polls, and
 * vendor failures that become snapshot errors (never exceptions).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/load.js';
import { BLINK_SANDBOX_PLANTED_SECRET } from '../../../lib/providers/alibaba-blink/sandbox.js';
import { SANDBOX_CREDENTIALS } from '../../../lib/sandbox/index.js';
import { stopAfterEach } from '../../support/stop-after-each.js';
import { retriesSpent, whileHung } from '../harness.js';
import { detector, eventLines, jobByName, startBlinkSandbox, T0 } from './helpers.js';

const startBlink = stopAfterEach(startBlinkSandbox);

describe('collect against the sandbox (test scenario)', () => {
  it('reads every committed job across pages, maps states, counts calls, leaks nothing', async () => {
    const harness = await startBlink();
    const snapshot = await harness.collect();

    expect(snapshot.errors).toEqual([]);
    expect(snapshot.complete).toBe(true);
    // analytics: 29 listed (3 pages of 10), one uncommitted; warehouse: 1.
    expect(snapshot.jobs).toHaveLength(29);
    expect(snapshot.jobs.some((j) => j.name === 'draft_job')).toBe(false);
    expect(snapshot.apiCalls).toEqual({
      ListJob: 4,
      BatchGetInstanceRunSummary: 2,
      ListInstance: 1,
      GetInstanceCheckpoint: 26,
      GetInstanceExceptions: 26,
      GetInstanceMetric: 26,
    });
    // What we counted is what the vendor saw.
    expect(harness.sandbox.callCounts('alibaba-blink')).toEqual(snapshot.apiCalls);
    const listJobPaths = harness.sandbox.requests.filter((r) => r.operation === 'ListJob');
    expect(listJobPaths.map((r) => r.status)).toEqual([200, 200, 200, 200]);

    expect(jobByName(snapshot, 'legacy_report')).toMatchObject({
      state: 'PAUSED',
      vendorState: 'PAUSED',
      stateCause: 'user',
      kind: 'flink-stream',
    });
    expect(jobByName(snapshot, 'nightly_rollup')).toMatchObject({ state: 'SUCCEEDED', kind: 'flink-batch' });
    const dedupe = jobByName(snapshot, 'hourly_dedupe');
    expect(dedupe).toMatchObject({ state: 'FAILED', stateCause: 'system', kind: 'flink-batch' });
    expect(dedupe.lastError).toContain('Recovery is suppressed');
    expect(dedupe.finishedAtMs).toBeLessThan(harness.clock.now());
    const orders = jobByName(snapshot, 'orders_etl');
    expect(orders).toMatchObject({
      key: 'alibaba-blink/cn-hangzhou/project:analytics/job:orders_etl',
      state: 'RUNNING',
      labels: { env: 'sandbox', project: 'analytics', kind: 'flink-stream', queue: 'root.analytics' },
    });
    expect(orders.checkpoints?.intervalMs).toBe(60_000);
    expect(orders.metrics?.map((m) => m.name).sort()).toEqual([
      'delay',
      'fetched_delay',
      'task_failover.rate',
    ]);
    expect(jobByName(snapshot, 'wh_loader').scope).toEqual({ kind: 'project', id: 'warehouse' });

    const text = JSON.stringify(snapshot);
    expect(text).not.toContain(BLINK_SANDBOX_PLANTED_SECRET);
    expect(text).not.toContain(SANDBOX_CREDENTIALS.accessKeySecret);
    expect(text).not.toContain(SANDBOX_CREDENTIALS.accessKeyId);
  });

  it('scripted failures: failed job scrubbed, failovers while RUNNING, failed checkpoints, climbing delay', async () => {
    const harness = await startBlink();
    await harness.collect();
    harness.clock.advance(4 * 60_000);
    const snapshot = await harness.collect();
    const payments = jobByName(snapshot, 'payments_agg');
    expect(payments).toMatchObject({ state: 'FAILED', vendorState: 'FAILED', stateCause: 'system' });
    expect(payments.lastError).toContain('password=<redacted>');
    expect(payments.lastError).not.toContain(BLINK_SANDBOX_PLANTED_SECRET);
    expect(payments.lastError).not.toContain('\tat com.example');

    const clicks = jobByName(snapshot, 'clicks_sessionize');
    expect(clicks.state).toBe('RUNNING');
    // Failovers from +60 s every 30 s up to +240 s (7 so far); like Flink, the vendor lists the last 5.
    expect(clicks.failovers?.map((f) => f.atMs - harness.clock.now())).toEqual([
      -120_000, -90_000, -60_000, -30_000, 0,
    ]);
    // The next poll lists what the vendor lists (the latest five, one of them new); which are new is
    // detection's business, through its stored per-job cursor.
    const before = new Set(clicks.failovers?.map((f) => f.atMs));
    harness.clock.advance(30_000);
    const next = await harness.collect();
    const listed = jobByName(next, 'clicks_sessionize').failovers ?? [];
    expect(listed).toHaveLength(5);
    expect(listed.filter((f) => !before.has(f.atMs))).toHaveLength(1);

    const inventory = jobByName(snapshot, 'inventory_sync');
    // Checkpoints triggered at +60, +120, +180 and +240 s failed; the last completed one is from +0 s.
    expect(inventory.checkpoints?.recentFailures?.map((f) => f.atMs - T0)).toEqual([
      61_200, 121_200, 181_200, 240_000,
    ]);
    expect(inventory.checkpoints?.failedCount).toBe(4);
    expect(inventory.checkpoints?.lastCompletedAtMs).toBe(T0 + 14);
    expect(inventory.checkpoints?.recentFailures?.[0]?.message).toBe('Checkpoint expired before completing.');

    const ads = jobByName(snapshot, 'ads_attribution');
    const delay = ads.metrics?.find((m) => m.name === 'delay');
    expect(delay?.value).toBeGreaterThan(300_000);
  });

  it('each finding fires exactly once across repeated polls and resolves (with detect)', async () => {
    const harness = await startBlink();
    const run = detector(harness.config, harness.target);
    const lines: string[] = [];
    for (let poll = 0; poll <= 36; poll++) {
      const snapshot = await harness.collect();
      expect(snapshot.errors).toEqual([]);
      const events = run(snapshot, harness.clock.now());
      for (const event of events) expect(JSON.stringify(event)).not.toContain(BLINK_SANDBOX_PLANTED_SECRET);
      lines.push(...eventLines(events));
      harness.clock.advance(30_000);
    }
    expect(lines.sort()).toEqual(
      [
        'checkpoint.failed firing inventory_sync',
        'checkpoint.failed resolved inventory_sync',
        'checkpoint.stalled firing inventory_sync',
        'checkpoint.stalled resolved inventory_sync',
        'failover.burst firing clicks_sessionize',
        'failover.burst resolved clicks_sessionize',
        'job.failed firing hourly_dedupe',
        'job.failed firing payments_agg',
        'metric.threshold firing ads_attribution',
        'metric.threshold resolved ads_attribution',
      ].sort(),
    );
  });
});

describe('vendor failures become snapshot errors', () => {
  it('429 with Retry-After is retried after the delay and succeeds', async () => {
    const harness = await startBlink();
    harness.failWith('BatchGetInstanceRunSummary', 429, { retryAfterSeconds: 1, times: 1 });
    const started = Date.now();
    const snapshot = await harness.collect();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.apiCalls['BatchGetInstanceRunSummary']).toBe(3);
    expect(harness.sandbox.requests.filter((r) => r.status === 429)).toHaveLength(1);
  });

  it('persistent throttling: an error with the vendor code, an incomplete snapshot, a source.unreachable event', async () => {
    const harness = await startBlink();
    harness.failWith('BatchGetInstanceRunSummary', 429, { retryAfterSeconds: 0 });
    const snapshot = await harness.collect();
    expect(snapshot.complete).toBe(false);
    expect(snapshot.errors).toHaveLength(2);
    expect(snapshot.errors[0]).toMatchObject(
      retriesSpent('BatchGetInstanceRunSummary', 429, 'Throttling.User'),
    );
    expect(snapshot.errors[0]?.requestId).toMatch(/-5A0A-/);
    // Batch jobs come from ListInstance and are still reported.
    expect(snapshot.jobs.map((j) => j.name).sort()).toEqual(['hourly_dedupe', 'nightly_rollup']);
    const events = detector(harness.config, harness.target)(snapshot, harness.clock.now());
    expect(eventLines(events).sort()).toEqual(
      ['job.failed firing hourly_dedupe', `source.unreachable firing ${harness.target.id}`].sort(),
    );
  });

  it('500, malformed JSON, schema drift and an exhausted time budget never throw', async () => {
    const harness = await startBlink();
    const faults = harness.sandbox.faults;
    harness.failWith('ListInstance', 500);
    faults.inject({
      provider: 'alibaba-blink',
      operation: 'GetInstanceExceptions',
      kind: 'malformed',
      times: 1,
    });
    faults.inject({
      provider: 'alibaba-blink',
      operation: 'GetInstanceCheckpoint',
      kind: 'drift',
      body: { RequestId: 'x', Checkpoints: '{"counts":{"failed":"many"}}' },
      times: 1,
    });
    const snapshot = await harness.collect();
    const byOp = Object.fromEntries(snapshot.errors.map((e) => [e.operation, e]));
    expect(byOp['ListInstance']).toMatchObject(retriesSpent('ListInstance', 500, 'InternalError'));
    expect(byOp['GetInstanceExceptions']).toMatchObject({ kind: 'invalid-response' });
    expect(byOp['GetInstanceCheckpoint Checkpoints']).toMatchObject({ kind: 'invalid-response' });
    expect(byOp['GetInstanceCheckpoint Checkpoints']?.message).toContain('counts.failed');
    expect(snapshot.errors).toHaveLength(3);
    expect(snapshot.complete).toBe(false);
    // Streaming jobs are all there; the batch jobs could not be read.
    expect(snapshot.jobs).toHaveLength(27);

    faults.clear();
    faults.inject({
      provider: 'alibaba-blink',
      operation: 'ListJob',
      kind: 'drift',
      body: { Jobs: { Job: [{ JobName: 42 }] }, TotalCount: 1 },
    });
    const drifted = await harness.collect();
    expect(drifted.jobs).toEqual([]);
    expect(drifted.errors[0]).toMatchObject({ kind: 'invalid-response', operation: 'ListJob' });
    expect(drifted.errors[0]?.message).toContain('Jobs[0].JobName');

    faults.clear();
    faults.inject({ provider: 'alibaba-blink', operation: 'ListJob', kind: 'timeout', ms: 30_000 });
    const budget = await whileHung(harness.sandbox, 'ListJob', (signal) =>
      harness.collect(undefined, { signal }),
    );
    expect(budget.errors[0]).toMatchObject({ kind: 'timeout', operation: 'ListJob' });
    expect(budget.complete).toBe(false);
  });

  it('a bad signature gets the vendor error; another target in the same run still reports', async () => {
    const harness = await startBlink({
      extraTargets: (base) => [
        {
          ...base,
          id: 'blink-wrong-secret',
          credentials: { accessKeyId: 'env:JOBWATCH_SANDBOX_AK', secretAccessKey: 'env:WRONG_SK' },
        },
      ],
    });
    const wrong = harness.config.targets[1]!;
    const [good, bad] = await Promise.all([harness.collect(), harness.collect(wrong)]);
    expect(bad.errors).toHaveLength(2);
    expect(bad.errors[0]).toMatchObject({
      kind: 'auth',
      vendorCode: 'SignatureDoesNotMatch',
      status: 400,
      attempts: 1,
    });
    expect(JSON.stringify(bad)).not.toContain('not-the-sandbox-secret');
    expect(good.errors).toEqual([]);
    expect(good.jobs).toHaveLength(29);
    const badEvents = detector(harness.config, wrong)(bad, harness.clock.now());
    expect(eventLines(badEvents)).toEqual(['source.unreachable firing blink-wrong-secret']);
    expect(eventLines(detector(harness.config, harness.target)(good, harness.clock.now()))).toEqual([
      'job.failed firing hourly_dedupe',
    ]);
  });

  it('a missing secret is a configuration error naming the reference, not an exception', async () => {
    const harness = await startBlink();
    const snapshot = await harness.collect(undefined, {
      secrets: async (ref) => {
        throw new Error(`secret reference ${ref}: environment variable is not set`);
      },
    });
    expect(snapshot.jobs).toEqual([]);
    expect(snapshot.complete).toBe(false);
    // Issue 15: our own unresolved reference is not the vendor refusing us (was kind 'auth').
    expect(snapshot.errors[0]).toMatchObject({ kind: 'config', operation: 'ResolveCredentials' });
    expect(snapshot.errors[0]?.message).toMatch(/secret reference env:\w+: environment variable is not set/);
  });
});

describe('demo scenario', () => {
  it('aged 3 minutes (as `jobwatch poll --once` runs it), shows every kind of finding', async () => {
    const harness = await startBlink({ scenario: 'demo' });
    const run = detector(harness.config, harness.target);
    harness.clock.advance(3 * 60_000);
    const baseline = await harness.collect();
    expect(baseline.errors).toEqual([]);
    const lines = [...eventLines(run(baseline, harness.clock.now()))];
    // Detection baselines checkpoint failures at first sight; the next checkpoint (10 s interval) fails anew.
    harness.clock.advance(10_000);
    lines.push(...eventLines(run(await harness.collect(), harness.clock.now())));
    expect(lines.sort()).toEqual(
      [
        'checkpoint.failed firing inventory_sync',
        'checkpoint.stalled firing inventory_sync',
        'failover.burst firing clicks_sessionize',
        'job.failed firing payments_agg',
        'metric.threshold firing ads_attribution',
      ].sort(),
    );
  });
});

describe('fleet scenario', () => {
  it('serves a large fleet with a few percent unhealthy, read completely', async () => {
    const harness = await startBlink({
      scenario: 'fleet',
      fleet: { blinkJobs: 1000, blinkProjects: 2, blinkRunningPercent: 100 },
    });
    harness.clock.advance(60_000);
    const snapshot = await harness.collect();
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.complete).toBe(true);
    expect(snapshot.jobs).toHaveLength(1000);
    expect(snapshot.apiCalls['ListJob']).toBe(10);
    expect(snapshot.apiCalls['BatchGetInstanceRunSummary']).toBe(20);
    const failed = snapshot.jobs.filter((j) => j.state === 'FAILED').length;
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(30);
  });

  it('reads the projects of a target concurrently under its one limit (issue 17)', async () => {
    const harness = await startBlink({
      scenario: 'fleet',
      fleet: { blinkJobs: 120, blinkProjects: 2, blinkRunningPercent: 100 },
    });
    const snapshot = await harness.collect();
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.jobs).toHaveLength(120);
    const paths = harness.sandbox.requests.filter((r) => r.provider === 'alibaba-blink').map((r) => r.path);
    const firstOfSecond = paths.findIndex((path) => path.includes('/projects/fleet_1/'));
    const lastOfFirst = paths.findLastIndex((path) => path.includes('/projects/fleet_0/'));
    // One after the other, the second project's first call would come after the first project's last.
    expect(firstOfSecond).toBeGreaterThanOrEqual(0);
    expect(firstOfSecond).toBeLessThan(lastOfFirst);
  });
});

describe('config validation', () => {
  const target = (over: Record<string, unknown>) => ({
    id: 'blink',
    provider: 'alibaba-blink',
    region: 'cn-hangzhou',
    credentials: { accessKeyId: 'env:AK', secretAccessKey: 'env:SK' },
    options: { projects: ['p'] },
    ...over,
  });
  const problems = (input: unknown): string => {
    try {
      parseConfig(input);
    } catch (error) {
      return (error as Error).message;
    }
    return 'valid';
  };

  it('accepts a known region, or any region with an endpoint', () => {
    expect(problems({ targets: [target({})] })).toBe('valid');
    expect(problems({ targets: [target({ region: 'mars-1', endpoint: 'https://foas.example.com' })] })).toBe(
      'valid',
    );
  });

  it('names the field path of each problem', () => {
    expect(problems({ targets: [target({ region: 'mars-1' })] })).toContain('targets[0].region');
    expect(problems({ targets: [target({ credentials: { secretAccessKey: 'env:SK' } })] })).toContain(
      'targets[0].credentials.accessKeyId',
    );
    expect(
      problems({
        targets: [target({ credentials: { accessKeyId: 'LTAI5tPlainKey', secretAccessKey: 'env:SK' } })],
      }),
    ).toContain('targets[0].credentials.accessKeyId');
    expect(problems({ targets: [target({ options: { projects: [] } })] })).toContain(
      'targets[0].options.projects',
    );
    expect(problems({ targets: [target({ options: { projects: ['p'], pageSize: 0 } })] })).toContain(
      'targets[0].options.pageSize',
    );
  });
});
