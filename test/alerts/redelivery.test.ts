/**
 * Redelivery to the notifier (at-least-once buses, retries, dead-letter replays): duplicate, late and
 * out-of-order deliveries of every event type, findings (firing, a new occurrence, resolved) and
 * remediation decisions, must send nothing beyond what one in-order delivery sends. Real chat sink over
 * loopback, real Store on dynalite, one injected clock.
 */
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../lib/alerts/index.js';
import { buildEvent, type EventInput } from '../../lib/events/build.js';
import { isDecision } from '../../lib/events/payloads.js';
import type { JobwatchEvent } from '../../lib/events/schema.js';
import { EVENT_TYPE_NAMES } from '../../lib/events/types.js';
import { configWith, jobEvent, T0, useSinkAndStore, WEBHOOK_PER_RESOURCE } from './helpers.js';

const MIN = 60_000;

interface AmBody {
  status: string;
  groupLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string>; annotations?: Record<string, string> }[];
}

const h = useSinkAndStore();

function notifier() {
  return createNotifier({
    config: configWith(WEBHOOK_PER_RESOURCE),
    ...h.notifierDeps(),
  });
}

/** What the chat heard: `<message status> <alertname> <alert statuses>`, in order. */
const heard = () =>
  h.sink.messages
    .filter((m) => m.channel === 'webhook')
    .map((m) => {
      const body = m.body as AmBody;
      return `${body.status} ${body.groupLabels['alertname']} ${body.alerts.map((a) => a.status).join(',')}`;
    });

/** A job.failed finding as detection emits it: vendor start time, jobwatch's observation time. */
function finding(
  status: 'firing' | 'resolved',
  input: {
    observedAtMs: number;
    occurrence?: number;
    startsAtMs?: number;
    name?: string;
    type?: EventInput['type'];
  },
): JobwatchEvent {
  const startsAtMs = input.startsAtMs ?? T0 - 5 * MIN;
  return jobEvent({
    name: input.name ?? 'orders',
    type: input.type ?? 'job.failed',
    status,
    startsAtMs,
    ...(status === 'resolved' ? { endsAtMs: input.observedAtMs } : {}),
    // A new occurrence is news observed now, so its id is its observation (as detection builds it).
    ...(status === 'firing' && (input.occurrence ?? 1) > 1 ? { atMs: input.observedAtMs } : {}),
    observedAtMs: input.observedAtMs,
    occurrence: input.occurrence ?? 1,
  });
}

function decision(type: EventInput['type'], attempt: string, atMs: number): JobwatchEvent {
  return buildEvent({
    type,
    provider: 'alibaba-blink',
    targetId: 'prod-blink',
    region: 'cn-hangzhou',
    resource: {
      key: 'alibaba-blink/cn-hangzhou/project:p1/job:orders',
      kind: 'job',
      name: 'orders',
      vendorId: 'orders',
      scope: { kind: 'project', id: 'p1' },
    },
    severity: type === 'remediation.failed' ? 'critical' : 'info',
    status: 'firing',
    title: `${type} ${attempt}`,
    summary: `${type} ${attempt}`,
    values: { attempt },
    discriminator: `fp@${T0}/restart-failed/${type}/${attempt}`,
    startsAtMs: atMs,
  });
}

/**
 * Delivers each batch at its minute, flushing every minute around deliveries and hourly otherwise, and
 * for `tailMinutes` after the last (by default past one repeat interval: a stuck firing alert would repeat).
 */
async function deliver(
  batches: [minute: number, events: JobwatchEvent[]][],
  tailMinutes = 5 * 60,
): Promise<string[]> {
  const n = notifier();
  const start = h.nowMs;
  const last = Math.max(...batches.map(([m]) => m));
  for (let minute = 0; minute <= last + tailMinutes; minute++) {
    h.nowMs = start + minute * MIN;
    const due = batches.filter(([m]) => m === minute).flatMap(([, events]) => events);
    if (due.length > 0) await n.handle(due);
    else if (batches.some(([m]) => minute - m >= 0 && minute - m <= 2) || minute % 60 === 0) await n.flush();
  }
  await n.close();
  return heard();
}

const F1 = finding('firing', { observedAtMs: T0 });
const F2 = finding('firing', { observedAtMs: T0 + 3 * MIN, occurrence: 2 });
const R = finding('resolved', { observedAtMs: T0 + 6 * MIN, occurrence: 2 });

