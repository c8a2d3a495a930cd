/** Owner and environment from config (per target, per job glob) on job events, in routes and in messages. */
import { describe, expect, it } from 'vitest';
import { messageTitle } from '../../lib/alerts/channels/render.js';
import { buildSlackPayload } from '../../lib/alerts/channels/slack/index.js';
import { matchRoutes, routeTree } from '../../lib/alerts/route.js';
import { alertLabels } from '../../lib/alerts/silences.js';
import { toAlertView } from '../../lib/alerts/view.js';
import { parseConfig } from '../../lib/config/load.js';
import type { JobwatchEvent } from '../../lib/events/index.js';
import { Driver, makeJob, T0 } from './factories.js';

function failedEvents(): JobwatchEvent[] {
  const driver = new Driver({
    rules: { labels: { env: 'prod', owner: 'data-platform' } },
    jobRules: [{ match: 'payments-*', rules: { labels: { owner: 'alice' } } }],
  });
  const failed = (name: string) =>
    makeJob({
      name,
      vendorId: name,
      state: 'FAILED',
      lastError: 'java.net.ConnectException: Connection refused',
    });
  return driver
    .poll({ at: 1, jobs: [failed('orders-etl'), failed('payments-agg')] })
    .filter((e) => e.data.type === 'job.failed');
}

describe('owner and env', () => {
  const events = failedEvents();
  const byName = (name: string) => events.find((e) => e.data.resource.name === name) as JobwatchEvent;

  it('labels job events per target and per job glob, the job layer winning key by key', () => {
    expect(byName('orders-etl').data.labels).toMatchObject({ env: 'prod', owner: 'data-platform' });
    expect(byName('payments-agg').data.labels).toMatchObject({ env: 'prod', owner: 'alice' });
  });

  it('routes match on owner and env', () => {
    const config = parseConfig({
      channels: [
        { name: 'ops', type: 'webhook', url: 'env:X' },
        { name: 'alice', type: 'webhook', url: 'env:X' },
        { name: 'prod-pager', type: 'webhook', url: 'env:X' },
      ],
      route: {
        receiver: 'ops',
        routes: [
          { matchers: ['owner="alice"'], receiver: 'alice', continue: true },
          { matchers: ['env="prod"'], receiver: 'prod-pager' },
        ],
      },
    });
    const tree = routeTree(config);
    const receivers = (event: JobwatchEvent) =>
      matchRoutes(tree, alertLabels(event)).map((r) => r.options.receiver);
    expect(receivers(byName('payments-agg'))).toEqual(['alice', 'prod-pager']);
    expect(receivers(byName('orders-etl'))).toEqual(['prod-pager']);
  });

  it('messages show the environment in the title and the owner', () => {
    const view = toAlertView(byName('payments-agg'));
    const message = {
      receiver: 'oncall',
      groupKey: 'root:abc',
      groupLabels: { alertname: 'job.failed' },
      reason: 'first' as const,
      status: 'firing' as const,
      firing: [view],
      resolved: [],
      omitted: 0,
      nowMs: T0 + 5 * 60_000,
    };
    expect(messageTitle(message)).toBe('[prod] [FIRING:1] job.failed');
    const text = (buildSlackPayload(message).blocks[2] as { text: { text: string } }).text.text;
    expect(text.split('\n')[0]).toBe('🔴 *CRITICAL* *[prod]* Job payments-agg FAILED');
    expect(text.split('\n')[1]).toContain('· owner alice');
    // Grouped by env already: the title does not repeat it.
    expect(messageTitle({ ...message, groupLabels: { alertname: 'job.failed', env: 'prod' } })).toBe(
      '[FIRING:1] job.failed · env=prod',
    );
  });
});
