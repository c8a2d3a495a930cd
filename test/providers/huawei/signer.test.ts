import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  canonicalQueryString,
  formatSdkDate,
  type HuaweiCredentials,
  signHuaweiRequest,
} from '../../../lib/providers/huawei/index.js';

// The official signer, devDependency only: never imported from lib/.
const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as {
  AKSKSigner: { sign(request: unknown, credential: unknown): Record<string, string> };
};

function official(
  credentials: HuaweiCredentials,
  req: {
    method: string;
    host: string;
    path: string;
    query: Record<string, string | string[]>;
    headers: Record<string, string>;
    data?: unknown;
  },
): string {
  const headers = AKSKSigner.sign(
    {
      method: req.method,
      endpoint: `https://${req.host}${req.path}`,
      queryParams: req.query,
      headers: req.headers,
      data: req.data,
    },
    { getAk: () => credentials.accessKeyId, getSk: () => credentials.secretAccessKey },
  );
  return headers.Authorization as string;
}

function toPairs(query: Record<string, string | string[]>): [string, string][] {
  // Deliberately unsorted, as a caller would build them.
  return Object.entries(query)
    .reverse()
    .flatMap(([k, v]) =>
      Array.isArray(v) ? v.map((x) => [k, x] as [string, string]) : [[k, v] as [string, string]],
    );
}

const creds: HuaweiCredentials = {
  accessKeyId: 'TESTAK0000000000000',
  secretAccessKey: 'TESTSK000000000000000000000000000000000',
};
const project = '0123456789abcdef0123456789abcdef';
const nowMs = Date.UTC(2024, 0, 2, 3, 4, 5);
const baseHeaders = { 'Content-Type': 'application/json', 'X-Project-Id': project };

