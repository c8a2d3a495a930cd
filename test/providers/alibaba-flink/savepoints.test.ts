/**
 * Issue 17: a namespace's due savepoint reads come from one namespace-wide ListSavepoints (no filter,
 * pages of 100, read to its reported total) when that costs fewer calls than one read per job. Over real
 * sockets against the `fleet` scenario (a checkpoint every minute, a poll every minute: every running job's
 * read is due on the warm poll): the checkpoint facts are those the per-job reads give, for fewer calls; a
 * failed or incomplete listing is a snapshot error and its jobs are read per job; a vendor failing both
 * leaves their checkpoint evidence missing (held), never cleared.
 */
import { describe, expect, it } from 'vitest';
import type { TargetSnapshot } from '../../../lib/model/snapshot.js';
import { alibabaFlinkProvider } from '../../../lib/providers/alibaba-flink/index.js';
import { alibabaFlinkSandboxPlugin } from '../../../lib/providers/alibaba-flink/sandbox.js';
import { stopAfterEach } from '../../support/stop-after-each.js';
import { MINUTE, retriesSpent, startProviderHarness } from '../harness.js';

const startHarness = stopAfterEach(startProviderHarness);

/** 40 deployments (about 400 savepoints: 4 pages of 100), a fifth of them with failing checkpoints. */
const FLEET = { flinkDeployments: 40, flinkUnhealthyPercent: 20 };

type Harness = Awaited<ReturnType<typeof startHarness>>;

/** A fleet sandbox polled cold, then again a minute later (after `beforeWarm`): the warm poll's snapshot. */
async function warmPoll(beforeWarm: (h: Harness, cold: TargetSnapshot) => void = () => {}) {
  const h = await startHarness(alibabaFlinkProvider, alibabaFlinkSandboxPlugin, {
    scenario: 'fleet',
    fleet: FLEET,
  });
  const cold = await h.poll();
  expect(cold.snapshot.errors).toEqual([]);
  h.clock.advance(MINUTE);
  beforeWarm(h, cold.snapshot);
  const { snapshot } = await h.poll();
  h.sandbox.faults.clear();
  const running = snapshot.jobs.filter((j) => j.state === 'RUNNING' && j.kind === 'flink-stream');
  return { h, snapshot, running: running.length, cold: cold.snapshot };
}

const checkpointsByName = (snapshot: TargetSnapshot) =>
  Object.fromEntries(snapshot.jobs.map((j) => [j.name, j.checkpoints ?? null]));

/** The first three ListSavepoints calls fail (503, all of one call's attempts): the namespace's page 1. */
const namespacePageFails = (h: Harness) => h.failWith('ListSavepoints', 503, { times: 3 });

