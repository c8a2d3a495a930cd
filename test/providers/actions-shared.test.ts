import { describe, expect, it } from 'vitest';
import { HttpCallError } from '../../lib/http/errors.js';
import {
  finishOutcome,
  isRetryableFailure,
  pollUntil,
  rejectedOutcome,
  timedOutOutcome,
  unsupportedOutcome,
  verifiedOutcome,
} from '../../lib/providers/actions-shared.js';

/** A simulated clock: sleeping advances it, so a poll loop runs without real waiting. */
function clock(startMs = 1_000) {
  let nowMs = startMs;
  const sleeps: number[] = [];
  return {
    now: () => nowMs,
    sleeps,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
      nowMs += ms;
    },
  };
}

describe('pollUntil', () => {
  it('reads until decide says done, passing the poll number', async () => {
    const c = clock();
    const values = ['a', 'b', 'c'];
    const seen: [string, number][] = [];
    const result = await pollUntil({
      read: async () => values.shift() ?? 'z',
      decide: (value, polls) => {
        seen.push([value, polls]);
        return value === 'c' ? 'done' : 'wait';
      },
      ...c,
      startedMs: c.now(),
      verifyTimeoutMs: 10_000,
      verifyIntervalMs: 1_000,
    });
    expect(result).toEqual({ result: 'done', last: 'c', aborted: false, polls: 3 });
    expect(seen).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect(c.sleeps).toEqual([1_000, 1_000]);
  });

  it('ends as failed when decide says so', async () => {
    const c = clock();
    const result = await pollUntil({
      read: async () => 'FAILED',
      decide: (v) => (v === 'FAILED' ? 'failed' : 'wait'),
      ...c,
      startedMs: c.now(),
      verifyTimeoutMs: 10_000,
    });
    expect(result).toMatchObject({ result: 'failed', last: 'FAILED', polls: 1 });
  });

  it('never sleeps past the deadline, and reports the last value on timeout', async () => {
    const c = clock();
    let n = 0;
    const result = await pollUntil({
      read: async () => ++n,
      decide: () => 'wait',
      ...c,
      startedMs: c.now(),
      verifyTimeoutMs: 3_500,
      verifyIntervalMs: 1_000,
    });
    expect(result).toEqual({ result: 'timeout', last: 4, aborted: false, polls: 4 });
    expect(c.sleeps).toEqual([1_000, 1_000, 1_000]);
  });

  it('retries failed reads until the deadline and keeps the last value and the last error', async () => {
    const c = clock();
    const boom = new Error('read failed');
    let n = 0;
    const result = await pollUntil({
      read: async () => {
        n++;
        if (n === 1) return 'PENDING';
        throw boom;
      },
      decide: () => 'wait',
      ...c,
      startedMs: c.now(),
      verifyTimeoutMs: 2_000,
      verifyIntervalMs: 1_000,
    });
    expect(result).toEqual({ result: 'timeout', last: 'PENDING', error: boom, aborted: false, polls: 3 });
  });

  it('a read that recovers clears the error', async () => {
    const c = clock();
    let n = 0;
    const result = await pollUntil({
      read: async () => {
        if (++n === 1) throw new Error('flaky');
        return 'RUNNING';
      },
      decide: (v) => (v === 'RUNNING' ? 'done' : 'wait'),
      ...c,
      startedMs: c.now(),
      verifyTimeoutMs: 5_000,
      verifyIntervalMs: 1_000,
    });
    expect(result).toEqual({ result: 'done', last: 'RUNNING', aborted: false, polls: 2 });
  });

  it('with retryReads false, the first read failure is thrown', async () => {
    const c = clock();
    const boom = new Error('gone');
    await expect(
      pollUntil({
        read: async () => {
          throw boom;
        },
        decide: () => 'wait',
        ...c,
        startedMs: c.now(),
        verifyTimeoutMs: 5_000,
        retryReads: false,
      }),
    ).rejects.toBe(boom);
  });

  it('an aborted signal ends the wait as an aborted timeout, with a real sleep', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('deadline')), 20);
    const started = performance.now();
    const result = await pollUntil({
      read: async () => 'PENDING',
      decide: () => 'wait',
      now: Date.now,
      sleep: (await import('../../lib/async/sleep.js')).sleep,
      signal: controller.signal,
      startedMs: Date.now(),
      verifyTimeoutMs: 60_000,
      verifyIntervalMs: 10_000,
    });
    expect(result).toEqual({ result: 'timeout', last: 'PENDING', aborted: true, polls: 1 });
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('outcome builders', () => {
  it('fill status, default retryability, and drop an absent finalState', () => {
    expect(verifiedOutcome({ action: 'stop', message: 'ok', durationMs: 5, finalState: 'STOPPED' })).toEqual({
      ok: true,
      status: 'verified',
      action: 'stop',
      finalState: 'STOPPED',
      message: 'ok',
      durationMs: 5,
    });
    const rejected = rejectedOutcome({ action: 'stop', message: 'no', durationMs: 0 });
    expect(rejected).toEqual({
      ok: false,
      status: 'rejected',
      action: 'stop',
      message: 'no',
      durationMs: 0,
      retryable: false,
    });
    expect('finalState' in rejected).toBe(false);
    expect(timedOutOutcome({ action: 'kill', message: 't', durationMs: 9 })).toMatchObject({
      status: 'timeout',
      retryable: true,
    });
    expect(unsupportedOutcome({ action: 'pause', message: 'u', durationMs: 0 })).toMatchObject({
      status: 'unsupported',
      retryable: false,
    });
  });

  it('finishOutcome adds the action and the time since the start', () => {
    let nowMs = 100;
    const now = () => nowMs;
    nowMs = 350;
    expect(
      finishOutcome('restart', 100, now, { ok: false, status: 'failed', message: 'x', retryable: true }),
    ).toEqual({
      ok: false,
      status: 'failed',
      action: 'restart',
      message: 'x',
      durationMs: 250,
      retryable: true,
    });
    expect(finishOutcome('restart', 100, now, { ok: true, message: 'y' })).toEqual({
      ok: true,
      status: 'verified',
      action: 'restart',
      message: 'y',
      durationMs: 250,
    });
  });

  it('isRetryableFailure: throttling, 5xx, timeouts and unreachable only', () => {
    const err = (kind: 'throttled' | 'client-error' | 'timeout' | 'auth') =>
      new HttpCallError('x', { kind, operation: 'op', attempts: 1 });
    expect(isRetryableFailure(err('throttled'))).toBe(true);
    expect(isRetryableFailure(err('timeout'))).toBe(true);
    expect(isRetryableFailure(err('client-error'))).toBe(false);
    expect(isRetryableFailure(err('auth'))).toBe(false);
    expect(isRetryableFailure(new Error('plain'))).toBe(false);
  });
});
