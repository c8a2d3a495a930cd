import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpCallError, HttpClient, type HttpClientOptions } from '../../lib/http/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_req, res) => res.end('{}');
let hits = 0;
let server: Server;
let origin: string;
const clients: HttpClient[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
afterEach(async () => {
  hits = 0;
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

const sleeps: number[] = [];
function client(options: Partial<HttpClientOptions> = {}): HttpClient {
  sleeps.length = 0;
  const c = new HttpClient({
    origin,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
    ...options,
  });
  clients.push(c);
  return c;
}

const get = { method: 'GET' as const, path: '/x', operation: 'GetThing' };

describe('HttpClient retries', () => {
  // Each row: a server behaviour, whether the call succeeds, how many requests the server sees.
  const table: {
    rule: string;
    respond: (n: number) => [number, Record<string, string>?];
    ok: boolean;
    hits: number;
  }[] = [
    { rule: '2xx is success on the first try', respond: () => [200], ok: true, hits: 1 },
    { rule: '5xx is retried and may succeed', respond: (n) => [n < 2 ? 503 : 200], ok: true, hits: 2 },
    { rule: '5xx gives up after maxAttempts', respond: () => [500], ok: false, hits: 3 },
    { rule: '429 is retried', respond: (n) => [n < 3 ? 429 : 200], ok: true, hits: 3 },
    { rule: 'other 4xx is never retried', respond: () => [400], ok: false, hits: 1 },
    { rule: '401 is an auth failure, never retried', respond: () => [401], ok: false, hits: 1 },
  ];
  it.each(table)('$rule', async ({ respond, ok, hits: expected }) => {
    let n = 0;
    handler = (_req, res) => {
      n++;
      const [status, headers] = respond(n);
      res.writeHead(status, headers);
      res.end('{}');
    };
    const call = client().request(get);
    if (ok) await expect(call).resolves.toMatchObject({ status: 200, attempts: expected });
    else await expect(call).rejects.toBeInstanceOf(HttpCallError);
    expect(hits).toBe(expected);
  });

  /** The failure of a call the server always answers 429 with Retry-After `seconds`. */
  async function throttledFor(seconds: string): Promise<HttpCallError> {
    handler = (_req, res) => {
      res.writeHead(429, { 'retry-after': seconds });
      res.end();
    };
    return (await client()
      .request(get)
      .catch((e) => e)) as HttpCallError;
  }

  it('honours Retry-After and says who failed after how many tries', async () => {
    const error = await throttledFor('2');
    expect(error.kind).toBe('throttled');
    expect(error.attempts).toBe(3);
    expect(error.message).toBe('GetThing failed after 3 attempts: HTTP 429');
    expect(sleeps.every((ms) => ms >= 2000)).toBe(true);
  });

  it('fails fast when Retry-After is longer than it may wait', async () => {
    const error = await throttledFor('3600');
    expect(error.attempts).toBe(1);
    expect(error.retryAfterMs).toBe(3_600_000);
  });

  it('uses capped full-jitter backoff', async () => {
    handler = (_req, res) => {
      res.writeHead(500);
      res.end();
    };
    await client({ retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 300 } })
      .request(get)
      .catch(() => {});
    expect(sleeps).toEqual([100, 200, 300, 300]);
  });

  it('turns a header timeout into a timeout failure', async () => {
    handler = () => {};
    const error = (await client({ headersTimeoutMs: 100, retry: { maxAttempts: 2 } })
      .request(get)
      .catch((e) => e)) as HttpCallError;
    expect(error.kind).toBe('timeout');
    expect(hits).toBe(2);
  });

  it('reports an unreachable origin without leaking the URL', async () => {
    const closed = new HttpClient({
      origin: 'http://127.0.0.1:1',
      sleep: async () => {},
      connectTimeoutMs: 500,
    });
    clients.push(closed);
    const error = (await closed.request(get).catch((e) => e)) as HttpCallError;
    expect(error.kind).toBe('unreachable');
    expect(error.message).not.toContain('127.0.0.1');
  });

  it('signs every attempt afresh and applies a vendor classifier to 200 bodies', async () => {
    const signatures: string[] = [];
    let n = 0;
    handler = (req, res) => {
      signatures.push(String(req.headers['x-sig']));
      n++;
      res.end(n === 1 ? '{"error_code":"DLI.0999"}' : '{"ok":true}');
    };
    let counter = 0;
    const c = client({
      sign: () => ({ 'x-sig': `sig-${++counter}` }),
      classify: (response) =>
        response.body.toString().includes('DLI.0999')
          ? { ok: false, kind: 'server-error', retry: true, message: 'DLI.0999', vendorCode: 'DLI.0999' }
          : { ok: true },
    });
    const out = await c.requestJson(get);
    expect(out.json).toEqual({ ok: true });
    expect(signatures).toEqual(['sig-1', 'sig-2']);
  });

  it('reports a non-JSON body as an invalid response', async () => {
    handler = (_req, res) => res.end('<html>gateway</html>');
    await expect(client().requestJson(get)).rejects.toMatchObject({ kind: 'invalid-response' });
  });

  it('reads the response as undici gives it: lower-case names, repeated headers as a list, a body in chunks', async () => {
    handler = (_req, res) => {
      res.writeHead(200, [
        ['X-Request-Id', 'r-1'],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
        ['X-Note', 'caf\u00e9'],
      ]);
      res.write('{"items":[');
      setTimeout(() => res.end('1,2]}'), 20);
    };
    const response = await client().request(get);
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe('r-1');
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(response.body.toString('utf8')).toBe('{"items":[1,2]}');
  });

  it('stops when the caller aborts while the body is still arriving', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('{"partial":');
    };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(client().request({ ...get, signal: controller.signal })).rejects.toMatchObject({
      kind: 'timeout',
    });
  });

  it('does not send a request whose signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(client().request({ ...get, signal: controller.signal })).rejects.toMatchObject({
      kind: 'timeout',
    });
    expect(hits).toBe(0);
  });

  it('stops when the caller aborts', async () => {
    handler = () => {};
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(client().request({ ...get, signal: controller.signal })).rejects.toMatchObject({
      kind: 'timeout',
    });
  });
});
