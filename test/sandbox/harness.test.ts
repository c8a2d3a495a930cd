import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../lib/http/index.js';
import { createSimClock, type Sandbox, type SandboxPlugin, startSandbox } from '../../lib/sandbox/index.js';

/** A tiny emulator for exercising the harness itself: one listing route and a signature check. */
const plugin: SandboxPlugin = {
  provider: 'huawei-dli',
  create: ({ clock }) => ({
    routes: [
      {
        method: 'GET',
        pattern: '/v1.0/:projectId/jobs',
        operation: 'ListJobs',
        handler: (req) => ({
          status: 200,
          body: { project: req.params.projectId, now: clock.now(), q: req.rawQuery },
        }),
      },
    ],
    authenticate: (req) =>
      req.headers.authorization === 'ok' ? undefined : { status: 401, body: { error_code: 'APIGW.0301' } },
    errorBody: (status) => ({ error_code: `SANDBOX.${status}`, error_msg: 'injected' }),
    targets: (endpoint) => [{ id: 'x', endpoint }],
  }),
};

let sandbox: Sandbox;
afterEach(async () => sandbox?.stop());

async function call(path = '/v1.0/p1/jobs?a=1&b=%2F', auth = 'ok') {
  const client = new HttpClient({ origin: sandbox.endpoints()['huawei-dli']!, retry: { maxAttempts: 1 } });
  try {
    const res = await client.request({
      method: 'GET',
      path: path.split('?')[0]!,
      operation: 'ListJobs',
      headers: { authorization: auth },
      query: path.includes('?') ? [...new URLSearchParams(path.split('?')[1])] : [],
    });
    return { status: res.status, body: JSON.parse(res.body.toString() || 'null') };
  } catch (error) {
    return { status: (error as { status?: number }).status ?? 0, error: error as Error };
  } finally {
    await client.close();
  }
}

describe('sandbox harness', () => {
  it('routes by pattern, passes params and the raw query, and logs requests', async () => {
    const clock = createSimClock({ startMs: 1_000, speed: 0 });
    sandbox = await startSandbox({ plugins: [plugin], clock });
    clock.advance(500);
    expect(await call()).toEqual({ status: 200, body: { project: 'p1', now: 1_500, q: 'a=1&b=%2F' } });
    expect(sandbox.requests).toMatchObject([
      { provider: 'huawei-dli', operation: 'ListJobs', status: 200, atMs: 1_500 },
    ]);
    expect(sandbox.callCounts()).toEqual({ ListJobs: 1 });
    expect(sandbox.targets()).toEqual([{ id: 'x', endpoint: sandbox.endpoints()['huawei-dli'] }]);
  });

  it('answers the emulator authentication error for unsigned requests', async () => {
    sandbox = await startSandbox({ plugins: [plugin] });
    expect((await call(undefined, 'bad')).status).toBe(401);
  });

  it('injects status faults with the vendor error body, a limited number of times', async () => {
    sandbox = await startSandbox({ plugins: [plugin] });
    sandbox.faults.inject({
      operation: 'ListJobs',
      kind: 'status',
      status: 429,
      retryAfterSeconds: 1,
      times: 1,
    });
    expect((await call()).status).toBe(429);
    expect((await call()).status).toBe(200);
  });

  it('injects malformed bodies, schema drift and connection resets', async () => {
    sandbox = await startSandbox({ plugins: [plugin] });
    sandbox.faults.inject({ kind: 'malformed', times: 1 });
    sandbox.faults.inject({ kind: 'drift', body: { totally: 'different' }, times: 1 });
    const malformed = await call();
    expect(malformed.error?.name ?? 'SyntaxError').toMatch(/SyntaxError/);
    expect((await call()).body).toEqual({ totally: 'different' });
    sandbox.faults.inject({ kind: 'reset', times: 1 });
    expect((await call()).status).toBe(0);
  });

  it('says when a timeout fault starts holding a request, which it logs only when it lets go', async () => {
    sandbox = await startSandbox({ plugins: [plugin] });
    sandbox.faults.inject({ kind: 'timeout', ms: 30_000, times: 1 });
    const held: unknown[] = [];
    const stop = sandbox.onHold((request) => held.push(request));
    const holding = new Promise<void>((resolve) => sandbox.onHold(() => resolve()));
    const hung = call();
    await holding;
    expect(held).toEqual([{ provider: 'huawei-dli', operation: 'ListJobs', path: '/v1.0/p1/jobs' }]);
    expect(sandbox.requests).toEqual([]);
    stop();
    await sandbox.stop();
    expect((await hung).status).toBe(0);
  });

  it('only applies a fault to its provider and operation', async () => {
    sandbox = await startSandbox({ plugins: [plugin] });
    sandbox.faults.inject({ provider: 'huawei-mrs', kind: 'status', status: 500 });
    sandbox.faults.inject({ operation: 'OtherOp', kind: 'status', status: 500 });
    expect((await call()).status).toBe(200);
  });
});
