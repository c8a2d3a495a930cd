import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpCallError } from '../../../lib/http/errors.js';
import {
  closeHuaweiClients,
  getHuaweiClient,
  type HuaweiCredentials,
  verifyHuaweiSignature,
} from '../../../lib/providers/huawei/index.js';
import type { SandboxRequest } from '../../../lib/sandbox/types.js';

const creds: HuaweiCredentials = { accessKeyId: 'AKCLIENTTEST000000000', secretAccessKey: 'client-test-sk' };
const project = '0123456789abcdef0123456789abcdef';
const nowMs = Date.UTC(2024, 0, 2, 3, 4, 5);

type Handler = (req: SandboxRequest) => { status: number; body: string; headers?: Record<string, string> };
let handler: Handler;
let seen: SandboxRequest[] = [];
let server: Server;
let endpoint: string;

async function toSandboxRequest(req: IncomingMessage): Promise<SandboxRequest> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const url = new URL(req.url ?? '/', 'http://x');
  const raw = req.url ?? '';
  return {
    method: req.method ?? 'GET',
    path: decodeURIComponent(url.pathname),
    rawQuery: raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : '',
    query: url.searchParams,
    headers: req.headers,
    body: Buffer.concat(chunks),
    params: {},
  };
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void toSandboxRequest(req).then((r) => {
      seen.push(r);
      const auth = verifyHuaweiSignature(r, creds, nowMs);
      const out = auth.ok
        ? handler(r)
        : { status: 401, body: JSON.stringify({ error_code: 'APIGW.0301', error_msg: auth.reason }) };
      res.writeHead(out.status, {
        'content-type': 'application/json',
        'x-request-id': 'req-123',
        ...out.headers,
      });
      res.end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await closeHuaweiClients();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
});

function client(onCall?: (op: string) => void, credentials = creds) {
  return getHuaweiClient({
    endpoint,
    credentials,
    projectId: project,
    now: () => nowMs,
    retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 },
    ...(onCall ? { onCall } : {}),
  });
}

async function failure(promise: Promise<unknown>): Promise<HttpCallError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpCallError);
  return error as HttpCallError;
}

