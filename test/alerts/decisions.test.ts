import { describe, expect, it } from 'vitest';
import { type NotificationLogEntry, needsUpdate } from '../../lib/alerts/dedup.js';
import { matcherSchema, matchesOne } from '../../lib/alerts/matchers.js';
import { windowActive } from '../../lib/alerts/mute.js';
import { matchRoutes, routeTree } from '../../lib/alerts/route.js';
import { alertLabels } from '../../lib/alerts/silences.js';
import { countsFromValues } from '../../lib/alerts/view.js';
import { configWith, jobEvent, webhookReceivers } from './helpers.js';

const NOW = 1_000_000_000;
const HOUR = 3600_000;
const entry = (firing: string[], resolved: string[], sentAtMs = NOW - 60_000): NotificationLogEntry => ({
  firing,
  resolved,
  sentAtMs,
  reason: 'first',
});

describe('needsUpdate (AM dedup_stage)', () => {
  it.each([
    // Never notified and something fires: notify.
    [undefined, ['a'], [], true, 'first'],
    // Never notified and only resolved alerts: the receiver never heard of them, stay quiet.
    [undefined, [], ['a'], true, undefined],
    // A firing alert the last notification did not contain: notify.
    [entry(['a'], []), ['a', 'b'], [], true, 'new-firing'],
    // Same firing set, nothing resolved, repeat not elapsed: quiet.
    [entry(['a'], []), ['a'], [], true, undefined],
    // Firing set shrank to nothing after we notified firing alerts: say all resolved.
    [entry(['a'], []), [], ['a'], true, 'all-resolved'],
    // All resolved is said even with send_resolved off, so the log forgets the firing set.
    [entry(['a'], []), [], ['a'], false, 'all-resolved'],
    // Nothing firing now and nothing firing last time: some alerts came and went unseen; quiet.
    [entry([], ['a']), [], ['b'], true, undefined],
    // A newly resolved alert while others still fire, with send_resolved: notify.
    [entry(['a', 'b'], []), ['a'], ['b'], true, 'new-resolved'],
    // The same without send_resolved: quiet.
    [entry(['a', 'b'], []), ['a'], ['b'], false, undefined],
    // A subset of the firing set still fires (no news), repeat not elapsed: quiet.
    [entry(['a', 'b'], ['b']), ['a'], ['b'], true, undefined],
    // Unchanged for longer than the repeat interval: repeat.
    [entry(['a'], [], NOW - 4 * HOUR), ['a'], [], true, 'repeat'],
  ] as const)(
    'entry %j firing %j resolved %j sendResolved %s -> %s',
    (e, firing, resolved, sendResolved, reason) => {
      expect(
        needsUpdate({
          entry: e,
          firing: new Set(firing),
          resolved: new Set(resolved),
          sendResolved,
          repeatIntervalMs: 4 * HOUR,
          nowMs: NOW,
        }),
      ).toBe(reason);
    },
  );
});

describe('matchers', () => {
  it.each([
    // Text form with quotes, equality.
    ['team="data"', { team: 'data' }, true],
    // Inequality; a missing label reads as empty.
    ['team!="data"', {}, true],
    // Regexes are anchored: a substring is not a match.
    ['job=~"etl-.*"', { job: 'my-etl-1' }, false],
    ['job=~"etl-.*"', { job: 'etl-1' }, true],
    ['severity!~"info|warning"', { severity: 'critical' }, true],
  ] as const)('%s on %j -> %s', (text, labels, expected) => {
    expect(matchesOne(matcherSchema.parse(text), labels)).toBe(expected);
  });

  it('rejects an invalid regex with the field path', () => {
    expect(() => configWith({ route: { receiver: 'x', matchers: ['job=~"("'] } })).toThrow(
      /route\.matchers\[0\]/,
    );
  });
});

describe('maintenance windows', () => {
  const mon = Date.parse('2026-11-23T00:00:00Z'); // Monday
  const w = (start: string, end: string, weekdays = ['mon']) =>
    ({ name: 'w', timeZone: 'Asia/Shanghai', weekdays, start, end, matchers: [] }) as Parameters<
      typeof windowActive
    >[0];
  it.each([
    // 08:30 local Monday (00:30 UTC) inside 08:00-09:00.
    [w('08:00', '09:00'), mon + 30 * 60_000, true],
    // The end is exclusive.
    [w('08:00', '09:00'), mon + HOUR, false],
    // Across midnight: Monday 23:00 - Tuesday 01:00, checked at Tuesday 00:30 local (Monday 16:30 UTC).
    [w('23:00', '01:00'), mon + 16.5 * HOUR, true],
    // The same time on Tuesday night is outside: the window starts on Mondays only.
    [w('23:00', '01:00'), mon + 16.5 * HOUR + 24 * HOUR, false],
    // Weekday is the local one: Sunday 23:30 UTC is Monday 07:30 in Shanghai.
    [w('07:00', '08:00'), mon - 30 * 60_000, true],
  ])('%j at %i -> %s', (window, at, expected) => {
    expect(windowActive(window, at)).toBe(expected);
  });
});

describe('routing tree', () => {
  const config = configWith({
    channels: webhookReceivers(['ops', 'data', 'pager']),
    route: {
      receiver: 'ops',
      routes: [
        { matchers: ['team="data"'], receiver: 'data', continue: true },
        { severities: ['critical'], providers: ['alibaba-blink'], receiver: 'pager' },
        { types: ['job.stuck'], receiver: 'data' },
      ],
    },
  });
  const tree = routeTree(config);
  const receivers = (labels: Record<string, string>) =>
    matchRoutes(tree, labels).map((r) => r.options.receiver);
  it.each([
    // continue: the team route matches and matching goes on to the next sibling.
    [{ team: 'data', severity: 'critical', provider: 'alibaba-blink' }, ['data', 'pager']],
    // No child matches: the parent itself.
    [{ severity: 'warning', provider: 'huawei-dli', alertname: 'job.failed' }, ['ops']],
    // First match without continue stops the search.
    [{ severity: 'critical', provider: 'alibaba-blink', alertname: 'job.stuck' }, ['pager']],
  ])('%j -> %j', (labels, expected) => {
    expect(receivers(labels)).toEqual(expected);
  });

  it('a receiver no channel defines is a config problem, named', async () => {
    const { alertingProblems, alertingSchema } = await import('../../lib/alerts/config.js');
    const bad = alertingSchema.parse({ channels: [], route: { receiver: 'ghost' } });
    expect(alertingProblems(bad)).toEqual(["route.receiver: no channel named 'ghost' (channels: none)"]);
    // The loader refuses such a config outright, naming the field.
    expect(() => configWith({ channels: [], route: { receiver: 'ghost' } })).toThrow(
      "route.receiver: no channel named 'ghost' (channels: none)",
    );
  });
});

describe('labels and values', () => {
  it('built-in labels win over event labels, so an event cannot pose as another alert', () => {
    const labels = alertLabels(jobEvent({ name: 'x', labels: { alertname: 'fake', team: 'data' } }));
    expect(labels).toMatchObject({
      alertname: 'job.failed',
      team: 'data',
      job: 'x',
      kind: 'job',
      severity: 'critical',
    });
  });

  it('derives "restarts 2/5" counts from values', () => {
    expect(countsFromValues({ restarts: 2, maxRestarts: 5, failedCount: 3, state: 'FAILED' })).toEqual([
      'restarts 2/5',
      'failed count 3',
    ]);
  });
});
