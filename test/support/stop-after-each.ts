import { afterEach } from 'vitest';

/**
 * Wraps a start function (a sandbox, a harness) so that everything a test starts with it is stopped after
 * that test, however the test ends. Call it at the top level or in a describe block.
 */
export function stopAfterEach<A extends unknown[], H extends { stop(): Promise<void> }>(
  start: (...args: A) => Promise<H>,
): (...args: A) => Promise<H> {
  const started: H[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((h) => h.stop()));
  });
  return async (...args) => {
    const h = await start(...args);
    started.push(h);
    return h;
  };
}
