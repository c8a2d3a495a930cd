/** Health scores in the poll heartbeat: what `jobwatch status` and the status page show per target. */
import { describe, expect, it } from 'vitest';
import { pageModel } from '../../lib/ingest/status-page.js';
import { renderPage } from '../../lib/ingest/status-template.js';
import { jobScores, pollHealthOf } from '../../lib/status/health.js';
import { Driver, MIN, makeJob, makeSnapshot, T0 } from '../detect/factories.js';

const at = (m: number) => T0 + m * MIN;
const report = { problems: [], configOnly: false, totalMs: 1000 };

describe('health scores in the heartbeat', () => {
  it('names a running job that keeps failing over among the worst, with its score; quiet jobs score nothing', () => {
    const driver = new Driver({ rules: { failover: { burstCount: 3, windowSeconds: 600 } } });
    const quiet = makeJob({ name: 'quiet', vendorId: 'quiet', state: 'RUNNING' });
    const flappy = (failovers: { atMs: number; message: string }[]) =>
      makeJob({ name: 'flappy', vendorId: 'flappy', state: 'RUNNING', instanceId: 'i-1', failovers });
    driver.poll({ at: 0, jobs: [quiet, flappy([])] });
    const failovers = [1, 2, 3, 4].map((m) => ({ atMs: at(m), message: 'Connection reset' }));
    driver.poll({ at: 5, jobs: [quiet, flappy(failovers)] });
    const scores = jobScores(driver.outputs.at(-1)?.next ?? new Map(), at(5));
    expect([...scores.values()]).toEqual([84]);
    const snapshot = makeSnapshot({ atMs: at(5), jobs: [quiet, flappy(failovers)] });
    const health = pollHealthOf(snapshot, report, 60_000, scores);
    expect(health.worstJobs).toEqual([{ name: 'flappy', state: 'RUNNING', health: 84 }]);
  });

  it('puts jobs in attention states first, then the lowest scores', () => {
    const jobs = [
      makeJob({ name: 'a-running', vendorId: 'a', state: 'RUNNING' }),
      makeJob({ name: 'b-failed', vendorId: 'b', state: 'FAILED' }),
      makeJob({ name: 'c-running', vendorId: 'c', state: 'RUNNING' }),
    ];
    const [a, b, c] = jobs.map((j) => j.key) as [string, string, string];
    const scores = new Map([
      [a, 70],
      [b, 20],
      [c, 40],
    ]);
    const health = pollHealthOf(makeSnapshot({ atMs: T0, jobs }), report, 60_000, scores);
    expect(health.worstJobs.map((j) => `${j.name}:${j.health}`)).toEqual([
      'b-failed:20',
      'c-running:40',
      'a-running:70',
    ]);
  });

  it('the status page shows the score beside the job, marked bad when unhealthy', () => {
    const jobs = [makeJob({ name: 'flappy', vendorId: 'flappy', state: 'RUNNING' })];
    const lastPoll = pollHealthOf(
      makeSnapshot({ atMs: T0, jobs }),
      report,
      60_000,
      new Map([[jobs[0]?.key ?? '', 42]]),
    );
    const html = renderPage(
      pageModel(
        {
          nowMs: T0,
          firing: [],
          targets: [{ id: 'dli-prod', provider: 'huawei-dli', lastPoll, stale: false, configured: true }],
          remediations: [],
          silences: [],
        },
        [],
        30,
      ),
    );
    expect(html).toMatch(
      /<bdi>flappy<\/bdi> <span class="tag">RUNNING<\/span> <span class="tag tag-bad"[^>]*>health 42<\/span>/,
    );
  });
});