describe('signHuaweiRequest', () => {
  it('formats X-Sdk-Date in basic ISO form', () => {
    expect(formatSdkDate(nowMs)).toBe('20240102T030405Z');
  });

  it('reproduces the documented worked example (signing.md A.4)', () => {
    const added = signHuaweiRequest(
      {
        method: 'GET',
        host: 'service.region.example.com',
        path: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs',
        query: [
          ['marker', '13551d6b-755d-4757-b956-536f674975c0'],
          ['limit', '2'],
        ],
        headers: { 'Content-Type': 'application/json' },
        body: undefined,
      },
      { accessKeyId: 'QTWAOYTTINDUT2QVKYUC', secretAccessKey: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc' },
      Date.UTC(2019, 10, 15, 3, 36, 55),
    );
    expect(added.Authorization).toBe(
      'SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
    );
  });

  const cases: {
    name: string;
    method: string;
    path: string;
    query?: Record<string, string | string[]>;
    data?: unknown;
  }[] = [
    { name: 'GET without query', method: 'GET', path: `/v1.0/${project}/queues` },
    {
      name: 'GET with paging query',
      method: 'GET',
      path: `/v1.0/${project}/streaming/jobs`,
      query: { limit: '100', offset: '0', show_detail: 'false', order: 'desc' },
    },
    {
      name: 'special characters, repeated keys and non-ASCII',
      method: 'GET',
      path: `/v1.0/${project}/jobs`,
      query: {
        z: 'a b/c~*',
        a: ['2', '1', '10'],
        中: '一',
        'q!': "(it's)",
        empty: '',
        test: '一 (&=?!#%.*)',
      },
    },
    {
      name: 'POST with a JSON body',
      method: 'POST',
      path: `/v1.0/${project}/streaming/jobs/stop`,
      data: { job_ids: [298765], trigger_savepoint: true, note: 'ü "quoted" \\ slash/' },
    },
    {
      name: 'PUT with a JSON body and a query',
      method: 'PUT',
      path: `/v1.0/${project}/queues/queue_a/action`,
      query: { dry: 'true' },
      data: { action: 'restart', force: false },
    },
    {
      name: 'DELETE',
      method: 'DELETE',
      path: `/v2.0/${project}/batches/0a324461-d9d9-45da-a52a-3b3c7a3d809e`,
    },
  ];

  for (const c of cases) {
    it(`matches the official AKSKSigner byte for byte: ${c.name}`, () => {
      const host = 'dli.cn-north-4.myhuaweicloud.com';
      const body = c.data === undefined ? undefined : JSON.stringify(c.data);
      const ours = signHuaweiRequest(
        { method: c.method, host, path: c.path, query: toPairs(c.query ?? {}), headers: baseHeaders, body },
        creds,
        nowMs,
      );
      const theirs = official(creds, {
        method: c.method,
        host,
        path: c.path,
        query: structuredClone(c.query ?? {}),
        headers: { ...baseHeaders, 'X-Sdk-Date': '20240102T030405Z' },
        data: c.data,
      });
      expect(ours['X-Sdk-Date']).toBe('20240102T030405Z');
      expect(ours.Authorization).toBe(theirs);
      expect(ours.Authorization).toContain('SignedHeaders=content-type;host;x-project-id;x-sdk-date,');
    });
  }

  it('signs X-Security-Token for temporary credentials like the official signer', () => {
    const temp = { ...creds, securityToken: 'sts-token-value' };
    const host = 'mrs.cn-north-4.myhuaweicloud.com';
    const ours = signHuaweiRequest(
      {
        method: 'GET',
        host,
        path: `/v1.1/${project}/cluster_infos`,
        query: [],
        headers: baseHeaders,
        body: undefined,
      },
      temp,
      nowMs,
    );
    const theirs = official(creds, {
      method: 'GET',
      host,
      path: `/v1.1/${project}/cluster_infos`,
      query: {},
      headers: { ...baseHeaders, 'X-Security-Token': 'sts-token-value', 'X-Sdk-Date': '20240102T030405Z' },
    });
    expect(ours['X-Security-Token']).toBe('sts-token-value');
    expect(ours.Authorization).toBe(theirs);
  });

  it('reproduces the MRS-shaped vector 1 (signing.md A.5.2)', () => {
    const ours = signHuaweiRequest(
      {
        method: 'GET',
        host: 'mrs.cn-north-4.myhuaweicloud.com',
        path: `/v2/${project}/clusters/c0ffee00-1111-2222-3333-444455556666/job-executions`,
        query: [
          ['submitted_time_begin', '1562032041362'],
          ['offset', '0'],
          ['limit', '10'],
          ['job_state', 'RUNNING'],
        ],
        headers: { 'content-type': 'application/json', 'X-Project-Id': project },
        body: undefined,
      },
      creds,
      nowMs,
    );
    expect(ours.Authorization).toMatch(
      /Signature=41f52e59a3729f18a3b30ba6d27190416e2819a7baa0129c3e43f210cb7a8a24$/,
    );
  });

  it('canonicalises the Go SDK query vector', () => {
    expect(
      canonicalQueryString([
        ['limit', '1'],
        ['enable', 'true'],
        ['test', '一 (&=?!#%.*)'],
        ['path', '/tmp/123'],
        ['multi', '3'],
        ['multi', '1'],
        ['multi', '2'],
      ]),
    ).toBe(
      'enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29',
    );
  });

  it('changes the signature when the body, the query or the clock change', () => {
    const req = {
      method: 'POST',
      host: 'h',
      path: '/p',
      query: [] as [string, string][],
      headers: baseHeaders,
      body: '{}',
    };
    const a = signHuaweiRequest(req, creds, nowMs).Authorization;
    expect(signHuaweiRequest({ ...req, body: '{ }' }, creds, nowMs).Authorization).not.toBe(a);
    expect(signHuaweiRequest({ ...req, query: [['a', '1']] }, creds, nowMs).Authorization).not.toBe(a);
    expect(signHuaweiRequest(req, creds, nowMs + 1000).Authorization).not.toBe(a);
  });
});
