/**
 * The listing guard (issue 14, defect 1): a poll in which many known jobs vanish without a reported total
 * that confirms it is an incomplete listing (held states, one source.unreachable), never a fleet resolved.
 */
import { describe, expect, it } from 'vitest';
import type { RulesOverrideInput } from '../../lib/detect/config.js';
import { detect, type ResourceState } from '../../lib/detect/index.js';
import { buildEvent } from '../../lib/events/index.js';
import type { JobSnapshot, TargetSnapshot } from '../../lib/model/snapshot.js';
import { MIN, makeJob, makeSnapshot, makeTarget, T0 } from './factories.js';

const fleet = (n: number, state: JobSnapshot['state'] = 'FAILED') =>
  Array.from({ length: n }, (_, i) => makeJob({ name: `job-${i}`, vendorId: `job-${i}`, state }));

/** Polls with the stored state carried over; each poll's snapshot is given whole. */
function run(snapshots: TargetSnapshot[], rules?: RulesOverrideInput) {
  const { target, defaults } = makeTarget(rules ? { rules } : {});
  let stored = new Map<string, ResourceState>();
  return snapshots.map((snapshot) => {
    const out = detect({
      target,
      ...(defaults ? { defaults } : {}),
      snapshot,
      previous: stored,
      nowMs: snapshot.collectedAtMs,
    });
    stored = new Map(out.next);
    for (const key of out.removed) stored.delete(key);
    const events = out.drafts.map(buildEvent);
    return { events, lines: events.map((e) => `${e.data.type} ${e.data.resource.name} ${e.data.status}`) };
  });
}

const at = (minute: number, jobs: JobSnapshot[], confirmedByTotals?: boolean): TargetSnapshot => ({
  ...makeSnapshot({ atMs: T0 + minute * MIN, jobs }),
  ...(confirmedByTotals === undefined ? {} : { confirmedByTotals }),
});

describe('mass disappearance of known jobs', () => {
  it('more than half of the known jobs gone, unconfirmed: no resolves, one incomplete-listing finding', () => {
    const jobs = fleet(10);
    const polls = run([at(0, jobs), at(1, jobs.slice(0, 4)), at(2, jobs.slice(0, 4)), at(3, jobs)]);
    expect(polls[0]?.lines.filter((l) => l.endsWith('firing'))).toHaveLength(10);
    // 6 of 10 vanish: held, not resolved, and reported once.
    expect(polls[1]?.lines).toEqual(['source.unreachable dli-prod firing']);
    const finding = polls[1]?.events[0]?.data;
    expect(finding?.values?.kinds).toBe('incomplete');
    expect(String(finding?.values?.lastError)).toContain('6 of 10 known jobs vanished');
    expect(polls[2]?.lines).toEqual([]);
    // The listing is whole again: the outage resolves after the usual clean polls, no job event at all.
    const after = run([at(0, jobs), at(1, jobs.slice(0, 4)), at(2, jobs), at(3, jobs), at(4, jobs)]);
    expect(after.flatMap((p) => p.lines).filter((l) => !l.startsWith('job.failed'))).toEqual([
      'source.unreachable dli-prod firing',
      'source.unreachable dli-prod resolved',
    ]);
    expect(
      after
        .slice(1)
        .flatMap((p) => p.lines)
        .some((l) => l.startsWith('job.failed')),
    ).toBe(false);
  });

  it('a total that confirms the drop lets the vanished jobs resolve as gone', () => {
    const jobs = fleet(10);
    const polls = run([at(0, jobs, true), at(1, jobs.slice(0, 4), true), at(2, jobs.slice(0, 4), true)]);
    const lines = polls.slice(1).flatMap((p) => p.lines);
    expect(lines.filter((l) => l.endsWith('resolved'))).toHaveLength(6);
    expect(lines.some((l) => l.startsWith('source.unreachable'))).toBe(false);
  });

  it('up to the share, and below the known-jobs minimum, vanished jobs resolve as before', () => {
    const ten = fleet(10);
    const half = run([at(0, ten), at(1, ten.slice(0, 5)), at(2, ten.slice(0, 5))]);
    expect(half.flatMap((p) => p.lines).filter((l) => l.endsWith('resolved'))).toHaveLength(5);
    const three = fleet(3);
    const small = run([at(0, three), at(1, []), at(2, [])]);
    expect(small.flatMap((p) => p.lines).filter((l) => l.endsWith('resolved'))).toHaveLength(3);
  });

  it('is configurable per target: a lower share holds sooner, disabled never holds', () => {
    const jobs = fleet(10);
    const strict = run([at(0, jobs), at(1, jobs.slice(0, 8))], {
      massDisappearance: { maxVanishedShare: 0.1 },
    });
    expect(strict[1]?.lines).toEqual(['source.unreachable dli-prod firing']);
    const off = run([at(0, jobs), at(1, []), at(2, [])], { massDisappearance: { enabled: false } });
    expect(off.flatMap((p) => p.lines).filter((l) => l.endsWith('resolved'))).toHaveLength(10);
  });
});
