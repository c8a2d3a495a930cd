import { describe, expect, it } from 'vitest';
import type { NotifyResult } from '../../../lib/alerts/channels/types.js';
import { DEFAULT_NOTIFY_RETRY, type SendBudget } from '../../../lib/alerts/lease.js';
import { testMessage } from '../../../lib/alerts/stages/message.js';
import { type SendDeps, sendWithRetry } from '../../../lib/alerts/stages/send.js';
import { sleep } from '../../../lib/async/sleep.js';
import { T0 } from '../helpers.js';
import { recordingLogger, scriptedChannel } from './fixtures.js';

/** The retry stage alone: a scripted channel, recorded waits, a budget of our choosing. */

const retryable = (retryAfterMs?: number): NotifyResult => ({
  ok: false,
  retry: true,
  reason: 'throttled',
  error: 'webhook: 429',
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
});
const rejected: NotifyResult = { ok: false, retry: false, reason: 'client-error', error: 'webhook: 400' };

const budget = (remainingMs = 60_000): SendBudget => ({
  remainingMs: () => remainingMs,
  signal: (outer) => outer ?? new AbortController().signal,
});

function deps(overrides: Partial<SendDeps> = {}): SendDeps & { waits: number[] } {
  const waits: number[] = [];
  return {
    retry: { ...DEFAULT_NOTIFY_RETRY, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 },
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    logger: recordingLogger(),
    ...overrides,
    waits,
  };
}

const message = testMessage('webhook', T0);

describe('stage send: sendWithRetry', () => {
  it('retries a retryable failure with backoff, waiting at least Retry-After, until it goes through', async () => {
    // Arrange
    const channel = scriptedChannel([retryable(), retryable(3000)]);
    const d = deps();
    // Act
    const outcome = await sendWithRetry(channel, message, budget(), d);
    // Assess
    expect(outcome).toEqual({ result: { ok: true }, attempts: 3 });
    expect(channel.messages).toHaveLength(3);
    expect(d.waits).toHaveLength(2);
    expect(d.waits[1]).toBeGreaterThanOrEqual(3000);
  });

  it('stops at once on a failure that is not retryable, and after maxAttempts', async () => {
    // Act
    const once = await sendWithRetry(scriptedChannel([rejected]), message, budget(), deps());
    const tired = await sendWithRetry(
      scriptedChannel(Array.from({ length: 9 }, () => retryable())),
      message,
      budget(),
      deps(),
    );
    // Assess
    expect(once).toEqual({ result: rejected, attempts: 1 });
    expect(tired.attempts).toBe(DEFAULT_NOTIFY_RETRY.maxAttempts);
    expect(tired.result.ok).toBe(false);
  });

  it('does not wait for a Retry-After beyond the policy, nor past the send budget', async () => {
    // Arrange
    const d = deps();
    // Act
    const tooLong = await sendWithRetry(scriptedChannel([retryable(5001)]), message, budget(), d);
    const overBudget = await sendWithRetry(scriptedChannel([retryable(2000)]), message, budget(2000), d);
    // Assess
    expect(tooLong.attempts).toBe(1);
    expect(overBudget.attempts).toBe(1);
    expect(d.waits).toEqual([]);
  });

  it('a channel that throws is a failure without its text (it may hold a URL or secret)', async () => {
    // Arrange
    const logger = recordingLogger();
    // Act
    const outcome = await sendWithRetry(
      scriptedChannel([new Error('POST https://hooks.example.com/T000/secret-token failed')]),
      message,
      budget(),
      deps({ logger }),
    );
    // Assess
    expect(outcome).toEqual({
      result: { ok: false, retry: false, reason: 'client-error', error: 'scripted: channel failed' },
      attempts: 1,
    });
    expect(JSON.stringify(logger.lines)).not.toContain('secret-token');
  });

  it('an abort during a wait ends the send with the last failure (the one abortable sleep)', async () => {
    // Arrange
    const controller = new AbortController();
    const channel = scriptedChannel([retryable(3000)]);
    const aborted: string[] = [];
    const watched = (ms: number, signal?: AbortSignal) =>
      sleep(ms, signal).catch((error: Error) => {
        aborted.push(error.message);
        throw error;
      });
    setTimeout(() => controller.abort(new Error('deadline')), 20);
    // Act
    const outcome = await sendWithRetry(
      channel,
      message,
      budget(),
      deps({ sleep: watched, signal: controller.signal }),
    );
    // Assess
    expect(outcome.attempts).toBe(1);
    expect(outcome.result.ok).toBe(false);
    expect(aborted).toEqual(['deadline']);
    expect(channel.messages).toHaveLength(1);
  });
});
