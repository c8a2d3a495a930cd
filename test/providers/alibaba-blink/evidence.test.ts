/**
 * Missing evidence is not a clear (issue 14, defect 2), over real sockets: a per-job read that fails for a
 * poll leaves its evidence missing in the snapshot, a collection error, and every condition decided from it
 * held, so the timeline of findings is the one of a run without the fault.
 */
import { describe, expect, it } from 'vitest';
import type { JobwatchEvent } from '../../../lib/events/index.js';
import type { Fault } from '../../../lib/sandbox/faults.js';
import { stopAfterEach } from '../../support/stop-after-each.js';
import { statusFault } from '../harness.js';
import { detector, jobByName, startBlinkSandbox } from './helpers.js';

const startBlink = stopAfterEach(startBlinkSandbox);

const POLLS = 37;
const POLL_MS = 30_000;

const byPoll = (a: string, b: string) => Number(a.split(' ')[0]) - Number(b.split(' ')[0]);

/** `poll type status resource` of every finding; source health is reported separately. */
function findings(events: JobwatchEvent[], poll: number): string[] {
  return events
    .filter((e) => e.data.type !== 'source.unreachable')
    .map((e) => `${poll} ${e.data.type} ${e.data.status} ${e.data.resource.name}`);
}

/** A fault that is on during the given polls only. */
interface PollFault {
  polls: number[];
  fault: Fault;
}

/** The scripted test scenario, one poll every 30 s, with each fault on during its polls. */
async function timeline(faults: PollFault[]) {
  const harness = await startBlink();
  const run = detector(harness.config, harness.target);
  const lines: string[] = [];
  const sources: string[] = [];
  const snapshots = [];
  for (let poll = 0; poll < POLLS; poll++) {
    for (const { polls, fault } of faults) if (polls.includes(poll)) harness.sandbox.faults.inject(fault);
    const snapshot = await harness.collect();
    harness.sandbox.faults.clear();
    snapshots.push(snapshot);
    const events = run(snapshot, harness.clock.now());
    lines.push(...findings(events, poll));
    sources.push(
      ...events.filter((e) => e.data.type === 'source.unreachable').map((e) => `${poll} ${e.data.status}`),
    );
    harness.clock.advance(POLL_MS);
  }
  return { lines, sources, snapshots };
}

let faultless: ReturnType<typeof timeline> | undefined;
/** The run without faults, made once for both comparisons. */
function baselineRun() {
  faultless ??= timeline([]);
  return faultless;
}

/**
 * The poll at which missing checkpoints would resolve inventory_sync's checkpoint.failed without the hold.
 * Checkpoints fail once a minute and polls come every 30 s, so every other poll sees no new failure (the
 * condition stays firing through one such poll, resolvePolls being 2). This is a poll that would have seen
 * a new failure, right after one that saw none: two polls in a row without failures resolve it.
 */
function checkpointFaultPoll(baseline: Awaited<ReturnType<typeof timeline>>): number {
  const firedAt = baseline.lines.find((l) => l.endsWith('checkpoint.failed firing inventory_sync'));
  expect(firedAt).toBeDefined();
  const newestFailed = (poll: number) =>
    Math.max(
      -1,
      ...(
        jobByName(baseline.snapshots[poll] as never, 'inventory_sync').checkpoints?.recentFailures ?? []
      ).map((f) => f.id),
    );
  const sawNew = (poll: number) => newestFailed(poll) > newestFailed(poll - 1);
  let faultPoll = Number(firedAt?.split(' ')[0]) + 1;
  while (!(sawNew(faultPoll) && !sawNew(faultPoll - 1))) faultPoll++;
  expect(faultPoll).toBeLessThan(POLLS - 3);
  return faultPoll;
}