describe('HuaweiClient', () => {
  it('signs, substitutes {project_id}, sends the query and JSON body, and parses the answer', async () => {
    handler = (r) => ({
      status: 200,
      body: JSON.stringify({ is_success: 'true', echo: JSON.parse(r.body.toString()) }),
    });
    const calls: string[] = [];
    const json = await client((op) => calls.push(op)).call(
      'StopFlinkJob',
      'POST',
      '/v1.0/{project_id}/streaming/jobs/stop',
      {
        query: [
          ['b', 'x y'],
          ['a', '1'],
        ],
        body: { job_ids: [1], trigger_savepoint: true },
      },
    );
    expect(json).toEqual({ is_success: 'true', echo: { job_ids: [1], trigger_savepoint: true } });
    expect(seen[0]?.path).toBe(`/v1.0/${project}/streaming/jobs/stop`);
    expect(seen[0]?.rawQuery).toBe('b=x%20y&a=1');
    expect(seen[0]?.headers['x-project-id']).toBe(project);
    expect(calls).toEqual(['StopFlinkJob']);
  });

  it('maps a bad signature to an auth error and does not retry it', async () => {
    handler = () => ({ status: 200, body: '{}' });
    const calls: string[] = [];
    const error = await failure(
      client((op) => calls.push(op), { ...creds, secretAccessKey: 'wrong' }).call(
        'ListQueues',
        'GET',
        '/v1.0/{project_id}/queues',
      ),
    );
    expect(error.kind).toBe('auth');
    expect(error.status).toBe(401);
    expect(error.vendorCode).toBe('APIGW.0301');
    expect(error.requestId).toBe('req-123');
    expect(error.message).not.toContain('wrong');
    expect(calls).toHaveLength(1);
  });

  it('maps the {error_code, error_msg} envelope without retrying a client error', async () => {
    handler = () => ({
      status: 400,
      body: JSON.stringify({ error_code: 'DLI.0002', error_msg: 'There is no queue named q1' }),
    });
    const error = await failure(client().call('DescribeQueue', 'GET', '/v1.0/{project_id}/queues/q1'));
    expect(error).toMatchObject({ kind: 'client-error', vendorCode: 'DLI.0002', status: 400, attempts: 1 });
    expect(error.message).toContain('There is no queue named q1');
    expect(seen).toHaveLength(1);
  });

  it('retries DLI.0999 (a server error sent as HTTP 400) and then succeeds', async () => {
    let n = 0;
    handler = () =>
      n++ === 0
        ? { status: 400, body: JSON.stringify({ error_code: 'DLI.0999', error_msg: 'queue is busy' }) }
        : { status: 200, body: JSON.stringify({ is_success: true, queues: [] }) };
    const calls: string[] = [];
    await expect(
      client((op) => calls.push(op)).call('ListQueues', 'GET', '/v1.0/{project_id}/queues'),
    ).resolves.toEqual({
      is_success: true,
      queues: [],
    });
    expect(calls).toEqual(['ListQueues', 'ListQueues']);
  });

  it('retries the DLI_0999 spelling too', async () => {
    let n = 0;
    handler = () =>
      n++ === 0
        ? { status: 400, body: JSON.stringify({ error_code: 'DLI_0999', error_msg: 'busy' }) }
        : { status: 200, body: '{}' };
    await expect(client().call('ListQueues', 'GET', '/v1.0/{project_id}/queues')).resolves.toEqual({});
    expect(seen).toHaveLength(2);
  });

  it('treats is_success false (boolean or string) inside HTTP 200 as a rejection, not retried', async () => {
    for (const flag of [false, 'false']) {
      seen = [];
      handler = () => ({ status: 200, body: JSON.stringify({ is_success: flag, message: 'job not found' }) });
      const error = await failure(
        client().call('ShowFlinkJob', 'GET', '/v1.0/{project_id}/streaming/jobs/1'),
      );
      expect(error.kind).toBe('client-error');
      expect(error.message).toContain('job not found');
      expect(seen).toHaveLength(1);
    }
  });

  it('reads a rejected element of a batch-shaped array answer', async () => {
    handler = () => ({ status: 200, body: JSON.stringify([{ is_success: 'false', message: '作业不存在' }]) });
    const error = await failure(
      client().call('RunFlinkJob', 'POST', '/v1.0/{project_id}/streaming/jobs/run', {
        body: { job_ids: [1] },
      }),
    );
    expect(error.message).toContain('作业不存在');
  });

  it('retries 429 honouring Retry-After, and gives up as throttled', async () => {
    handler = () => ({
      status: 429,
      body: JSON.stringify({ error_code: 'APIGW.0308', error_msg: 'throttled' }),
      headers: { 'retry-after': '0' },
    });
    const calls: string[] = [];
    const error = await failure(
      client((op) => calls.push(op)).call('ListQueues', 'GET', '/v1.0/{project_id}/queues'),
    );
    expect(error.kind).toBe('throttled');
    expect(error.attempts).toBe(3);
    expect(calls).toHaveLength(3);
  });

  it('retries 5xx and reports server-error; malformed JSON is invalid-response', async () => {
    handler = () => ({ status: 503, body: 'busy' });
    expect((await failure(client().call('ListQueues', 'GET', '/v1.0/{project_id}/queues'))).kind).toBe(
      'server-error',
    );
    expect(seen).toHaveLength(3);
    handler = () => ({ status: 200, body: '{"queues":' });
    expect((await failure(client().call('ListQueues', 'GET', '/v1.0/{project_id}/queues'))).kind).toBe(
      'invalid-response',
    );
  });

  it('reuses one pool per endpoint and access key', async () => {
    handler = () => ({ status: 200, body: '{}' });
    await client().call('A', 'GET', '/a');
    await client().call('B', 'GET', '/b');
    expect(seen.map((r) => r.headers['x-sdk-date'])).toEqual(['20240102T030405Z', '20240102T030405Z']);
  });
});

describe('verifyHuaweiSignature', () => {
  it('rejects a stale X-Sdk-Date beyond the skew', async () => {
    handler = () => ({ status: 200, body: '{}' });
    const stale = getHuaweiClient({
      endpoint,
      credentials: creds,
      projectId: project,
      now: () => nowMs - 20 * 60_000,
    });
    const error = await failure(stale.call('ListQueues', 'GET', '/v1.0/{project_id}/queues'));
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('skew');
  });
});
