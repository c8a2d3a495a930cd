/** Event contents, identity, state handling and rule resolution of detect(). */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from '../../lib/detect/config.js';
import { detect, type ResourceState, resolveRules, TARGET_STATE_KEY } from '../../lib/detect/index.js';
import { compact } from '../../lib/detect/state.js';
import { buildEvent, parseEvent } from '../../lib/events/index.js';
import { cleanVendorText } from '../../lib/text/scrub.js';
import { MAX_ERROR_CHARS } from '../../lib/text/trim.js';
import { Driver, MIN, makeContainer, makeError, makeJob, makeSnapshot, makeTarget, T0 } from './factories.js';

const at = (minutes: number) => T0 + minutes * MIN;

describe('event contents', () => {
  it('job.failed carries identity, labels, console link and the observed values', () => {
    // Prepare
    const driver = new Driver({ labels: { team: 'data', env: 'prod' } });
    // Collectors scrub, single-space and cut vendor text where it enters (cleanVendorText); detection and
    // the alert view copy it as it is.
    const longError = cleanVendorText(
      `Job aborted: password=hunter2 connection refused\n\tat ${'x.y.Z.method(Z.java:1)\n\tat '.repeat(40)}`,
      MAX_ERROR_CHARS,
    );
    const failed = makeJob({
      state: 'FAILED',
      vendorState: 'job_running_exception',
      stateCause: 'system',
      stateSinceMs: at(-2),
      finishedAtMs: at(-1),
      lastError: longError,
      autoRestart: { enabled: false },
    });
    // Act
    const [event] = driver.poll({ jobs: [failed, makeJob({ name: 'other', vendorId: 'other' })] });
    // Assess
    expect(event).toBeDefined();
    const e = parseEvent(event);
    expect(e.type).toBe('io.jobwatch.job.failed');
    expect(e.subject).toBe(failed.key);
    expect(e.source).toBe('jobwatch/huawei-dli/dli-prod');
    expect(e.data.title).toBe('Job orders-etl FAILED');
    expect(e.data.severity).toBe('critical');
    expect(e.data.resource).toEqual({
      key: failed.key,
      kind: 'job',
      name: 'orders-etl',
      vendorId: 'orders-etl',
      instanceId: 'i-1',
      jobKind: 'flink-stream',
      scope: failed.scope,
    });
    expect(e.data.labels).toEqual({
      team: 'data',
      env: 'prod',
      queue: 'q-stream',
      provider: 'huawei-dli',
      target: 'dli-prod',
      kind: 'job',
      jobKind: 'flink-stream',
    });
    expect(e.data.links).toEqual([{ title: 'console', url: failed.consoleUrl }]);
    expect(e.data.values).toMatchObject({
      state: 'FAILED',
      vendorState: 'job_running_exception',
      stateCause: 'system',
      autoRestart: false,
      since: new Date(at(-2)).toISOString(),
      pollsFiring: 1,
      targetJobCount: 2,
    });
    const lastError = String(e.data.values.lastError);
    expect(lastError.length).toBeLessThanOrEqual(300);
    expect(lastError).toMatch(/^Job aborted: password=<redacted> connection refused at x\.y\.Z\.method/);
    expect(lastError).not.toContain('\n');
    // The condition started when the job finished, not when the poll noticed it.
    expect(e.data.startsAtMs).toBe(at(-1));
  });

  it('a job on an unhealthy queue carries the container in values and labels', () => {
    const queue = makeContainer({
      health: 'DEGRADED',
      vendorState: 'scaling',
      hosts: [
        { name: 'node-1', status: 'ok', healthy: true },
        { name: 'node-2', status: 'lost', healthy: false },
      ],
    });
    const job = makeJob({ state: 'FAILED', containerKey: queue.key });
    const events = new Driver().poll({ jobs: [job], containers: [queue] });
    const jobEvent = events.find((e) => e.data.type === 'job.failed');
    const queueEvent = events.find((e) => e.data.type === 'queue.unhealthy');
    expect(jobEvent?.data.values).toMatchObject({ container: 'q-stream', containerHealth: 'DEGRADED' });
    expect(jobEvent?.data.labels.container).toBe('q-stream');
    expect(queueEvent?.data.severity).toBe('warning');
    expect(queueEvent?.data.title).toBe('Queue q-stream DEGRADED');
    expect(queueEvent?.data.values).toMatchObject({
      health: 'DEGRADED',
      unhealthyHosts: 'node-2 (lost)',
      unhealthyHostCount: 1,
      jobsOnContainer: 1,
    });
    expect(queueEvent?.data.labels.kind).toBe('queue');
  });

  it('failover burst, checkpoint and metric events carry their rule numbers', () => {
    const driver = new Driver({ rules: { metrics: [{ name: 'delay', above: 1000, forPolls: 1 }] } });
    const base = {
      checkpoints: { intervalMs: MIN, lastCompletedAtMs: at(-1), lastCompletedId: 7, failedCount: 1 },
      stateSinceMs: at(-60),
    };
    driver.poll({ at: 0, jobs: [makeJob({ ...base })] });
    const events = driver.poll({
      at: 2,
      jobs: [
        makeJob({
          ...base,
          checkpoints: {
            ...base.checkpoints,
            failedCount: 3,
            recentFailures: [{ id: 8, atMs: at(1.5), message: 'Checkpoint expired before completing' }],
          },
          failovers: [1.2, 1.4, 1.6].map((m) => ({
            atMs: at(m),
            message: 'TaskManager lost',
            rootCause: 'OOM',
          })),
          metrics: [{ name: 'delay', value: 5000, unit: 'ms', atMs: at(2) }],
        }),
      ],
    });
    const byType = new Map(events.map((e) => [e.data.type, e.data]));
    expect(byType.get('failover.burst')?.title).toBe('3 failovers in 10 min on orders-etl');
    expect(byType.get('failover.burst')?.values).toMatchObject({ newFailovers: 3, windowSeconds: 600 });
    // Counted by count delta (2) since the vendor listed only the latest failed id.
    expect(byType.get('checkpoint.failed')?.values).toMatchObject({ failedCheckpoints: 2, failedCount: 3 });
    expect(byType.get('checkpoint.stalled')?.values).toMatchObject({
      lastCheckpointAgeSeconds: 180,
      stallLimitSeconds: 120,
      lastCompletedId: 7,
    });
    expect(byType.get('metric.threshold')?.values).toMatchObject({
      metric: 'delay',
      value: 5000,
      threshold: 1000,
    });
    // Issue 15: human units in titles (was 'delay above 1000 ms').
    expect(byType.get('metric.threshold')?.title).toBe('delay above 1.0 s on orders-etl');
  });

  it('source.unreachable is one event per target listing operations and kinds, without secrets', () => {
    const events = new Driver().poll({
      errors: [
        makeError({ operation: 'ListJobs', kind: 'throttled' }),
        makeError({ operation: 'ListJobs', kind: 'timeout', status: undefined }),
        makeError({
          operation: 'ListQueues',
          kind: 'auth',
          status: 401,
          message: 'denied token=abc123secret',
        }),
      ],
    });
    expect(events).toHaveLength(1);
    const data = events[0]?.data;
    expect(data?.type).toBe('source.unreachable');
    expect(data?.resource.kind).toBe('target');
    expect(data?.resource.key).toBe(TARGET_STATE_KEY('dli-prod'));
    expect(data?.summary).toContain('ListJobs (throttled, timeout), ListQueues (auth)');
    expect(data?.values).toMatchObject({
      errorCount: 3,
      kinds: 'throttled, timeout, auth',
      statuses: '429, 401',
    });
    expect(JSON.stringify(events)).not.toContain('abc123secret');
  });

  it('a resolve has the same type and fingerprint, status resolved and endsAtMs at the first clean poll', () => {
    const driver = new Driver();
    const [fired] = driver.poll({ at: 0, jobs: [makeJob({ state: 'FAILED', stateSinceMs: at(-1) })] });
    driver.poll({ at: 1, jobs: [makeJob()] });
    const [resolved] = driver.poll({ at: 2, jobs: [makeJob()] });
    expect(resolved?.data).toMatchObject({
      type: 'job.failed',
      status: 'resolved',
      fingerprint: fired?.data.fingerprint,
      startsAtMs: at(-1),
      endsAtMs: at(1),
      title: 'Job orders-etl recovered (RUNNING)',
    });
    expect(resolved?.data.values.pollsFiring).toBe(1);
    expect(resolved?.id).not.toBe(fired?.id);
  });

  it('a failed job a person then stops is "no longer failed", not "recovered"', () => {
    const driver = new Driver();
    driver.poll({ jobs: [makeJob({ state: 'FAILED' })] });
    driver.poll({ jobs: [makeJob({ state: 'STOPPED', stateCause: 'user' })] });
    const [resolved] = driver.poll({ jobs: [makeJob({ state: 'STOPPED', stateCause: 'user' })] });
    expect(resolved?.data.title).toBe('Job orders-etl no longer failed (STOPPED)');
  });

  it('a system stop is an unexpected state change', () => {
    const driver = new Driver({ rules: { stateChanged: { enabled: true } } });
    driver.poll({ jobs: [makeJob()] });
    const events = driver.poll({ jobs: [makeJob({ state: 'STOPPED', stateCause: 'system' })] });
    expect(events.map((e) => [e.data.type, e.data.values.expected])).toEqual([
      ['job.state_changed', false],
      ['job.failed', undefined],
    ]);
    expect(events[1]?.data.title).toBe('Job orders-etl stopped unexpectedly');
  });

  it('state_changed says whether the change was expected', () => {
    const driver = new Driver({ rules: { stateChanged: { enabled: true } } });
    driver.poll({ jobs: [makeJob()] });
    const [event] = driver.poll({
      jobs: [makeJob({ state: 'PAUSED', stateCause: 'user', stateSinceMs: at(0.5) })],
    });
    expect(event?.data.title).toBe('Job orders-etl RUNNING → PAUSED (by user)');
    expect(event?.data.values).toMatchObject({ from: 'RUNNING', to: 'PAUSED', expected: true });
    expect(event?.data.startsAtMs).toBe(at(0.5));
  });
});

