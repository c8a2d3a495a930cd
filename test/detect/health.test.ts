import { describe, expect, it } from 'vitest';
import { healthOfJob } from '../../lib/detect/health.js';
import { parseEvent } from '../../lib/events/index.js';
import { Driver, MIN, makeJob, T0 } from './factories.js';

const at = (m: number) => T0 + m * MIN;
const jobState = (driver: Driver) => [...driver.stored.values()].find((s) => s.ref.kind === 'job');

describe('health score on job events and in stored state', () => {
  it('a job that failed over, then failed, carries the documented score on its alert', () => {
    const driver = new Driver({ rules: { failover: { burstCount: 3, windowSeconds: 600 } } });
    driver.poll({ at: 0, jobs: [makeJob({ state: 'RUNNING', instanceId: 'i-1', failovers: [] })] });
    // Three failovers on one instance: a burst (4 points each).
    const failovers = [1, 2, 3].map((m) => ({
      atMs: at(m),
      message: 'java.net.SocketException: Connection reset',
    }));
    const burst = driver.poll({ at: 4, jobs: [makeJob({ state: 'RUNNING', instanceId: 'i-1', failovers })] });
    const burstEvent = burst.find((e) => e.data.type === 'failover.burst' && e.data.status === 'firing');
    expect(burstEvent?.data.health).toEqual({
      score: 88,
      grade: 'degraded',
      summary: 'health 88/100 (degraded): 3 failovers in the last hour (-12)',
    });
    // Then it fails (30) while FAILED (capped at 20).
    const failed = [10, 11].flatMap((m) =>
      driver.poll({ at: m, jobs: [makeJob({ state: 'FAILED', stateSinceMs: at(10), instanceId: 'i-1' })] }),
    );
    const failedEvent = failed.find((e) => e.data.type === 'job.failed' && e.data.status === 'firing');
    expect(failedEvent?.data.health?.score).toBe(20);
    expect(failedEvent?.data.health?.summary).toContain('1 failure in the last hour (-30)');
    // The schema accepts what detection built.
    expect(parseEvent(failedEvent).data.health).toEqual(failedEvent?.data.health);
  });

  it('forgets what is older than an hour, and a quiet job stores no history at all', () => {
    const driver = new Driver();
    driver.poll({ at: 0, jobs: [makeJob({ state: 'RUNNING' })] });
    driver.poll({ at: 1, jobs: [makeJob({ state: 'FAILED', stateSinceMs: at(1) })] });
    driver.poll({ at: 2, jobs: [makeJob({ state: 'FAILED', stateSinceMs: at(1) })] });
    driver.poll({ at: 5, jobs: [makeJob({ state: 'RUNNING', stateSinceMs: at(5), instanceId: 'i-2' })] });
    driver.poll({ at: 6, jobs: [makeJob({ state: 'RUNNING', stateSinceMs: at(5), instanceId: 'i-2' })] });
    const stored = jobState(driver);
    expect(stored?.job?.recent).toEqual({ failures: [at(1)] });
    expect(healthOfJob(stored as NonNullable<typeof stored>, at(30)).score).toBe(70);
    // An hour and a bit later the failure has left the window: the score is back to 100, nothing stored.
    driver.poll({ at: 62, jobs: [makeJob({ state: 'RUNNING', stateSinceMs: at(5), instanceId: 'i-2' })] });
    const later = jobState(driver);
    expect(later?.job?.recent).toBeUndefined();
    expect(healthOfJob(later as NonNullable<typeof later>, at(62)).score).toBe(100);
  });

  it('a failure redelivered on later polls counts once', () => {
    const driver = new Driver();
    driver.poll({ at: 0, jobs: [makeJob({ state: 'RUNNING' })] });
    for (let m = 1; m <= 6; m++)
      driver.poll({ at: m, jobs: [makeJob({ state: 'FAILED', stateSinceMs: at(1) })] });
    expect(jobState(driver)?.job?.recent?.failures).toEqual([at(1)]);
  });
});
