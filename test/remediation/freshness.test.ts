import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config/index.js';
import type { CurrentState } from '../../lib/providers/types.js';
import { currentStateVerdict, eventAgeGuard, maxEventAgeMs } from '../../lib/remediation/freshness.js';
import { readFacts } from '../../lib/remediation/guards.js';
import { configWith, finding, T0 } from './helpers.js';

/** The pure halves of the freshness stage; the Store and vendor halves run in redelivery.test.ts. */

const MIN = 60_000;

describe('eventAgeGuard', () => {
  const observed = (observedAtMs?: number) => {
    const event = finding();
    return observedAtMs === undefined ? event : { ...event, data: { ...event.data, observedAtMs } };
  };
  const rows: { rule: string; observedAtMs?: number; nowMs: number; code?: string }[] = [
    { rule: 'just observed', observedAtMs: T0, nowMs: T0 },
    { rule: 'exactly at the limit', observedAtMs: T0, nowMs: T0 + 2 * MIN },
    { rule: 'one ms past the limit', observedAtMs: T0, nowMs: T0 + 2 * MIN + 1, code: 'stale-event' },
    { rule: 'an hour-old replay', observedAtMs: T0, nowMs: T0 + 60 * MIN, code: 'stale-event' },
    // Vendor time (startsAtMs) is not the age: an old failure seen now is fresh.
    { rule: 'old incident, observed now', observedAtMs: T0 + 90 * MIN, nowMs: T0 + 90 * MIN },
    { rule: 'no observation time: no measurable age', nowMs: T0 + 600 * MIN },
  ];
  it.each(rows)('$rule', ({ observedAtMs, nowMs, code }) => {
    const verdict = eventAgeGuard(observed(observedAtMs), 2 * MIN, nowMs);
    expect(verdict.pass ? undefined : verdict.code).toBe(code);
  });

  it('says how old the event is', () => {
    const verdict = eventAgeGuard(observed(T0), 2 * MIN, T0 + 10 * MIN);
    expect(verdict).toMatchObject({ pass: false, reason: expect.stringContaining('observed 10m ago') });
  });
});

describe('maxEventAgeMs', () => {
  const target = { pollIntervalSeconds: 300 };
  it('defaults to two poll intervals of the target, else of the defaults', () => {
    const config = configWith({});
    expect(maxEventAgeMs(config, undefined)).toBe(2 * 60_000);
    expect(maxEventAgeMs(config, { ...config.targets[0], ...target } as never)).toBe(600_000);
  });
  it('takes remediation.maxEventAgeSeconds when set, and validates it', () => {
    const config = configWith({ maxEventAgeSeconds: 900 });
    expect(maxEventAgeMs(config, { ...config.targets[0], ...target } as never)).toBe(900_000);
    for (const bad of [10, 1.5, 'soon', 86_401]) {
      let problems: string[] = [];
      try {
        configWith({ maxEventAgeSeconds: bad });
      } catch (error) {
        if (error instanceof ConfigError) problems = error.problems;
      }
      expect(problems.join('\n')).toContain('remediation.maxEventAgeSeconds');
    }
  });
});

describe('currentStateVerdict', () => {
  const job = (state: string, extra: Partial<Extract<CurrentState, { kind: 'job' }>> = {}): CurrentState =>
    ({ kind: 'job', state, vendorState: state.toLowerCase(), ...extra }) as CurrentState;
  const rows: {
    rule: string;
    trigger?: Record<string, string>;
    instanceId?: string;
    current: CurrentState;
    code?: string;
    reason?: string;
  }[] = [
    { rule: 'still FAILED', current: job('FAILED', { stateCause: 'system' }) },
    {
      rule: 'fixed by a person: RUNNING now',
      current: job('RUNNING', { vendorState: 'job_running' }),
      code: 'state-changed',
      reason: 'state-changed: vendor says RUNNING (job_running) now; the job.failed finding saw FAILED',
    },
    {
      rule: 'stopped by a person since',
      current: job('STOPPED', { stateCause: 'user' }),
      code: 'state-changed',
    },
    {
      rule: 'a person paused the RUNNING job the finding was about',
      trigger: { state: 'RUNNING', stateCause: 'system' },
      current: job('RUNNING', { stateCause: 'user' }),
      code: 'stopped-by-user',
    },
    {
      rule: 'FAILED again, but a newer instance',
      instanceId: 'i-1',
      current: job('FAILED', { instanceId: 'i-2', stateCause: 'system' }),
      code: 'state-changed',
      reason: 'instance i-2 is current',
    },
    { rule: 'same instance', instanceId: 'i-1', current: job('FAILED', { instanceId: 'i-1' }) },
    {
      rule: 'an answer without a state',
      current: job('UNKNOWN', { vendorState: 'odd' }),
      code: 'vendor-read-failed',
    },
  ];
  it.each(rows)('$rule', ({ trigger, instanceId, current, code, reason }) => {
    const event = finding({ values: trigger ?? {} });
    if (instanceId) event.data.resource.instanceId = instanceId;
    const verdict = currentStateVerdict({
      event,
      facts: readFacts(event.data.values),
      current,
      action: 'restart',
      fromStates: undefined,
    });
    expect(verdict.pass ? undefined : verdict.code).toBe(code);
    if (reason) expect(verdict.pass ? '' : verdict.reason).toContain(reason);
  });

  it.each([
    ['HEALTHY', 'state-changed'],
    ['UNKNOWN', 'vendor-read-failed'],
    ['DEGRADED', undefined],
    ['UNHEALTHY', undefined],
  ] as const)('a queue that is %s now -> %s', (health, code) => {
    const event = finding({ type: 'queue.unhealthy', values: { health: 'UNHEALTHY' } });
    const verdict = currentStateVerdict({
      event,
      facts: readFacts(event.data.values),
      current: { kind: 'queue', health, vendorState: health.toLowerCase() },
      action: 'restart-queue',
      fromStates: undefined,
    });
    expect(verdict.pass ? undefined : verdict.code).toBe(code);
  });
});