describe('identity and purity', () => {
  const scenario = [
    { at: 0, jobs: [makeJob()], containers: [makeContainer()] },
    {
      at: 1,
      jobs: [makeJob({ state: 'FAILED', stateSinceMs: at(0.5) })],
      containers: [makeContainer({ health: 'UNHEALTHY', stateSinceMs: at(0.7) })],
      errors: [makeError({ atMs: at(1) })],
      complete: true,
    },
    { at: 2, jobs: [makeJob()], containers: [makeContainer()] },
    { at: 3, jobs: [makeJob()], containers: [makeContainer()] },
  ];

  it('two independent runs over the same input give identical events (ids and fingerprints)', () => {
    const first = new Driver().run(scenario);
    const second = new Driver().run(scenario);
    expect(first.flat().length).toBeGreaterThan(0);
    expect(second).toEqual(first);
  });

  it('firing and resolved events of one finding share a fingerprint; different findings do not', () => {
    const events = new Driver().run(scenario).flat();
    const byType = new Map<string, Set<string>>();
    for (const e of events)
      byType.set(e.data.type, (byType.get(e.data.type) ?? new Set()).add(e.data.fingerprint));
    for (const fingerprints of byType.values()) expect(fingerprints.size).toBe(1);
    expect(new Set(events.map((e) => e.data.fingerprint)).size).toBe(byType.size);
  });

  it('a retried poll (same previous state, later clock) re-emits a vendor-timed finding with the same id', () => {
    const { target } = makeTarget();
    const snapshot = makeSnapshot({
      atMs: at(1),
      jobs: [makeJob({ state: 'FAILED', stateSinceMs: at(0.5) })],
    });
    const a = detect({ target, snapshot, previous: new Map(), nowMs: at(1) });
    const b = detect({ target, snapshot, previous: new Map(), nowMs: at(1) + 17_000 });
    expect(a.drafts.map((e) => buildEvent(e).id)).toEqual(b.drafts.map((e) => buildEvent(e).id));
  });

  it('detect does not mutate its inputs', () => {
    const driver = new Driver();
    driver.poll({ jobs: [makeJob({ state: 'FAILED' })] });
    const previous = new Map(driver.stored);
    const frozen = JSON.stringify([...previous]);
    const { target } = makeTarget();
    const snapshot = makeSnapshot({ atMs: at(1), jobs: [makeJob()] });
    const snapshotJson = JSON.stringify(snapshot);
    detect({ target, snapshot, previous, nowMs: at(1) });
    expect(JSON.stringify([...previous])).toBe(frozen);
    expect(JSON.stringify(snapshot)).toBe(snapshotJson);
  });
});

