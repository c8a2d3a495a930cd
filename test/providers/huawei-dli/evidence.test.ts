/**
 * Missing evidence (issue 14, defect 2) on DLI: a failed ShowFlinkJob detail read costs the job's vendor
 * facts (queue, native auto-restart), never the job. The snapshot says so, and the firing event tells its
 * readers (remediation's guards among them) that those facts are unknown rather than absent.
 */
import { describe, expect, it } from 'vitest';
import { SECOND, summarize, useDliHarnessPerTest } from './helpers.js';

const h = useDliHarnessPerTest();

describe('DLI per-job reads', () => {
  it('a failed detail read marks the details missing; job.failed still fires once and says so', async () => {
    await h.poll();
    // clickstream-agg (1002) fails at +60 s; its detail read (asked for a failed job) fails.
    h.clock.advance(61 * SECOND);
    h.failWith('ShowFlinkJob', 500, { pathIncludes: '/streaming/jobs/1002' });
    const first = await h.poll();
    h.sandbox.faults.clear();
    const job = first.snapshot.jobs.find((j) => j.vendorId === '1002');
    expect(job).toMatchObject({ state: 'FAILED', missing: ['details'] });
    expect(first.snapshot.jobs.filter((j) => j.missing).map((j) => j.vendorId)).toEqual(['1002']);
    expect(first.snapshot.errors.map((e) => e.operation)).toEqual(['ShowFlinkJob']);
    const fired = first.events.find((e) => e.data.type === 'job.failed');
    expect(fired?.data.resource.name).toBe('clickstream-agg');
    expect(fired?.data.values.missingEvidence).toBe('details');

    // The next poll reads the detail: nothing is missing, and the failure is not announced again.
    h.clock.advance(30 * SECOND);
    const second = await h.poll();
    expect(second.snapshot.jobs.find((j) => j.vendorId === '1002')?.missing).toBeUndefined();
    expect(summarize(second.events).filter((l) => l.includes('clickstream-agg'))).toEqual([]);
  });
});
