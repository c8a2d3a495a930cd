import { describe, expect, it } from 'vitest';
import { sleep } from '../../lib/async/sleep.js';

describe('sleep', () => {
  it('resolves after the delay', async () => {
    const started = performance.now();
    await sleep(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('rejects with the reason when the signal aborts during the wait, and at once when already aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('deadline');
    const waiting = sleep(10_000, controller.signal);
    setTimeout(() => controller.abort(reason), 5);
    await expect(waiting).rejects.toBe(reason);
    await expect(sleep(10_000, controller.signal)).rejects.toBe(reason);
  });

  it('removes its abort listener when the timer fires', async () => {
    const controller = new AbortController();
    const added: unknown[] = [];
    const removed: unknown[] = [];
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((type: string, listener: unknown, options?: unknown) => {
      added.push(listener);
      add(type, listener as () => void, options as { once?: boolean });
    }) as typeof signal.addEventListener;
    signal.removeEventListener = ((type: string, listener: unknown) => {
      removed.push(listener);
      remove(type, listener as () => void);
    }) as typeof signal.removeEventListener;
    for (let i = 0; i < 3; i++) await sleep(1, signal);
    expect(added).toHaveLength(3);
    expect(removed).toEqual(added);
    // A later abort reaches no stale listener (it would reject a settled promise, harmlessly, but leak).
    controller.abort();
  });
});
