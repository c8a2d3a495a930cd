import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../lib/events/index.js';
import { Driver, MIN, makeJob, T0 } from './factories.js';

const at = (m: number) => T0 + m * MIN;

const RESET =
  'java.net.SocketException: Connection reset by peer (DataHub endpoint dh-cn-shanghai.aliyuncs.com)';
const WRAPPER =
  'org.apache.flink.runtime.io.network.netty.exception.RemoteTransportException: Lost connection to task manager 10.0.3.17:43019';

describe('diagnosis on job events', () => {
  it('classifies a FAILED job from its last error and carries state evidence', () => {
    const driver = new Driver();
    driver.poll({ at: 0, jobs: [makeJob({ state: 'RUNNING', stateSinceMs: at(-30) })] });
    const events = driver.poll({
      at: 10,
      jobs: [
        makeJob({
          state: 'FAILED',
          stateSinceMs: at(8),
          instanceId: 'i-7',
          lastError:
            'java.lang.OutOfMemoryError: Java heap space at java.util.Arrays.copyOf(Arrays.java:3236)',
          checkpoints: { lastCompletedId: 41, lastCompletedAtMs: at(7) },
        }),
      ],
    });
    const failed = events.find((e) => e.data.type === 'job.failed');
    expect(failed).toBeDefined();
    // The event schema accepts what detection built.
    expect(parseEvent(failed).data.diagnosis).toEqual(failed?.data.diagnosis);
    const diagnosis = failed?.data.diagnosis;
    expect(diagnosis?.category).toBe('out-of-memory');
    expect(diagnosis?.summary).toBe('Java heap exhausted: java.lang.OutOfMemoryError: Java heap space');
    expect(diagnosis?.rootCause).toContain('at java.util.Arrays.copyOf(Arrays.java:3236)');
    expect(diagnosis?.evidence).toEqual([
      { label: 'state', value: 'FAILED for 2 min (since 2026-11-23T03:08:00.000Z)', atMs: at(8) },
      { label: 'transition', value: 'RUNNING → FAILED at 2026-11-23T03:08:00.000Z', atMs: at(8) },
      { label: 'instance', value: 'i-7' },
      {
        label: 'last good checkpoint',
        value: '#41 at 2026-11-23T03:07:00.000Z (3 min ago)',
        atMs: at(7),
      },
    ]);
  });

  it('gives a failover loop the first exception of the loop as root cause, not the latest wrapper', () => {
    const driver = new Driver({ rules: { failover: { burstCount: 4, windowSeconds: 600 } } });
    const failovers = [
      { atMs: at(1), message: RESET, rootCause: RESET },
      { atMs: at(2), message: RESET, rootCause: RESET },
      { atMs: at(3), message: WRAPPER },
      { atMs: at(4), message: RESET, rootCause: RESET },
      { atMs: at(5), message: WRAPPER },
    ];
    // The vendor lists only the latest failovers, as Blink's exceptions document does.
    driver.poll({ at: 1, jobs: [makeJob({ failovers: failovers.slice(0, 1) })] });
    driver.poll({ at: 2, jobs: [makeJob({ failovers: failovers.slice(1, 2) })] });
    driver.poll({ at: 3, jobs: [makeJob({ failovers: failovers.slice(2, 3) })] });
    const burst = [
      ...driver.poll({ at: 4, jobs: [makeJob({ failovers: failovers.slice(3, 4) })] }),
      ...driver.poll({ at: 5, jobs: [makeJob({ failovers: failovers.slice(4, 5) })] }),
    ].find((e) => e.data.type === 'failover.burst');
    expect(burst?.data.diagnosis?.category).toBe('network');
    expect(burst?.data.diagnosis?.rootCause).toBe(RESET);
    expect(burst?.data.diagnosis?.summary).toBe(
      `4 failovers in 10 min, 3 of 4 like the first: Network failure: ${RESET}`,
    );
    expect(burst?.data.diagnosis?.evidence).toContainEqual({
      label: 'failovers',
      value: '4 in the last 10 min',
      atMs: at(4),
    });
  });

  it('says "all" when every failover of the loop is like the first, and starts a new loop after a quiet window', () => {
    const driver = new Driver({ rules: { failover: { burstCount: 2, windowSeconds: 300 } } });
    driver.poll({ at: 1, jobs: [makeJob({ failovers: [{ atMs: at(1), message: WRAPPER }] })] });
    // Quiet for longer than the window: the next loop has its own first exception.
    driver.poll({ at: 10, jobs: [makeJob({ failovers: [] })] });
    driver.poll({ at: 11, jobs: [makeJob({ failovers: [{ atMs: at(11), message: RESET }] })] });
    const events = driver.poll({
      at: 12,
      jobs: [makeJob({ failovers: [{ atMs: at(12), message: RESET }] })],
    });
    const diagnosis = events.find((e) => e.data.type === 'failover.burst')?.data.diagnosis;
    expect(diagnosis?.rootCause).toBe(RESET);
    expect(diagnosis?.summary).toMatch(/^2 failovers in 5 min, all: Network failure/);
  });

  it('gives a crash loop the first failure of the loop as root cause, and counts its failures', () => {
    const driver = new Driver();
    const HEAP = 'java.lang.OutOfMemoryError: Java heap space';
    const fail = (m: number, instanceId: string, lastError: string) =>
      driver.poll({
        at: m,
        jobs: [makeJob({ state: 'FAILED', stateSinceMs: at(m), instanceId, lastError })],
      });
    const run = (m: number, instanceId: string) =>
      driver.poll({ at: m, jobs: [makeJob({ state: 'RUNNING', stateSinceMs: at(m), instanceId })] });
    fail(1, 'i-1', HEAP);
    run(2, 'i-2');
    fail(3, 'i-2', WRAPPER);
    run(4, 'i-3');
    const events = fail(5, 'i-3', WRAPPER);
    const diagnosis = events.find((e) => e.data.type === 'job.failed')?.data.diagnosis;
    expect(diagnosis?.category).toBe('out-of-memory');
    expect(diagnosis?.rootCause).toBe(HEAP);
    expect(diagnosis?.summary).toBe(`crash loop: failed 3 times, the first: Java heap exhausted: ${HEAP}`);
    expect(diagnosis?.evidence).toContainEqual({
      label: 'crash loop',
      value: '3 failures, each within 10 min of the one before',
    });
    // Long after the loop, a failure starts a new one with its own first error.
    run(30, 'i-4');
    const later = fail(40, 'i-4', WRAPPER).find((e) => e.data.type === 'job.failed')?.data.diagnosis;
    expect(later?.rootCause).toBe(WRAPPER);
    expect(later?.summary).not.toMatch(/crash loop/);
  });

  it('falls back to the finding kind when the text says nothing known (checkpoint)', () => {
    const driver = new Driver();
    driver.poll({ at: 0, jobs: [makeJob({ checkpoints: { failedCount: 0 } })] });
    const events = driver.poll({ at: 1, jobs: [makeJob({ checkpoints: { failedCount: 2 } })] });
    const diagnosis = events.find((e) => e.data.type === 'checkpoint.failed')?.data.diagnosis;
    expect(diagnosis?.category).toBe('checkpoint');
    expect(diagnosis?.summary).toBe('2 checkpoints failed on orders-etl');
  });

  it('adds the runbook of the category, a job override winning over the target', () => {
    const driver = new Driver({
      rules: {
        runbooks: {
          'out-of-memory': 'https://wiki.example.com/oom',
          default: 'https://wiki.example.com/jobs',
        },
      },
      jobRules: [
        { match: 'payments-*', rules: { runbooks: { default: 'https://wiki.example.com/payments' } } },
      ],
    });
    const failed = (name: string, lastError: string) =>
      makeJob({ name, vendorId: name, state: 'FAILED', lastError, instanceId: 'i-2' });
    const events = driver.poll({
      at: 1,
      jobs: [
        failed('orders-etl', 'java.lang.OutOfMemoryError: Java heap space'),
        failed('clicks', 'java.net.ConnectException: Connection refused'),
        failed('payments-agg', 'java.net.ConnectException: Connection refused'),
        failed('payments-oom', 'java.lang.OutOfMemoryError: Metaspace'),
      ],
    });
    const linksOf = (name: string) =>
      events.find((e) => e.data.type === 'job.failed' && e.data.resource.name === name)?.data.links;
    expect(linksOf('orders-etl')).toEqual([
      { title: 'console', url: 'https://console.example.com/dli/jobs/orders-etl' },
      { title: 'runbook', url: 'https://wiki.example.com/oom' },
    ]);
    expect(linksOf('clicks')?.at(-1)).toEqual({ title: 'runbook', url: 'https://wiki.example.com/jobs' });
    expect(linksOf('payments-agg')?.at(-1)).toEqual({
      title: 'runbook',
      url: 'https://wiki.example.com/payments',
    });
    // Layers merge key by key: the target's category runbook still applies to the job.
    expect(linksOf('payments-oom')?.at(-1)).toEqual({
      title: 'runbook',
      url: 'https://wiki.example.com/oom',
    });
  });

  it('puts no diagnosis on resolves', () => {
    const driver = new Driver();
    driver.poll({ at: 0, jobs: [makeJob({ state: 'FAILED', lastError: 'boom' })] });
    const resolved = [
      ...driver.poll({ at: 1, jobs: [makeJob({ state: 'RUNNING', instanceId: 'i-2' })] }),
      ...driver.poll({ at: 2, jobs: [makeJob({ state: 'RUNNING', instanceId: 'i-2' })] }),
    ].filter((e) => e.data.status === 'resolved');
    expect(resolved.length).toBeGreaterThan(0);
    for (const event of resolved) expect(event.data.diagnosis).toBeUndefined();
  });
});
