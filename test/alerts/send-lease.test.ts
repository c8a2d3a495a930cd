import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotifier, GROUP_PK, type NotifierDeps } from '../../lib/alerts/notifier.js';
import { createSecretResolver } from '../../lib/config/secrets.js';
import { silentLogger } from '../../lib/observability/logger.js';
import {
  createDynamoStore,
  createLocalStore,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
} from '../../lib/state/index.js';
import type { Store } from '../../lib/state/store.js';
import { configWith, jobEvent, T0 } from './helpers.js';

/**
 * Two notifiers, each with its own client on one dynalite, in real time, against a chat endpoint that
 * hangs and throttles. The clock runs at wall speed from T0, so nothing depends on the real date.
 */

type Step = 'hang' | { status: number; retryAfterSec?: number };

interface Endpoint {
  url: string;
  requests: number;
  delivered: number;
  close(): Promise<void>;
}

/** A chat webhook answering requests by a script (then 200): hang until the client gives up, or a status. */
async function startEndpoint(script: Step[]): Promise<Endpoint> {
  const hanging = new Set<ServerResponse>();
  const endpoint: Endpoint = { url: '', requests: 0, delivered: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      endpoint.requests++;
      const step = script.shift() ?? { status: 200 };
      if (step === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      if (step.status === 200) endpoint.delivered++;
      res.writeHead(
        step.status,
        step.retryAfterSec === undefined ? {} : { 'retry-after': `${step.retryAfterSec}` },
      );
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  endpoint.close = () =>
    new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return endpoint;
}

const started = performance.now();
const clock = () => T0 + Math.round(performance.now() - started);

let local: Awaited<ReturnType<typeof createLocalStore>>;
let storeA: Store;
let storeB: Store;
let endpoint: Endpoint | undefined;

beforeEach(async () => {
  local = await createLocalStore({ now: clock });
  storeA = local.store;
  storeB = createDynamoStore({
    tableName: 'jobwatch',
    endpoint: local.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    now: clock,
  });
});
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
  await storeB.close();
  await storeA.close();
  await local.stop();
});

function notifierOn(store: Store, url: string, timeoutMs: number, extra: Partial<NotifierDeps> = {}) {
  const config = configWith({
    channels: [{ name: 'hook', type: 'webhook', url: 'env:HOOK_URL', timeoutMs }],
    route: {
      receiver: 'hook',
      groupWaitSeconds: 0,
      groupIntervalSeconds: 300,
      repeatIntervalSeconds: 14_400,
    },
  });
  return createNotifier({
    config,
    store,
    secrets: createSecretResolver({ env: { HOOK_URL: url } }),
    logger: silentLogger,
    now: clock,
    ...extra,
  });
}

/** Every attempt times out and every wait is at its cap: how long one send can really run. */
const worstCaseMs = (
  p: { maxAttempts: number; maxDelayMs: number; maxRetryAfterMs: number },
  timeoutMs: number,
) => p.maxAttempts * timeoutMs + (p.maxAttempts - 1) * Math.max(p.maxDelayMs, p.maxRetryAfterMs);

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function sendLease(store: Store) {
  const [group] = await store.query(GROUP_PK, { consistent: true });
  if (!group) throw new Error('no alert group');
  const lease = await store.get<{ owner: string; expiresAtMs: number }>(
    `lock#alert#send#${group.sk}`,
    'lock',
    {
      consistent: true,
    },
  );
  if (!lease) throw new Error('no send lease');
  return lease.data;
}

describe('send lease and retries', () => {
  it('holds the send lease for the worst case of the default retry policy on the slowest channel', async () => {
    endpoint = await startEndpoint(['hang']);
    const abort = new AbortController();
    const a = notifierOn(storeA, endpoint.url, 60_000, { signal: abort.signal });
    const b = notifierOn(storeB, endpoint.url, 60_000);
    const event = jobEvent({ name: 'etl-orders' });
    const sentFromMs = clock();
    const sending = a.handle([event]);
    await until(() => endpoint?.requests === 1);

    // 4 attempts of 60 s and 3 Retry-After waits of 30 s: 330 s; the lease must outlast all of it.
    const lease = await sendLease(storeB);
    expect(lease.expiresAtMs - sentFromMs).toBeGreaterThan(
      worstCaseMs({ maxAttempts: 4, maxDelayMs: 10_000, maxRetryAfterMs: 30_000 }, 60_000),
    );
    const other = await b.handle([event]);
    expect(other.details.map((d) => d.outcome)).toEqual(['skipped']);
    expect(other.sent).toBe(0);

    abort.abort(new Error('test over'));
    await sending;
    await Promise.all([a.close(), b.close()]);
  });

  it('sends exactly one message while the first sender retries through hangs and Retry-After', async () => {
    const retry = { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 100, maxRetryAfterMs: 1_000 };
    const timeoutMs = 400;
    endpoint = await startEndpoint(['hang', { status: 429, retryAfterSec: 1 }, 'hang', { status: 503 }]);
    const a = notifierOn(storeA, endpoint.url, timeoutMs, { retry });
    const b = notifierOn(storeB, endpoint.url, timeoutMs, { retry });
    const event = jobEvent({ name: 'etl-orders' });
    const sentFromMs = clock();
    let done = false;
    const sending = a.handle([event]).finally(() => {
      done = true;
    });
    await until(() => endpoint?.requests === 1);
    const lease = await sendLease(storeB);
    expect(lease.expiresAtMs - sentFromMs).toBeGreaterThan(worstCaseMs(retry, timeoutMs));

    // The same event reaches the second notifier (at-least-once), which then flushes all along.
    const outcomes: string[] = [];
    for (const r of [await b.handle([event])]) outcomes.push(...r.details.map((d) => d.outcome));
    while (!done) {
      const r = await b.flush();
      outcomes.push(...r.details.map((d) => d.outcome));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const report = await sending;
    const tookMs = clock() - sentFromMs;

    expect(report).toMatchObject({ sent: 1, failed: 0 });
    // Two timeouts, one Retry-After of 1 s: well past a lease sized for one attempt, inside the derived one.
    expect(tookMs).toBeGreaterThan(2 * timeoutMs + 1_000);
    expect(tookMs).toBeLessThan(lease.expiresAtMs - sentFromMs);
    expect(endpoint.requests).toBe(5);
    expect(endpoint.delivered).toBe(1);
    expect(outcomes.length).toBeGreaterThan(2);
    expect(outcomes.every((o) => o === 'skipped')).toBe(true);
    // Afterwards the log says it was sent: nothing more from either.
    expect((await b.flush()).sent + (await a.flush()).sent).toBe(0);
    expect(endpoint.delivered).toBe(1);
    await Promise.all([a.close(), b.close()]);
  });
});