describe('a failed per-job read holds what it decides', () => {
  it('GetInstanceCheckpoint failing for one poll while checkpoint.failed fires: no RESOLVED, no second FIRING', async () => {
    const baseline = await baselineRun();
    const faultPoll = checkpointFaultPoll(baseline);

    const faulted = await timeline([
      {
        polls: [faultPoll],
        fault: statusFault('alibaba-blink', 'GetInstanceCheckpoint', 500, {
          pathIncludes: '/jobs/inventory_sync/',
        }),
      },
    ]);
    // The poll with the fault: the read is an error and the job says its checkpoints are missing.
    const snapshot = faulted.snapshots[faultPoll];
    expect(snapshot?.errors.map((e) => e.operation)).toEqual(['GetInstanceCheckpoint']);
    expect(snapshot?.jobs.filter((j) => j.missing).map((j) => j.name)).toEqual(['inventory_sync']);
    const inventory = jobByName(snapshot as NonNullable<typeof snapshot>, 'inventory_sync');
    expect(inventory.missing).toEqual(['checkpoints']);
    expect(inventory.checkpoints).toBeUndefined();

    const checkpointLines = (lines: string[]) => lines.filter((l) => l.includes(' checkpoint.failed '));
    expect(checkpointLines(faulted.lines).map((l) => l.replace(/^\d+ /, ''))).toEqual([
      'checkpoint.failed firing inventory_sync',
      'checkpoint.failed resolved inventory_sync',
    ]);
    // Every finding at the same poll as without the fault.
    expect(faulted.lines).toEqual(baseline.lines);
    // The outage itself is one source.unreachable firing and its resolve.
    expect(baseline.sources).toEqual([]);
    expect(faulted.sources).toEqual([`${faultPoll} firing`, `${faultPoll + 2} resolved`]);
  }, 60_000);

  it('GetInstanceExceptions and GetInstanceMetric failing while their findings fire: no RESOLVED, no second FIRING', async () => {
    const baseline = await baselineRun();
    const firstFiring = (type: string) =>
      Number(baseline.lines.find((l) => l.includes(` ${type} firing `))?.split(' ')[0]);
    const failoverPoll = firstFiring('failover.burst') + 1;
    const metricPoll = firstFiring('metric.threshold') + 1;
    expect(Number.isFinite(failoverPoll) && Number.isFinite(metricPoll)).toBe(true);

    const faulted = await timeline([
      {
        polls: [failoverPoll, failoverPoll + 1],
        fault: {
          provider: 'alibaba-blink',
          operation: 'GetInstanceExceptions',
          pathIncludes: '/jobs/clicks_sessionize/',
          kind: 'reset',
        },
      },
      {
        polls: [metricPoll, metricPoll + 1],
        fault: statusFault('alibaba-blink', 'GetInstanceMetric', 503, {
          pathIncludes: '/jobs/ads_attribution/',
        }),
      },
    ]);
    const clicks = jobByName(faulted.snapshots[failoverPoll] as never, 'clicks_sessionize');
    expect(clicks.missing).toContain('failovers');
    const ads = jobByName(faulted.snapshots[metricPoll] as never, 'ads_attribution');
    expect(ads.missing).toContain('metrics');

    // Each finding fires once, at the same poll as without the faults, and resolves once. The breach of
    // delay was clearing when its reads failed: it resolves after two clean polls with evidence, not before.
    const polls = (lines: string[], what: string) =>
      lines.filter((l) => l.endsWith(what)).map((l) => Number(l.split(' ')[0]));
    for (const what of [
      'failover.burst firing clicks_sessionize',
      'failover.burst resolved clicks_sessionize',
      'metric.threshold firing ads_attribution',
    ])
      expect(polls(faulted.lines, what), what).toEqual(polls(baseline.lines, what));
    expect(polls(faulted.lines, 'metric.threshold resolved ads_attribution')).toEqual([metricPoll + 3]);
    const others = (lines: string[]) => lines.filter((l) => !l.includes('ads_attribution'));
    expect(others(faulted.lines)).toEqual(others(baseline.lines));
  }, 60_000);

  it('a run summary answer that leaves the jobs out: their state and per-job evidence are missing, nothing resolves', async () => {
    const baseline = await baselineRun();
    const faultPoll = checkpointFaultPoll(baseline);
    const faulted = await timeline([
      {
        polls: [faultPoll],
        fault: {
          provider: 'alibaba-blink',
          operation: 'BatchGetInstanceRunSummary',
          kind: 'drift',
          body: { RequestId: 'drifted', RunSummarys: { RunSummary: [] } },
        },
      },
    ]);
    const snapshot = faulted.snapshots[faultPoll] as NonNullable<(typeof faulted.snapshots)[number]>;
    expect(jobByName(snapshot, 'inventory_sync')).toMatchObject({
      state: 'UNKNOWN',
      missing: ['state', 'checkpoints', 'failovers', 'metrics'],
    });
    // Not an API failure: no collection error. Every finding fires and resolves once, at the same poll as
    // without the fault, except the failover burst that would have fired during it: it fires on the next
    // poll, when the state of the job is known again.
    expect(snapshot.errors).toEqual([]);
    const burst = 'failover.burst firing clicks_sessionize';
    expect(baseline.lines).toContain(`${faultPoll} ${burst}`);
    expect(faulted.lines).toEqual(
      baseline.lines
        .map((l) => (l === `${faultPoll} ${burst}` ? `${faultPoll + 1} ${burst}` : l))
        .sort(byPoll),
    );
  }, 60_000);
});