describe('findings: 0 extra messages for duplicate, late and out-of-order delivery', () => {
  /** One firing message, then one resolve: all a single incident may say. */
  const ONCE = ['firing job.failed firing', 'resolved job.failed resolved'];

  it.each<[string, [minute: number, events: JobwatchEvent[]][], string[]]>([
    [
      'in order, once: one firing message, no message for the new occurrence, one resolve',
      [
        [0, [F1]],
        [3, [F2]],
        [6, [R]],
      ],
      ONCE,
    ],
    [
      'every event twice, in the same batch and again later',
      [
        [0, [F1, F1]],
        [1, [F1]],
        [3, [F2, F2]],
        [4, [F1, F2]],
        [6, [R, R]],
        [7, [R]],
      ],
      ONCE,
    ],
    [
      'firing, resolved, then the same firing redelivered (and the resolve again) says nothing more',
      [
        [0, [F1]],
        [6, [R]],
        [20, [F1]],
        [21, [F2]],
        [22, [R]],
        [3 * 24 * 60, [F1, F2, R]],
      ],
      ONCE,
    ],
    [
      'a resolve before its firing (dead-letter replay): the firing is stale and never pages',
      [
        [0, [R]],
        [1, [F1]],
        [2, [F2]],
      ],
      [],
    ],
    [
      'occurrences out of order: the older one is stale, one firing, one resolve',
      [
        [0, [F2]],
        [1, [F1]],
        [6, [R]],
        [7, [F1, F2]],
      ],
      ONCE,
    ],
  ])('%s', async (_name, batches, expected) => {
    expect(await deliver(batches)).toEqual(expected);
  });

  it('all of it in one batch, reversed: the newest observation wins', async () => {
    expect(await deliver([[0, [R, F2, F1]]])).toEqual([]);
    // Another job, without its resolve in the first batch.
    h.sink.clear();
    const first = finding('firing', { observedAtMs: h.nowMs, name: 'billing' });
    const second = finding('firing', { observedAtMs: h.nowMs + 3 * MIN, occurrence: 2, name: 'billing' });
    const resolved = finding('resolved', { observedAtMs: h.nowMs + 6 * MIN, occurrence: 2, name: 'billing' });
    expect(
      await deliver([
        [0, [second, first]],
        [7, [resolved, first]],
      ]),
    ).toEqual(['firing job.failed firing', 'resolved job.failed resolved']);
  });

  it('orders by observation, not vendor time: a failure observed after a resolve is firing', async () => {
    // The incident resolved at 6; the job failed again, observed at 8, though the vendor dates the new
    // failure at 4 (before the resolve). Delivered together, the job must read as failed, not recovered.
    const again = finding('firing', { observedAtMs: T0 + 8 * MIN, startsAtMs: T0 + 4 * MIN });
    expect(
      await deliver(
        [
          [0, [F1]],
          [9, [again, R]],
        ],
        30,
      ),
    ).toEqual(['firing job.failed firing']);
  });

  it('concurrent duplicate deliveries send one message each way', async () => {
    const n = notifier();
    await Promise.all([n.handle([F1]), n.handle([F1]), n.handle([F1])]);
    h.nowMs += 6 * MIN;
    await Promise.all([n.handle([R]), n.handle([R, F1]), n.handle([F2, R])]);
    h.nowMs += 60 * MIN;
    await Promise.all([n.flush(), n.flush()]);
    expect(heard()).toEqual(['firing job.failed firing', 'resolved job.failed resolved']);
  });
});

describe('every finding type', () => {
  const types = EVENT_TYPE_NAMES.filter((type) => !isDecision(type));

  it.each(types)(
    '%s: duplicated, late, reversed or replayed, the chat hears no more than in order',
    async (type) => {
      const at = (minute: number) => T0 + minute * MIN;
      const events = (name: string) => ({
        first: finding('firing', { type, name, observedAtMs: at(0) }),
        again: finding('firing', { type, name, observedAtMs: at(3), occurrence: 2 }),
        resolved: finding('resolved', { type, name, observedAtMs: at(6), occurrence: 2 }),
      });
      const inOrder = events('in-order');
      const expected = await deliver([
        [0, [inOrder.first]],
        [3, [inOrder.again]],
        [6, [inOrder.resolved]],
      ]);
      expect(expected).toEqual([`firing ${type} firing`, `resolved ${type} resolved`]);
      h.sink.clear();
      const messy = events('messy');
      expect(
        await deliver([
          [0, [messy.again, messy.first, messy.again]],
          [6, [messy.resolved, messy.first]],
          [7, [messy.again, messy.resolved]],
          // After the resolve was sent and the group forgotten: stale firings alone, late and very late.
          [60, [messy.first]],
          [3 * 24 * 60, [messy.again]],
        ]),
      ).toEqual(expected);
      // A replay that brings the resolve first: the firings are stale, nothing pages.
      h.sink.clear();
      const replayed = events('replayed');
      expect(
        await deliver([
          [0, [replayed.resolved]],
          [1, [replayed.first]],
          [2, [replayed.again]],
        ]),
      ).toEqual([]);
    },
  );
});

describe('remediation decisions: 0 extra messages for duplicate, late and out-of-order delivery', () => {
  const performed = decision('remediation.performed', '1/3', T0 + MIN);
  const failed = decision('remediation.failed', 'gave-up', T0 + 2 * MIN);
  const skipped = decision('remediation.skipped', 'cooldown', T0 + 30 * 1000);

  it('each decision is said once: duplicates, reversed order, and a redelivery days later', async () => {
    const messages = await deliver([
      [0, [failed, performed, failed, skipped]],
      [1, [performed, skipped]],
      [2, [failed]],
      [3 * 24 * 60, [performed, failed, skipped]],
    ]);
    expect(messages.sort()).toEqual([
      'firing remediation.failed firing',
      'firing remediation.performed firing',
      'firing remediation.skipped firing',
    ]);
  });

  it('a redelivery two weeks later (a dead-letter replay) is not news either', async () => {
    const messages = await deliver([
      [0, [performed]],
      [14 * 24 * 60, [performed]],
    ]);
    expect(messages).toEqual(['firing remediation.performed firing']);
  });
});
