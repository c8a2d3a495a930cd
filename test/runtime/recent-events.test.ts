import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildEvent } from '../../lib/events/index.js';
import { listRecentEvents, recordRecentEvents } from '../../lib/events/recent-events.js';
import { createLocalStore } from '../../lib/state/local.js';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
const DAY = 24 * 3600_000;

const failed = (name: string, vendorFailedAtMs: number, observedAtMs: number) =>
  buildEvent({
    type: 'job.failed',
    provider: 'huawei-dli',
    targetId: 'dli-prod',
    region: 'cn-north-4',
    resource: { key: `job:${name}`, kind: 'job', name, vendorId: name, scope: { kind: 'project', id: 'p' } },
    severity: 'critical',
    status: 'firing',
    title: `Job ${name} FAILED`,
    summary: 'failed',
    startsAtMs: vendorFailedAtMs,
    observedAtMs,
  });

let local: Awaited<ReturnType<typeof createLocalStore>>;
beforeEach(async () => {
  local = await createLocalStore({ now: () => T0 });
});
afterEach(async () => {
  await local.store.close();
  await local.stop();
});

describe('recent events', () => {
  it('are listed newest observation first and kept a week from when jobwatch saw them', async () => {
    // Seen now, though the vendor dates the failure 8 days back (a first poll after a long outage).
    const old = failed('old-failure', T0 - 8 * DAY, T0);
    const earlier = failed('seen-earlier', T0 - 2 * 60_000, T0 - 60_000);
    await recordRecentEvents(local.store, [earlier, old]);
    const listed = await listRecentEvents(local.store);
    expect(listed.map((e) => e.data.resource.name)).toEqual(['old-failure', 'seen-earlier']);
  });
});
