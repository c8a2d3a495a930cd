import { describe, expect, it } from 'vitest';
import { createNotifier, createSilence, expireSilence, silenceInputSchema } from '../../lib/alerts/index.js';
import { DEADLETTER_PK, type DeadLetter, GROUP_PK, type NotifierDeps } from '../../lib/alerts/notifier.js';
import type { JobwatchEvent } from '../../lib/events/schema.js';
import { CHAT_SINK_TOKENS } from '../../lib/sandbox/chat-sink.js';
import {
  CHANNEL_CONFIGS,
  configWith,
  containerEvent,
  jobEvent,
  resolvedOf,
  T0,
  useSinkAndStore,
} from './helpers.js';

interface AmBody {
  status: string;
  groupLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string> }[];
}

const h = useSinkAndStore({ rateLimits: { slackPerSecond: 1000 } });

const ROUTE = {
  receiver: 'webhook',
  groupWaitSeconds: 30,
  groupIntervalSeconds: 300,
  repeatIntervalSeconds: 4 * 3600,
};

function notifier(alerting: Record<string, unknown> = {}, extra: Partial<NotifierDeps> = {}) {
  const config = configWith({ channels: [CHANNEL_CONFIGS.webhook], route: ROUTE, ...alerting });
  return createNotifier({
    config,
    ...h.notifierDeps(),
    retry: { baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 2000 },
    ...extra,
  });
}

const received = () => h.sink.messages.filter((m) => m.channel === 'webhook').map((m) => m.body as AmBody);
const names = (body: AmBody | undefined) =>
  (body?.alerts ?? []).map((a) => `${a.labels['resource']}:${a.status}`).sort();

describe('grouping and timing', () => {
  it('waits group_wait, then sends one message per group', async () => {
    // Prepare
    const n = notifier();
    const failed = ['a', 'b', 'c'].map((name) => jobEvent({ name }));
    const stuck = jobEvent({ name: 'd', type: 'job.stuck', severity: 'warning' });
    // Act
    const early = await n.handle([...failed, stuck]);
    h.nowMs += 30_000;
    const due = await n.flush();
    // Assess
    expect(early.sent).toBe(0);
    expect(due.sent).toBe(2);
    const bodies = received();
    expect(bodies.map((b) => b.groupLabels['alertname']).sort()).toEqual(['job.failed', 'job.stuck']);
    expect(names(bodies.find((b) => b.groupLabels['alertname'] === 'job.failed'))).toEqual([
      'a:firing',
      'b:firing',
      'c:firing',
    ]);
  });

  it('a new alert in a sent group waits for group_interval; nothing new means nothing sent', async () => {
    const n = notifier({ route: { ...ROUTE, groupWaitSeconds: 0 } });
    await n.handle([jobEvent({ name: 'a' })]);
    h.nowMs += 60_000;
    expect((await n.handle([jobEvent({ name: 'b' })])).sent).toBe(0);
    h.nowMs += 240_000;
    const r = await n.flush();
    expect(r.details.map((d) => d.reason)).toEqual(['new-firing']);
    expect(names(received()[1])).toEqual(['a:firing', 'b:firing']);
    h.nowMs += 300_000;
    expect((await n.flush()).sent).toBe(0);
  });

  it('sends a remediation decision once: it is a fact, not a condition, so it is never repeated', async () => {
    const n = notifier({ route: { ...ROUTE, groupWaitSeconds: 0 } });
    const decision = jobEvent({
      name: 'a',
      type: 'remediation.performed',
      severity: 'info',
      title: 'Restarted a',
    });
    expect((await n.handle([decision])).sent).toBe(1);
    h.nowMs += 5 * 3600_000;
    expect((await n.flush()).sent).toBe(0);
    expect((await n.handle([decision])).sent).toBe(0); // a redelivery of the same event is not news either
    expect(received()).toHaveLength(1);
  });

  it('repeats a still-firing group after repeat_interval', async () => {
    const n = notifier({ route: { ...ROUTE, groupWaitSeconds: 0 } });
    await n.handle([jobEvent({ name: 'a' })]);
    for (let i = 0; i < 47; i++) {
      h.nowMs += 300_000;
      await n.flush();
    }
    expect(received()).toHaveLength(1); // 3 h 55 m later: still quiet
    h.nowMs += 300_000;
    const r = await n.flush();
    expect(r.details[0]?.reason).toBe('repeat');
    expect(received()).toHaveLength(2);
  });

  /** Job a fires, resolves `resolveMs` later, and the notifier flushes `flushMs` after that. */
  async function firesThenResolves(n: ReturnType<typeof notifier>, resolveMs: number, flushMs: number) {
    const a = jobEvent({ name: 'a' });
    await n.handle([a]);
    h.nowMs += resolveMs;
    await n.handle([resolvedOf(a, h.nowMs)]);
    h.nowMs += flushMs;
    return n.flush();
  }

  it('sends the resolution, then forgets the group', async () => {
    const r = await firesThenResolves(
      notifier({ route: { ...ROUTE, groupWaitSeconds: 0 } }),
      60_000,
      240_000,
    );
    expect(r.details[0]?.reason).toBe('all-resolved');
    expect(received()[1]?.status).toBe('resolved');
    expect(names(received()[1])).toEqual(['a:resolved']);
    expect(await h.store.query(GROUP_PK, { consistent: true })).toHaveLength(0);
  });

  it('sends nothing for an alert that resolves before its group is first sent', async () => {
    const r = await firesThenResolves(notifier(), 10_000, 20_000);
    expect(r.sent).toBe(0);
    expect(h.sink.messages).toHaveLength(0);
    expect(await h.store.query(GROUP_PK, { consistent: true })).toHaveLength(0);
  });
});