describe('stored state', () => {
  it('writes only what changed, stays small, and keeps nothing for a healthy target', () => {
    const driver = new Driver();
    const jobs = [
      makeJob({
        checkpoints: { intervalMs: MIN, lastCompletedAtMs: at(0), failedCount: 0, recentFailures: [] },
      }),
    ];
    driver.poll({ at: 0, jobs });
    expect(driver.outputs[0]?.changed).toEqual([jobs[0]?.key]);
    driver.poll({ at: 1, jobs });
    expect(driver.outputs[1]?.changed).toEqual([]);
    const size = JSON.stringify(driver.stored.get(jobs[0]?.key as string)).length;
    expect(size).toBeLessThan(2048);
    expect(driver.targetState).toBeUndefined();
  });

  it('removes the target key once the source recovers, and a gone job once nothing fires', () => {
    const driver = new Driver();
    driver.poll({ jobs: [makeJob({ state: 'FAILED' })], errors: [makeError()], complete: true });
    expect(driver.targetState?.conditions['source.unreachable']?.firing).toBe(true);
    driver.poll({ jobs: [] });
    driver.poll({ jobs: [] });
    expect(driver.outputs[2]?.removed.sort()).toEqual([TARGET_STATE_KEY('dli-prod'), makeJob().key].sort());
    expect(driver.stored.size).toBe(0);
  });

  it('an incomplete snapshot keeps a missing job untouched and unwritten', () => {
    const driver = new Driver();
    driver.poll({ jobs: [makeJob({ state: 'FAILED' })] });
    const before = JSON.stringify(driver.stored.get(makeJob().key));
    driver.poll({ jobs: [], errors: [makeError()] });
    const output = driver.outputs[1];
    expect(output?.changed).toEqual([TARGET_STATE_KEY('dli-prod')]);
    expect(output?.removed).toEqual([]);
    expect(JSON.stringify(output?.next.get(makeJob().key))).toBe(before);
  });

  it("keeps an unchanged resource's labels and reference as the previous state's own objects", () => {
    const { target } = makeTarget({ labels: { team: 'data' } });
    const poll = (minutes: number, previous: ReadonlyMap<string, ResourceState>) =>
      detect({
        target,
        snapshot: makeSnapshot({ atMs: at(minutes), jobs: [makeJob({ state: 'FAILED' })] }),
        previous,
        nowMs: at(minutes),
      });
    const first = poll(0, new Map());
    const second = poll(1, first.next);
    const key = makeJob().key;
    expect(second.next.get(key)?.labels).toBe(first.next.get(key)?.labels);
    expect(second.next.get(key)?.ref).toBe(first.next.get(key)?.ref);
    expect(second.changed).toEqual([]);
  });

  it('compact drops undefined members and copies only the objects on the way to one', () => {
    const shared = { a: 1, list: [1, 2] };
    const clean = { shared, other: { b: 'x' } };
    expect(compact(clean)).toBe(clean);
    const dirty = { shared, other: { b: 'x', gone: undefined }, c: undefined, d: 2 };
    const compacted = compact(dirty);
    expect(compacted).toEqual({ shared, other: { b: 'x' }, d: 2 });
    expect(Object.keys(compacted)).toEqual(['shared', 'other', 'd']);
    expect(compacted.shared).toBe(shared);
    expect(dirty.other).toHaveProperty('gone');
  });

  it('compact against the stored state walks only what the stored state does not already hold', () => {
    // What the stored state holds is trusted (compacted when made, or JSON); what is new is still compacted.
    const kept = { a: 1, list: [1, 2] };
    const stored = { kept, list: [kept] };
    const next = { kept, list: [kept, { b: 'x', gone: undefined }], fresh: { c: undefined, d: 2 } };
    const compacted = compact(next, stored);
    expect(JSON.stringify(compacted)).toBe(JSON.stringify(next));
    expect(compacted).toStrictEqual({ kept, list: [kept, { b: 'x' }], fresh: { d: 2 } });
    expect(compacted.kept).toBe(kept);
    expect(compacted.list[0]).toBe(kept);
  });

  it('a state read back with reordered keys is not a change', () => {
    const driver = new Driver();
    const job = makeJob({
      failovers: [],
      checkpoints: { failedCount: 2, recentFailures: [{ id: 3, atMs: at(-1) }] },
    });
    driver.poll({ jobs: [job] });
    const key = job.key;
    const reverse = (v: unknown): unknown =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v)
              .reverse()
              .map(([k, x]) => [k, reverse(x)]),
          )
        : v;
    driver.stored.set(key, reverse(driver.stored.get(key)) as never);
    driver.poll({ jobs: [job] });
    expect(driver.outputs[1]?.changed).toEqual([]);
  });
});

