/** Resolves on Ctrl-C, SIGTERM, or after durationMs when given. */
export function waitForStop(durationMs?: number): Promise<void> {
  return new Promise((resolveStop) => {
    const done = () => resolveStop();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (durationMs !== undefined) setTimeout(done, durationMs).unref();
  });
}