describe('exactly once', () => {
  it('two concurrent invocations with the same events send exactly one message', async () => {
    const alerting = { route: { ...ROUTE, groupWaitSeconds: 0 } };
    const events = ['a', 'b'].map((name) => jobEvent({ name }));
    const [first, second] = [notifier(alerting), notifier(alerting)];
    const reports = await Promise.all([first.handle(events), second.handle([...events].reverse())]);
    expect(reports[0].sent + reports[1].sent).toBe(1);
    expect(h.sink.messages).toHaveLength(1);
    // A third, late redelivery of the same events changes nothing.
    await first.handle(events);
    expect(h.sink.messages).toHaveLength(1);
    expect(names(received()[0])).toEqual(['a:firing', 'b:firing']);
  });
});

describe('muting', () => {
  it('a silence mutes until it expires; expiring it early lets the next flush speak', async () => {
    const n = notifier();
    const silence = await createSilence(
      h.store,
      silenceInputSchema.parse({
        matchers: ['resource=~"etl-.*"'],
        endsAt: T0 + 3600_000,
        createdBy: 'ana',
        comment: 'backfill',
      }),
      h.nowMs,
    );
    await n.handle([jobEvent({ name: 'etl-1' }), jobEvent({ name: 'web-1', type: 'job.stuck' })]);
    h.nowMs += 30_000;
    const muted = await n.flush();
    expect(muted.suppressed).toBe(1);
    expect(received().map((b) => b.groupLabels['alertname'])).toEqual(['job.stuck']);
    h.nowMs += 300_000;
    expect((await n.flush()).sent).toBe(0);
    await expireSilence(h.store, silence.id, h.nowMs);
    h.nowMs += 300_000;
    expect((await n.flush()).sent).toBe(1);
    expect(names(received()[1])).toEqual(['etl-1:firing']);
  });

  it('a config silence stops applying at its end', async () => {
    const n = notifier({
      silences: [
        { matchers: ['alertname="job.failed"'], endsAt: T0 + 600_000, createdBy: 'ops', comment: 'known' },
      ],
    });
    await n.handle([jobEvent({ name: 'a' })]);
    h.nowMs += 30_000;
    expect((await n.flush()).suppressed).toBe(1);
    h.nowMs += 600_000;
    expect((await n.flush()).sent).toBe(1);
  });

  it('an unhealthy cluster inhibits its own jobs (default rule), not jobs elsewhere', async () => {
    const n = notifier();
    await n.handle([
      containerEvent('cluster', 'c1', 'huawei-mrs/cn-north-4/cluster:c1/cluster:c1'),
      jobEvent({ name: 'on-c1', container: 'c1' }),
      jobEvent({ name: 'on-c2', container: 'c2' }),
      // Same cluster name on another target: not the same cluster.
      jobEvent({ name: 'elsewhere', container: 'c1', targetId: 'other-target' }),
    ]);
    h.nowMs += 30_000;
    const r = await n.flush();
    expect(r.suppressed).toBe(1);
    const all = received().flatMap((b) => b.alerts.map((a) => a.labels['resource']));
    expect(all.sort()).toEqual(['c1', 'elsewhere', 'on-c2']);
  });

  it('a maintenance window mutes in its own time zone', async () => {
    // T0 is Monday 10:00 UTC = 18:00 in Asia/Shanghai.
    const window = (start: string, end: string) => ({
      maintenanceWindows: [{ name: 'nightly', timeZone: 'Asia/Shanghai', weekdays: ['mon'], start, end }],
    });
    const inWindow = notifier(window('18:00', '19:00'));
    await inWindow.handle([jobEvent({ name: 'a' })]);
    h.nowMs += 30_000;
    expect((await inWindow.flush()).suppressed).toBe(1);
    expect(h.sink.messages).toHaveLength(0);
    h.nowMs = T0 + 3600_000 + 60_000; // 19:01 local: the window has closed
    expect((await inWindow.flush()).sent).toBe(1);
  });

  it('a window written in local time is not read as UTC', async () => {
    const n = notifier({
      maintenanceWindows: [{ name: 'utc-looking', timeZone: 'Asia/Shanghai', start: '10:00', end: '11:00' }],
    });
    await n.handle([jobEvent({ name: 'a' })]);
    h.nowMs += 30_000;
    expect((await n.flush()).sent).toBe(1);
  });
});

