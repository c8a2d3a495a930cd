import { describe, expect, it } from 'vitest';
import { EnvelopeParseError, parseEventBridgeEvent } from '../../lib/events/envelope.js';
import { buildEvent, eventId, fingerprint, parseEvent, safeParseEvent } from '../../lib/events/index.js';
import { dliJobInput } from './helpers.js';

const input = dliJobInput;

describe('events', () => {
  it('builds a valid CloudEvents 1.0 envelope', () => {
    const event = buildEvent(input());
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'io.jobwatch.job.failed',
      source: 'jobwatch/huawei-dli/dli-prod',
      subject: 'huawei-dli/cn-north-4/project:p1/job:42',
      datacontenttype: 'application/json',
      time: '2026-11-23T03:00:00.000Z',
    });
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('gives the same finding on the same resource the same fingerprint, whatever else changes', () => {
    const a = buildEvent(input());
    const b = buildEvent(input({ title: 'other', summary: 'other', startsAtMs: 1, severity: 'warning' }));
    expect(a.data.fingerprint).toBe(b.data.fingerprint);
    expect(a.data.fingerprint).toBe(fingerprint('job.failed', 'huawei-dli/cn-north-4/project:p1/job:42'));
  });

  it('separates findings by type, resource and discriminator', () => {
    const base = fingerprint('metric.threshold', 'k');
    expect(fingerprint('metric.threshold', 'k', 'delay')).not.toBe(base);
    expect(fingerprint('metric.threshold', 'k', 'delay')).not.toBe(
      fingerprint('metric.threshold', 'k', 'tps'),
    );
    expect(fingerprint('job.failed', 'k')).not.toBe(base);
    expect(fingerprint('metric.threshold', 'k2')).not.toBe(base);
  });

  it('derives the id from fingerprint, status and time, so a re-published event keeps its id', () => {
    const firing = buildEvent(input());
    expect(buildEvent(input()).id).toBe(firing.id);
    const resolved = buildEvent(input({ status: 'resolved', endsAtMs: firing.data.startsAtMs + 60_000 }));
    expect(resolved.id).not.toBe(firing.id);
    expect(resolved.id).toBe(eventId(firing.data.fingerprint, 'resolved', firing.data.startsAtMs + 60_000));
    expect(resolved.time).toBe('2026-11-23T03:01:00.000Z');
  });

  it('writes the id out as fingerprint-status-time: no two findings, statuses or times share one', () => {
    expect(eventId('f34ffd95ee0323de', 'firing', 1795392060000)).toBe(
      'f34ffd95ee0323de-firing-1795392060000',
    );
    const ids = [
      eventId('f34ffd95ee0323de', 'firing', 1),
      eventId('f34ffd95ee0323de', 'resolved', 1),
      eventId('f34ffd95ee0323de', 'firing', 11),
      eventId('f34ffd95ee0323df', 'firing', 1),
      eventId('f34ffd95ee0323de', 'firing', -1),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('rejects events that break the schema, naming the field', () => {
    const event = buildEvent(input()) as unknown as { data: { severity: string } };
    event.data.severity = 'catastrophic';
    const result = safeParseEvent(event);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['data', 'severity']);
    expect(() => buildEvent(input({ type: 'job.exploded' as never }))).toThrow();
  });

  it('unwraps the CloudEvent from an EventBridge event and rejects anything else', () => {
    const event = buildEvent(input());
    const bridged = { version: '0', source: 'jobwatch', 'detail-type': event.type, detail: event, id: 'x' };
    expect(parseEventBridgeEvent(bridged)).toEqual(event);
    expect(() =>
      parseEventBridgeEvent({ source: 'jobwatch', 'detail-type': 'x', detail: { nope: 1 } }),
    ).toThrow(EnvelopeParseError);
    expect(() =>
      parseEventBridgeEvent({ source: 'jobwatch', 'detail-type': 'x', detail: { nope: 1 } }),
    ).toThrow(/detail\.specversion/);
  });
});
