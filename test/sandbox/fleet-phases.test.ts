/**
 * The fleet scenario's checkpoint schedules are spread over the interval (issue 17, the 50k series point):
 * a fleet whose schedules all began at its first read had every checkpoint fall due at the same instant,
 * so a poll one interval later read every job's checkpoints and one a second earlier none, and a benchmark
 * point's figure depended on how long its cold poll took.
 */
import { describe, expect, it } from 'vitest';
import { alibabaBlinkProvider } from '../../lib/providers/alibaba-blink/index.js';
import { alibabaBlinkSandboxPlugin } from '../../lib/providers/alibaba-blink/sandbox.js';
import { alibabaFlinkProvider } from '../../lib/providers/alibaba-flink/index.js';
import { alibabaFlinkSandboxPlugin } from '../../lib/providers/alibaba-flink/sandbox.js';
import { fleetPhaseMs } from '../../lib/sandbox/types.js';
import { startProviderHarness } from '../providers/harness.js';
import { stopAfterEach } from '../support/stop-after-each.js';

const startHarness = stopAfterEach(startProviderHarness);
const INTERVAL_MS = 60_000;

describe('fleet checkpoint schedules', () => {
  it('fleetPhaseMs spreads any number of jobs evenly over the interval', () => {
    for (const count of [10, 100, 1000]) {
      const phases = Array.from({ length: count }, (_, i) => fleetPhaseMs(i, INTERVAL_MS));
      expect(Math.min(...phases)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...phases)).toBeLessThan(INTERVAL_MS);
      // Every tenth of the interval holds about a tenth of the jobs.
      for (let tenth = 0; tenth < 10; tenth++) {
        const inside = phases.filter((p) => Math.floor(p / (INTERVAL_MS / 10)) === tenth).length;
        expect(inside).toBeGreaterThanOrEqual(Math.floor(count / 10) - 1);
        expect(inside).toBeLessThanOrEqual(Math.ceil(count / 10) + 1);
      }
    }
  });

  it.each([
    [
      'alibaba-blink',
      alibabaBlinkProvider,
      alibabaBlinkSandboxPlugin,
      { blinkJobs: 100, blinkRunningPercent: 100 },
    ],
    ['alibaba-flink', alibabaFlinkProvider, alibabaFlinkSandboxPlugin, { flinkDeployments: 100 }],
  ] as const)(
    '%s: read at one instant, running jobs completed their last checkpoints at every phase of the interval',
    async (_name, provider, plugin, fleet) => {
      const h = await startHarness(provider, plugin, {
        scenario: 'fleet',
        fleet: { ...fleet, unhealthyPercent: 0, blinkUnhealthyPercent: 0, flinkUnhealthyPercent: 0 },
      });
      const { snapshot } = await h.poll();
      expect(snapshot.errors).toEqual([]);
      const completed = snapshot.jobs
        .map((job) => job.checkpoints?.lastCompletedAtMs)
        .filter((at): at is number => at !== undefined);
      expect(completed.length).toBeGreaterThanOrEqual(90);
      const ages = completed.map((at) => h.clock.now() - at);
      // With schedules begun at the first read, every age was the same (0 or one interval).
      expect(new Set(ages).size).toBeGreaterThanOrEqual(0.9 * completed.length);
      expect(Math.min(...ages)).toBeLessThan(0.1 * INTERVAL_MS);
      expect(Math.max(...ages)).toBeGreaterThan(0.9 * INTERVAL_MS);
      expect(Math.max(...ages)).toBeLessThanOrEqual(INTERVAL_MS);
    },
  );
});
