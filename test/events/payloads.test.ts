/** The typed event contract: every catalog type has a payload schema and a kind, and both are enforced. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildEvent, checkedEvent, type EventInput, parseEvent } from '../../lib/events/build.js';
import {
  DECISION_TYPES,
  EVENT_CONTRACT,
  eventKind,
  extrasOf,
  FINDING_TYPES,
  isDecision,
  isTrigger,
  PAYLOAD_SCHEMAS,
  payloadMismatch,
  payloadOf,
} from '../../lib/events/payloads.js';
import { jobwatchEventSchema } from '../../lib/events/schema.js';
import { EVENT_TYPE_NAMES, type EventType } from '../../lib/events/types.js';
import { dliJobInput } from './helpers.js';

const input = (type: EventType, values: Record<string, unknown>): EventInput =>
  dliJobInput({ type, title: 't', summary: 's', values } as Partial<EventInput>);

/** One wrong value per type, on a fact that type's producers write, and the field it must be named by. */
const WRONG: Record<EventType, [string, unknown]> = {
  'job.failed': ['state', 'failed'],
  'job.state_changed': ['expected', 'yes'],
  'job.stuck': ['stuckSeconds', '600'],
  'checkpoint.failed': ['failedCheckpoints', 'three'],
  'checkpoint.stalled': ['lastCheckpointAgeSeconds', true],
  'failover.burst': ['newFailovers', null],
  'metric.threshold': ['direction', 'sideways'],
  'cluster.unhealthy': ['health', 'SICK'],
  'queue.unhealthy': ['jobsOnContainer', '2'],
  'source.unreachable': ['complete', 'false'],
  'monitor.stale': ['intervalMs', 'one minute'],
  'remediation.performed': ['outcome', 'done'],
  'remediation.skipped': ['mode', 'maybe'],
  'remediation.failed': ['attempt', 2],
};

/** The paths of the zod issues `build` throws with. */
function issuePaths(build: () => unknown): string[] {
  try {
    build();
  } catch (error) {
    if (error instanceof z.ZodError) return error.issues.map((i) => i.path.join('.'));
    throw error;
  }
  return [];
}

describe('event contract', () => {
  it('gives every catalog type a payload schema and a kind, findings and decisions apart', () => {
    for (const type of EVENT_TYPE_NAMES) {
      expect(PAYLOAD_SCHEMAS[type], type).toBeDefined();
      expect(['finding', 'decision'], type).toContain(eventKind(type));
      expect(Object.keys(EVENT_CONTRACT[type].fields).length, type).toBeGreaterThan(0);
    }
    expect(Object.keys(EVENT_CONTRACT).sort()).toEqual([...EVENT_TYPE_NAMES].sort());
    expect([...FINDING_TYPES, ...DECISION_TYPES].sort()).toEqual([...EVENT_TYPE_NAMES].sort());
    expect(DECISION_TYPES).toEqual(['remediation.performed', 'remediation.skipped', 'remediation.failed']);
    expect(eventKind('job.exploded')).toBeUndefined();
    expect(isDecision('remediation.skipped')).toBe(true);
    expect(isDecision('job.failed')).toBe(false);
  });

  it('decides "is this a trigger?" in one place: a firing finding only', () => {
    const data = (type: string, status: string) => ({ data: { type, status } });
    expect(isTrigger(data('job.failed', 'firing'))).toBe(true);
    expect(isTrigger(data('job.failed', 'resolved'))).toBe(false);
    expect(isTrigger(data('remediation.failed', 'firing'))).toBe(false);
    expect(isTrigger(data('job.exploded', 'firing'))).toBe(false);
  });

  it.each(EVENT_TYPE_NAMES)('rejects a wrong %s payload, naming the field', (type) => {
    const [field, wrong] = WRONG[type];
    expect(Object.keys(EVENT_CONTRACT[type].fields)).toContain(field);
    // The zod schema (parse, the bus envelope) and buildEvent's fast check both refuse it.
    expect(payloadMismatch(type, { [field]: wrong })).toBe(field);
    const schema = PAYLOAD_SCHEMAS[type].safeParse({ [field]: wrong });
    expect(schema.success).toBe(false);
    expect(schema.error?.issues[0]?.path).toEqual([field]);
    expect(issuePaths(() => buildEvent(input(type, { [field]: wrong })))).toEqual([`data.values.${field}`]);
    const valid = buildEvent(input(type, {}));
    const candidate = structuredClone(valid);
    (candidate.data.values as Record<string, unknown>)[field] = wrong;
    expect(checkedEvent(candidate)).toBeUndefined();
    const parsed = jobwatchEventSchema.safeParse(candidate);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual([`data.values.${field}`]);
  });

  it('accepts the payloads producers write, and keeps a sender extra beside them', () => {
    const event = buildEvent({
      ...input('failover.burst', {}),
      type: 'failover.burst',
      values: { state: 'RUNNING', newFailovers: 4, burstCount: 3, lastFailoverError: 'java.io.IOException' },
      extras: { ticket: 'OPS-1', retries: 2 },
    });
    expect(parseEvent(event)).toEqual(event);
    expect(event.data.values).toEqual({
      state: 'RUNNING',
      newFailovers: 4,
      burstCount: 3,
      lastFailoverError: 'java.io.IOException',
      ticket: 'OPS-1',
      retries: 2,
    });
    expect(extrasOf(event.data.type, event.data.values)).toEqual({ ticket: 'OPS-1', retries: 2 });
    const typed = payloadOf(event.data);
    if (typed.type !== 'failover.burst') throw new Error('typed by its type');
    expect(typed.values.newFailovers).toBe(4);
  });

  it('reads an event stored in the old untyped shape unchanged (nullable decision facts included)', () => {
    const stored = buildEvent(
      input('remediation.failed', {
        action: 'restart',
        mode: 'enforce',
        outcome: 'gave-up',
        attempt: null,
        reason: 'restart 3/3 failed, giving up',
        reasonCode: null,
        policy: 'restart-failed',
        trigger: 'job.failed',
        triggerFingerprint: '0123456789abcdef',
      }),
    );
    expect(parseEvent(JSON.parse(JSON.stringify(stored)))).toEqual(stored);
  });
});