describe('alibaba-flink savepoints of a namespace in one listing (issue 17, callsPerCycle)', () => {
  it('the namespace-wide listing gives every due job the checkpoint facts its per-job read gives, for fewer calls', async () => {
    const [shared, perJob] = await Promise.all([warmPoll(), warmPoll(namespacePageFails)]);
    expect(shared.snapshot.errors).toEqual([]);
    expect(shared.running).toBeGreaterThan(30);
    expect(perJob.running).toBe(shared.running);
    // The same facts, failures included, from either path.
    expect(checkpointsByName(shared.snapshot)).toEqual(checkpointsByName(perJob.snapshot));
    const withFailures = shared.snapshot.jobs.filter((j) => (j.checkpoints?.recentFailures ?? []).length > 0);
    expect(withFailures.length).toBeGreaterThan(0);
    for (const job of shared.snapshot.jobs.filter((j) => j.state === 'RUNNING'))
      expect(job.checkpoints?.lastCompletedAtMs).toBeDefined();
    // One read per running job (after the listing's 3 failed attempts) against the listing's 4 pages.
    expect(perJob.snapshot.apiCalls['ListSavepoints']).toBe(3 + perJob.running);
    expect(shared.snapshot.apiCalls['ListSavepoints']).toBe(4);
    expect(shared.h.sandbox.callCounts('alibaba-flink')['ListSavepoints']).toBe(
      (shared.cold.apiCalls['ListSavepoints'] ?? 0) + 4,
    );
    // The other reads are as they were.
    const { ListSavepoints: _a, ...sharedRest } = shared.snapshot.apiCalls;
    const { ListSavepoints: _b, ...perJobRest } = perJob.snapshot.apiCalls;
    expect(sharedRest).toEqual(perJobRest);
  }, 120_000);

  it('a failed namespace listing is a snapshot error and its jobs are read per job, none missing', async () => {
    const { snapshot } = await warmPoll(namespacePageFails);
    expect(snapshot.errors).toMatchObject([retriesSpent('ListSavepoints', 503, 'ServiceUnavailable')]);
    expect(snapshot.jobs.filter((j) => j.missing?.includes('checkpoints'))).toEqual([]);
  }, 120_000);

  it('an incomplete namespace listing (short of its total) is a snapshot error and its jobs are read per job', async () => {
    const [shared, incomplete] = await Promise.all([
      warmPoll(),
      warmPoll((h) =>
        // Page 1 says the namespace holds one savepoint and lists none.
        h.sandbox.faults.inject({
          provider: 'alibaba-flink',
          operation: 'ListSavepoints',
          kind: 'drift',
          body: { success: true, httpCode: 200, data: [], pageIndex: 1, pageSize: 100, totalSize: 1 },
          times: 1,
        }),
      ),
    ]);
    expect(incomplete.snapshot.errors).toMatchObject([{ kind: 'incomplete', operation: 'ListSavepoints' }]);
    expect(incomplete.snapshot.jobs.filter((j) => j.missing?.includes('checkpoints'))).toEqual([]);
    expect(checkpointsByName(incomplete.snapshot)).toEqual(checkpointsByName(shared.snapshot));
  }, 120_000);

  it('a complete listing: a job without items has no savepoints; an item without a jobId sends its deployment per job', async () => {
    let owner = '';
    const [shared, drifted] = await Promise.all([
      warmPoll(),
      warmPoll((h, cold) => {
        const job = cold.jobs.find((j) => j.state === 'RUNNING') as TargetSnapshot['jobs'][number];
        owner = job.name;
        // The whole namespace, as page 1 says: one savepoint, of that deployment, without a jobId.
        const item = { savepointId: 'sp-1', deploymentId: job.vendorId, status: { state: 'COMPLETED' } };
        h.sandbox.faults.inject({
          provider: 'alibaba-flink',
          operation: 'ListSavepoints',
          kind: 'drift',
          body: { success: true, httpCode: 200, data: [item], pageIndex: 1, pageSize: 100, totalSize: 1 },
          times: 1,
        });
      }),
    ]);
    expect(drifted.snapshot.errors).toEqual([]);
    expect(drifted.snapshot.apiCalls['ListSavepoints']).toBe(2);
    const byName = checkpointsByName(drifted.snapshot);
    expect(byName[owner]).toEqual(checkpointsByName(shared.snapshot)[owner]);
    expect(byName[owner]).toMatchObject({ lastCompletedAtMs: expect.any(Number) });
    const others = drifted.snapshot.jobs.filter((j) => j.state === 'RUNNING' && j.name !== owner);
    expect(others.length).toBe(drifted.running - 1);
    for (const job of others) expect(job.checkpoints).toEqual({});
  }, 120_000);

  it('a vendor failing the listing and the per-job reads leaves every due job checkpoints evidence missing (held)', async () => {
    const { snapshot, running } = await warmPoll((h) => h.failWith('ListSavepoints', 503));
    const missing = snapshot.jobs.filter((j) => j.missing?.includes('checkpoints'));
    expect(missing.length).toBe(running);
    for (const job of missing) expect(job.checkpoints).toBeUndefined();
    expect(snapshot.errors.length).toBe(running + 1);
    expect(snapshot.errors.every((e) => e.operation === 'ListSavepoints')).toBe(true);
  }, 120_000);
});