describe('storms and failures', () => {
  it('folds groups beyond the storm cap into one digest', async () => {
    const n = notifier({ route: { ...ROUTE, groupBy: ['...'], stormCap: 3 } });
    await n.handle(Array.from({ length: 8 }, (_, i) => jobEvent({ name: `j${i}` })));
    h.nowMs += 30_000;
    const r = await n.flush();
    expect(h.sink.messages).toHaveLength(3);
    expect(r.details.filter((d) => d.outcome === 'sent')).toHaveLength(2);
    expect(r.details.filter((d) => d.outcome === 'digested')).toHaveLength(6);
    // The folded groups count as notified: no second storm at the next flush.
    h.nowMs += 300_000;
    expect((await n.flush()).sent).toBe(0);
  });

  it('retries, then dead-letters a message that keeps failing, and reports it', async () => {
    h.sink.failNext('webhook', 100, 503);
    const n = notifier();
    await n.handle([jobEvent({ name: 'a' })]);
    h.nowMs += 30_000;
    const r = await n.flush();
    expect(r).toMatchObject({ sent: 0, failed: 1, deadLettered: 1 });
    expect(h.sink.requests.filter((q) => q.status === 503)).toHaveLength(4);
    const letters = await h.store.query<DeadLetter>(DEADLETTER_PK, { consistent: true });
    expect(letters).toHaveLength(1);
    expect(letters[0]?.data.message.firing[0]?.resourceName).toBe('a');
    expect(letters[0]?.data.error).not.toContain(CHAT_SINK_TOKENS.webhook);
    // Tried again at the next group interval, and it goes through once the receiver is back.
    h.sink.clear();
    h.nowMs += 300_000;
    expect((await n.flush()).sent).toBe(1);
  });

  it("honours Slack's 429 Retry-After, then delivers", async () => {
    h.sink.failNext('slack', 1, 429, 1);
    const n = notifier({
      channels: [CHANNEL_CONFIGS.slack],
      route: { ...ROUTE, receiver: 'slack', groupWaitSeconds: 0 },
    });
    const started = performance.now();
    const r = await n.handle([jobEvent({ name: 'a' })]);
    expect(r).toMatchObject({ sent: 1, failed: 0 });
    expect(h.sink.requests.map((q) => q.status)).toEqual([429, 200]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('does not retry a 4xx', async () => {
    h.sink.failNext('webhook', 100, 400);
    const n = notifier({ route: { ...ROUTE, groupWaitSeconds: 0 } });
    const r = await n.handle([jobEvent({ name: 'a' })]);
    expect(r.deadLettered).toBe(1);
    expect(h.sink.requests).toHaveLength(1);
  });
});

describe('receivers', () => {
  it('routes by matchers with continue, and sends Slack a grouped message and its resolution', async () => {
    const n = notifier({
      channels: [CHANNEL_CONFIGS.webhook, CHANNEL_CONFIGS.slack],
      route: {
        ...ROUTE,
        groupWaitSeconds: 0,
        routes: [
          { jobs: ['etl-*'], receiver: 'slack', continue: true },
          { severities: ['critical'], receiver: 'webhook' },
        ],
      },
    });
    const a = jobEvent({ name: 'etl-a' });
    const events: JobwatchEvent[] = [
      a,
      jobEvent({ name: 'etl-b' }),
      jobEvent({ name: 'web', severity: 'warning' }),
    ];
    await n.handle(events);
    const slack = h.sink.messages.filter((m) => m.channel === 'slack');
    expect(slack).toHaveLength(1);
    expect(JSON.stringify(slack[0]?.body)).toContain('FIRING:2');
    // etl-* (continue) and critical both reach the webhook; `web` falls back to the root receiver.
    expect(
      received()
        .flatMap((b) => b.alerts.map((x) => x.labels['resource']))
        .sort(),
    ).toEqual(['etl-a', 'etl-b', 'web']);
    h.nowMs += 300_000;
    await n.handle([resolvedOf(a, h.nowMs)]);
    const slackAfter = h.sink.messages.filter((m) => m.channel === 'slack');
    expect(JSON.stringify(slackAfter[1]?.body)).toContain('RESOLVED:1');
  });

  it('alert test sends through one receiver and names the valid ones otherwise', async () => {
    const n = notifier({ channels: [CHANNEL_CONFIGS.webhook, CHANNEL_CONFIGS.dingtalk] });
    const report = await n.test('dingtalk');
    expect(report.details[0]?.error).toBeUndefined();
    expect(report.sent).toBe(1);
    expect(h.sink.messages[0]?.channel).toBe('dingtalk');
    await expect(n.test('nope')).rejects.toThrow(/configured: webhook, dingtalk/);
  });
});
