import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeHuaweiClients, signHuaweiRequest } from '../../../lib/providers/huawei/index.js';
import { MrsApi } from '../../../lib/providers/huawei-mrs/client.js';

// The official signer, devDependency only: never imported from lib/.
const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as {
  AKSKSigner: { sign(request: unknown, credential: unknown): Record<string, string> };
};

const AK = 'TESTAK0000000000000';
const SK = 'TESTSK000000000000000000000000000000000';
const P = '0123456789abcdef0123456789abcdef';
const C = 'c0ffee00-1111-2222-3333-444455556666';
const HOST = 'mrs.cn-north-4.myhuaweicloud.com';
const NOW_MS = Date.UTC(2024, 0, 2, 3, 4, 5);

function official(
  method: string,
  host: string,
  path: string,
  query: [string, string][],
  headers: Record<string, string>,
  data?: unknown,
): string {
  const out = AKSKSigner.sign(
    {
      method,
      endpoint: `http://${host}${path}`,
      queryParams: Object.fromEntries(query),
      headers,
      ...(data === undefined ? {} : { data }),
    },
    { getAk: () => AK, getSk: () => SK },
  );
  return out.Authorization as string;
}

// signing.md §A.5.2: MRS-shaped vectors computed with @huaweicloud/huaweicloud-sdk-core 3.1.211.
const submitBody = {
  job_name: 'MapReduceTest',
  job_type: 'MapReduce',
  arguments: ['obs://obs-test/program/x.jar', 'wordcount'],
};
const vectors: {
  name: string;
  method: string;
  path: string;
  query: [string, string][];
  body?: unknown;
  signature: string;
}[] = [
  {
    name: '1 job list with filters',
    method: 'GET',
    path: `/v2/${P}/clusters/${C}/job-executions`,
    query: [
      ['job_state', 'RUNNING'],
      ['limit', '10'],
      ['offset', '0'],
      ['submitted_time_begin', '1562032041362'],
    ],
    signature: '41f52e59a3729f18a3b30ba6d27190416e2819a7baa0129c3e43f210cb7a8a24',
  },
  {
    name: '2 submit with JSON body',
    method: 'POST',
    path: `/v2/${P}/clusters/${C}/job-executions`,
    query: [],
    body: submitBody,
    signature: 'f429abac5dbabee3dfba82aa484fda56c689e3317c8b2e98ffebd29644439c0f',
  },
  {
    name: '3 kill with empty body',
    method: 'POST',
    path: `/v2/${P}/clusters/${C}/job-executions/3c0cf394-5da2-46a7-92df-795d998edea7/kill`,
    query: [],
    signature: 'd15e660e11040117527ca1e2459f68923e1dc0565e49dcdf1c8206ca1d875277',
  },
  {
    name: '4 cluster detail',
    method: 'GET',
    path: `/v1.1/${P}/cluster_infos/${C}`,
    query: [],
    signature: 'c54d86894277f80fcc1b5fb6fc8b7b168a6c3438aeb9c1f39b9eb36b8471e9ac',
  },
  {
    name: '5 hosts, query out of order',
    method: 'GET',
    path: `/v1.1/${P}/clusters/${C}/hosts`,
    query: [
      ['pageSize', '100'],
      ['currentPage', '1'],
    ],
    signature: '2e4c1466dc60560c339e0af3390590b03e5587d4cebef6cf0b081f7ee968581d',
  },
];

describe('SDK-HMAC-SHA256 on MRS requests (shared signer)', () => {
  it.each(vectors)('vector $name matches the digest and the official AKSKSigner', (v) => {
    const headers = { 'content-type': 'application/json', 'X-Project-Id': P };
    const ours = signHuaweiRequest(
      {
        method: v.method,
        host: HOST,
        path: v.path,
        query: v.query,
        headers,
        body: v.body === undefined ? undefined : JSON.stringify(v.body),
      },
      { accessKeyId: AK, secretAccessKey: SK },
      NOW_MS,
    );
    expect(ours.Authorization).toBe(
      `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=${v.signature}`,
    );
    expect(ours.Authorization).toBe(
      official(
        v.method,
        HOST,
        v.path,
        v.query,
        { ...headers, 'X-Sdk-Date': ours['X-Sdk-Date'] as string },
        v.body,
      ),
    );
  });
});

describe('what MrsApi actually sends', () => {
  let server: Server;
  let endpoint: string;
  const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(
          req.method === 'POST'
            ? JSON.stringify({ job_submit_result: { job_id: 'j1', state: 'COMPLETE' } })
            : JSON.stringify({ total_record: 0, job_list: [] }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await closeHuaweiClients();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('carries a signature the official signer reproduces byte for byte (GET with query, POST with body)', async () => {
    const api = new MrsApi({
      endpoint,
      credentials: { accessKeyId: AK, secretAccessKey: SK },
      projectId: P,
      now: () => NOW_MS,
    });
    await api.listJobs(
      C,
      [
        ['submitted_time_begin', '1562032041362'],
        ['job_result', 'UNDEFINED'],
      ],
      50,
    );
    await api.submitJob(C, { job_type: 'MapReduce', job_name: 'MapReduceTest', arguments: ['a b', 'c/d'] });
    expect(seen).toHaveLength(2);
    for (const request of seen) {
      const url = new URL(request.url, endpoint);
      const signedNames =
        /SignedHeaders=([^,]+)/.exec(String(request.headers.authorization))?.[1]?.split(';') ?? [];
      expect(signedNames).toEqual(['content-type', 'host', 'x-project-id', 'x-sdk-date']);
      // The official signer recognises its own spelling of X-Sdk-Date (it would add a second one otherwise).
      const spelling: Record<string, string> = { 'x-sdk-date': 'X-Sdk-Date', 'x-project-id': 'X-Project-Id' };
      const headers = Object.fromEntries(
        signedNames.filter((n) => n !== 'host').map((n) => [spelling[n] ?? n, String(request.headers[n])]),
      );
      const expected = official(
        request.method,
        url.host,
        url.pathname,
        [...url.searchParams.entries()],
        headers,
        request.body ? JSON.parse(request.body) : undefined,
      );
      expect(request.headers.authorization).toBe(expected);
    }
  });
});
