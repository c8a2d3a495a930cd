import { describe, expect, it } from 'vitest';
import {
  addRecent,
  describeHealth,
  HEALTH_WINDOW_MS,
  jobHealth,
  MAX_RECENT_TIMES,
  pruneRecent,
} from '../../lib/diagnose/health.js';

// A fixed instant: the score depends only on the injected clock.
const NOW = Date.UTC(2026, 2, 14, 3, 0, 0);
const MIN = 60_000;
const quiet = { failedNow: false, checkpointsStalled: false, breachingMetrics: [] as string[] };

describe('jobHealth: the documented formula', () => {
  it('a job with nothing in the last hour scores 100, healthy, with no parts', () => {
    expect(jobHealth({ nowMs: NOW, recent: undefined, ...quiet })).toEqual({
      score: 100,
      grade: 'healthy',
      parts: [],
    });
  });

  it('costs 30 per failure, 4 per failover, 5 per failed checkpoint (+15 stalled), 20 per breaching metric', () => {
    const health = jobHealth({
      nowMs: NOW,
      recent: {
        failures: [NOW - 50 * MIN],
        failovers: [NOW - 3 * MIN, NOW - 2 * MIN, NOW - MIN],
        checkpointFailures: [NOW - 10 * MIN],
      },
      failedNow: false,
      checkpointsStalled: true,
      breachingMetrics: ['delay'],
    });
    // 100 - 30 - 12 - (5 + 15) - 20 = 18
    expect(health.score).toBe(18);
    expect(health.grade).toBe('unhealthy');
    expect(health.parts.map((p) => [p.part, p.penalty])).toEqual([
      ['failures', 30],
      ['checkpoints', 20],
      ['metrics', 20],
      ['failovers', 12],
    ]);
  });

  it('caps each part: 10 failures cost 60, 50 failovers 30, 9 checkpoint failures while stalled 30', () => {
    const times = (n: number) => Array.from({ length: n }, (_, i) => NOW - (i + 1) * 1000);
    const health = jobHealth({
      nowMs: NOW,
      recent: { failures: times(10), failovers: times(50), checkpointFailures: times(9) },
      ...quiet,
      checkpointsStalled: true,
    });
    expect(Object.fromEntries(health.parts.map((p) => [p.part, p.penalty]))).toEqual({
      failures: 60,
      failovers: 30,
      checkpoints: 30,
    });
    expect(health.score).toBe(0);
  });

  it('counts only the last hour: a failure 61 minutes ago costs nothing', () => {
    const old = jobHealth({ nowMs: NOW, recent: { failures: [NOW - 61 * MIN] }, ...quiet });
    expect(old.score).toBe(100);
    const recent = jobHealth({ nowMs: NOW, recent: { failures: [NOW - 59 * MIN] }, ...quiet });
    expect(recent.score).toBe(70);
    expect(recent.grade).toBe('degraded');
  });

  it('a job FAILED now scores at most 20, whatever its history', () => {
    const health = jobHealth({ nowMs: NOW, recent: undefined, ...quiet, failedNow: true });
    expect(health.score).toBe(20);
    expect(health.parts).toEqual([{ part: 'failed-now', penalty: 80, detail: 'the job is FAILED now' }]);
  });

  it('marks a score partial when evidence was missing, and says so in words', () => {
    const health = jobHealth({ nowMs: NOW, recent: undefined, ...quiet, missing: ['checkpoints'] });
    expect(health.partial).toEqual(['checkpoints']);
    expect(describeHealth(health)).toBe('health 100/100 (healthy) [partial: checkpoints unread]');
  });

  it('grades 90 healthy, 89 degraded, 60 degraded, 59 unhealthy', () => {
    const score = (failovers: number, metrics: string[]) =>
      jobHealth({
        nowMs: NOW,
        recent: { failovers: Array.from({ length: failovers }, (_, i) => NOW - i * 1000) },
        ...quiet,
        breachingMetrics: metrics,
      });
    // 2 failovers: 92; 3: 88; 5 failovers + 1 metric: 60; 6 + 1: 56
    expect([
      score(2, []).grade,
      score(3, []).grade,
      score(5, ['lag']).grade,
      score(6, ['lag']).grade,
    ]).toEqual(['healthy', 'degraded', 'degraded', 'unhealthy']);
    expect(score(5, ['lag']).score).toBe(60);
  });

  it('describes itself with every part that cost points', () => {
    const health = jobHealth({
      nowMs: NOW,
      recent: { failures: [NOW - MIN, NOW - 2 * MIN] },
      ...quiet,
      breachingMetrics: ['delay'],
    });
    expect(describeHealth(health)).toBe(
      'health 20/100 (unhealthy): 2 failures in the last hour (-60); breaching now: delay (-20)',
    );
  });
});

describe('recent history kept in detection state', () => {
  it('adds a time once, keeps the window and the newest MAX_RECENT_TIMES', () => {
    let times: number[] | undefined;
    for (let i = 0; i < MAX_RECENT_TIMES + 5; i++) times = addRecent(times, NOW - i * 1000, NOW);
    expect(times).toHaveLength(MAX_RECENT_TIMES);
    expect(times?.[MAX_RECENT_TIMES - 1]).toBe(NOW);
    const again = addRecent(times, NOW, NOW);
    expect(again).toBe(times);
    expect(addRecent([NOW - HEALTH_WINDOW_MS - 1], NOW - HEALTH_WINDOW_MS - 2, NOW)).toEqual([]);
  });

  it('pruning returns the same object when nothing aged out (a steady poll writes nothing)', () => {
    const recent = { failures: [NOW - MIN] };
    expect(pruneRecent(recent, NOW)).toBe(recent);
    expect(pruneRecent({ failures: [NOW - 2 * HEALTH_WINDOW_MS] }, NOW)).toBeUndefined();
    expect(pruneRecent({ failures: [NOW - 2 * HEALTH_WINDOW_MS], failovers: [NOW] }, NOW)).toEqual({
      failovers: [NOW],
    });
  });
});