describe('resolveRules', () => {
  // Each row states the precedence rule it checks.
  const { target, defaults } = makeTarget({
    defaults: {
      stuck: { pendingMaxSeconds: 100 },
      metrics: [{ name: 'a', above: 1, forPolls: 3, severity: 'warning' }],
    },
    rules: { stuck: { pendingMaxSeconds: 200, severity: 'critical' } },
    jobRules: [
      {
        match: 'etl-*',
        rules: {
          stuck: { pendingMaxSeconds: 300 },
          metrics: [{ name: 'b', below: 1, forPolls: 1, severity: 'info' }],
        },
      },
      { match: 'etl-daily', rules: { stuck: { pendingMaxSeconds: 400 } } },
    ],
  });
  it.each([
    // Without a job name, the target's rules sit on top of defaults.
    { job: undefined, pending: 200, severity: 'critical', metrics: ['a'] },
    // A job no glob matches gets the target's rules.
    { job: 'orders', pending: 200, severity: 'critical', metrics: ['a'] },
    // The first matching glob wins; objects merge key by key, arrays replace.
    { job: 'etl-hourly', pending: 300, severity: 'critical', metrics: ['b'] },
    // Later matching globs are ignored.
    { job: 'etl-daily', pending: 300, severity: 'critical', metrics: ['b'] },
  ])('job $job', ({ job, pending, severity, metrics }) => {
    const rules = resolveRules(target, defaults, job);
    expect(rules.stuck.pendingMaxSeconds).toBe(pending);
    expect(rules.stuck.severity).toBe(severity);
    expect(rules.metrics.map((m) => m.name)).toEqual(metrics);
    expect(rules.failover).toEqual(DEFAULT_RULES.failover);
  });
});
