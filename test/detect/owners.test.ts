/** Owner and environment from config (per target, per job glob) on job events, in routes and in messages. */
import { describe, expect, it } from 'vitest';
import { buildDingtalkPayload, dingtalkConfigSchema } from '../../lib/alerts/channels/dingtalk/index.js';
import { buildFeishuCard } from '../../lib/alerts/channels/feishu/index.js';
import { messageTitle } from '../../lib/alerts/channels/render.js';
import { buildSlackPayload, slackConfigSchema } from '../../lib/alerts/channels/slack/index.js';
import type { AlertGroupMessage } from '../../lib/alerts/channels/types.js';
import { buildWecomPayload, wecomConfigSchema } from '../../lib/alerts/channels/wecom/index.js';
import { matchRoutes, routeTree } from '../../lib/alerts/route.js';
import { alertLabels } from '../../lib/alerts/silences.js';
import { parseConfig } from '../../lib/config/load.js';
import type { JobwatchEvent } from '../../lib/events/index.js';
import { groupMessage } from '../alerts/helpers.js';
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
  /** The message an `oncall` receiver gets for these firing events, grouped by alert name only. */
  const message = (firing: JobwatchEvent[]): AlertGroupMessage =>
    groupMessage(firing, {
      receiver: 'oncall',
      groupLabels: { alertname: 'job.failed' },
      nowMs: T0 + 5 * 60_000,
    });

  it('labels job events per target and per job glob, the job layer winning key by key', () => {
    expect(byName('orders-etl').data.labels).toMatchObject({ env: 'prod', owner: 'data-platform' });
    expect(byName('payments-agg').data.labels).toMatchObject({ env: 'prod', owner: 'alice' });
  });

  it('routes match on owner and env', () => {
    const config = parseConfig({
      channels: ['ops', 'alice', 'prod-pager'].map((name) => ({ name, type: 'webhook', url: 'env:X' })),
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
    const alice = message([byName('payments-agg')]);
    expect(messageTitle(alice)).toBe('[FIRING:1] job.failed · env=prod');
    const text = (buildSlackPayload(alice).blocks[2] as { text: { text: string } }).text.text;
    expect(text.split('\n')[0]).toBe('🔴 *CRITICAL* *[prod]* Job payments-agg FAILED');
    expect(text.split('\n')[1]).toContain('· owner alice');
    // Grouped by env already: the title does not repeat it.
    expect(messageTitle({ ...alice, groupLabels: { alertname: 'job.failed', env: 'prod' } })).toBe(
      '[FIRING:1] job.failed · env=prod',
    );
  });

  describe('native owner mentions', () => {
    const both = message(events);

    it('Slack mentions the owner by member id, once, only for owners it knows', () => {
      const payload = buildSlackPayload(both, { alice: 'U024BE7LH' });
      const texts = payload.blocks.map((b) => JSON.stringify(b));
      expect(texts.filter((t) => t.includes('<@U024BE7LH>'))).toHaveLength(1);
      expect(JSON.stringify(buildSlackPayload(both))).not.toContain('<@');
    });

    it('DingTalk puts the owner in atUserIds and the text', () => {
      const config = dingtalkConfigSchema.parse({
        name: 'dt',
        type: 'dingtalk',
        url: 'env:X',
        owners: { alice: 'alice01' },
      });
      const { payload } = buildDingtalkPayload(config, both);
      expect(payload.at).toEqual({ atMobiles: [], atUserIds: ['alice01'], isAtAll: false });
      expect(payload.markdown.text.endsWith('@alice01')).toBe(true);
    });

    it('Feishu mentions with <at id>, WeCom with <@userid>', () => {
      const card = buildFeishuCard(both, { alice: 'ou_7d8a6e6df7621556ce0d21922b676706' });
      expect(card.card.elements.at(-1)).toEqual({
        tag: 'div',
        text: { tag: 'lark_md', content: 'owner: <at id=ou_7d8a6e6df7621556ce0d21922b676706></at>' },
      });
      const wecom = wecomConfigSchema.parse({
        name: 'wc',
        type: 'wecom',
        url: 'env:X',
        owners: { alice: 'alice.w' },
      });
      expect(buildWecomPayload(wecom, both).payload.markdown.content.endsWith('<@alice.w>')).toBe(true);
    });

    it('never mentions everyone: mass-mention ids are refused in config', () => {
      for (const id of ['all', '@all', 'here', 'channel', '<!channel>']) {
        expect(
          slackConfigSchema.safeParse({ name: 's', type: 'slack', url: 'env:X', owners: { a: id } }).success,
        ).toBe(false);
        expect(
          wecomConfigSchema.safeParse({ name: 'w', type: 'wecom', url: 'env:X', owners: { a: id } }).success,
        ).toBe(false);
        expect(
          dingtalkConfigSchema.safeParse({ name: 'd', type: 'dingtalk', url: 'env:X', owners: { a: id } })
            .success,
        ).toBe(false);
      }
    });
  });
});

describe('owner and env from the vendor tags', () => {
  const failed = (name: string, vendorTags?: Record<string, string>) =>
    makeJob({ name, vendorId: name, state: 'FAILED', ...(vendorTags ? { vendorTags } : {}) });
  const labelsOf = (driver: Driver, jobs: ReturnType<typeof failed>[]) =>
    Object.fromEntries(
      driver
        .poll({ at: 1, jobs })
        .filter((e) => e.data.type === 'job.failed')
        .map((e) => [e.data.resource.name, e.data.labels]),
    );

  it('takes owner and env from the tags by default, and nothing else from them', () => {
    const labels = labelsOf(new Driver({ labels: {} }), [
      failed('tagged', { owner: 'alice', env: 'prod', password: 'hunter2', team: 'x' }),
      failed('untagged'),
    ]);
    expect(labels['tagged']).toMatchObject({ owner: 'alice', env: 'prod' });
    expect(labels['tagged']).not.toHaveProperty('password');
    expect(labels['tagged']).not.toHaveProperty('team');
    expect(labels['untagged']).not.toHaveProperty('owner');
  });

  it('configured labels win over tags; tagLabels maps other keys or turns it off', () => {
    const configured = labelsOf(new Driver({ labels: {}, rules: { labels: { owner: 'data-platform' } } }), [
      failed('tagged', { owner: 'alice', env: 'prod' }),
    ]);
    expect(configured['tagged']).toMatchObject({ owner: 'data-platform', env: 'prod' });
    const mapped = labelsOf(
      new Driver({ labels: {}, rules: { tagLabels: { owner: 'Owner', env: 'stage' } } }),
      [failed('tagged', { Owner: 'bob', stage: 'test', owner: 'ignored' })],
    );
    expect(mapped['tagged']).toMatchObject({ owner: 'bob', env: 'test' });
    const off = labelsOf(new Driver({ labels: {}, rules: { tagLabels: {} } }), [
      failed('tagged', { owner: 'alice' }),
    ]);
    expect(off['tagged']).not.toHaveProperty('owner');
  });
});
