/**
 * Our V3 (`ACS3-HMAC-SHA256`) signer against the official implementation, byte for byte:
 * `@alicloud/openapi-util` `getAuthorization` (+ `hash`/`hexEncode` for the payload), a devDependency used
 * here only. Each request is signed by ours, then re-signed by the official code from the very headers we
 * produced; the Authorization values must be identical. Plus the two worked vectors of signing.md §B.4.3.
 */
import { describe, expect, it } from 'vitest';
import {
  flinkPath,
  parseV3Authorization,
  signV3Request,
  type V3Credentials,
  type V3Request,
  v3CanonicalRequest,
} from '../../../lib/providers/alibaba-flink/client.js';
import { OpenApiUtil, SIGN_DATE_MS, SIGN_NONCE } from '../alibaba-official.js';

const CREDS: V3Credentials = { accessKeyId: 'testid', accessKeySecret: 'testsecret' };
const HOST = 'ververica.cn-hangzhou.aliyuncs.com';
const WORKSPACE = { workspace: 'a14bd5d90a****', accept: 'application/json' };

function crossCheck(request: V3Request, action: string, credentials = CREDS) {
  const headers = signV3Request(request, credentials, { dateMs: SIGN_DATE_MS, nonce: SIGN_NONCE, action });
  const { authorization, ...sent } = headers;
  const payload = OpenApiUtil.hexEncode(
    OpenApiUtil.hash(Buffer.from(String(request.body ?? ''), 'utf8'), 'ACS3-HMAC-SHA256'),
  );
  const official = OpenApiUtil.getAuthorization(
    {
      method: request.method,
      pathname: request.path,
      query: Object.fromEntries(request.query),
      headers: sent,
    },
    'ACS3-HMAC-SHA256',
    payload,
    credentials.accessKeyId,
    credentials.accessKeySecret,
  );
  return { headers, ours: authorization, official, payload };
}

const ns = 'default-namespace';
const CASES: { name: string; action: string; request: V3Request; credentials?: V3Credentials }[] = [
  {
    name: 'ListJobs (query with * in the deployment id)',
    action: 'ListJobs',
    request: {
      method: 'GET',
      host: HOST,
      path: flinkPath({ namespace: ns, segments: ['jobs'] }),
      query: [
        ['deploymentId', '58718c99-3b29-4c5e-93bb-c9fc4ec6****'],
        ['pageIndex', '1'],
        ['pageSize', '100'],
        ['sortName', 'gmt_create'],
      ],
      headers: WORKSPACE,
    },
  },
  {
    name: 'ListDeployments',
    action: 'ListDeployments',
    request: {
      method: 'GET',
      host: HOST,
      path: flinkPath({ namespace: ns, segments: ['deployments'] }),
      query: [
        ['pageSize', '100'],
        ['pageIndex', '2'],
      ],
      headers: WORKSPACE,
    },
  },
  {
    name: 'GetJob (path parameter)',
    action: 'GetJob',
    request: {
      method: 'GET',
      host: HOST,
      path: flinkPath({ namespace: ns, segments: ['jobs', '5af678c0-7db0-4650-94c2-d2604f0a****'] }),
      query: [],
      headers: WORKSPACE,
    },
  },
  {
    name: 'StartJobWithParams (literal colon, JSON body)',
    action: 'StartJobWithParams',
    request: {
      method: 'POST',
      host: HOST,
      path: flinkPath({ namespace: ns, segments: ['jobs'], verb: ':start' }),
      query: [],
      headers: { ...WORKSPACE, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({
        deploymentId: '737d0921-c5ac-47fc-9ba9-07a1e0b4****',
        restoreStrategy: { kind: 'LATEST_STATE', allowNonRestoredState: false },
        resourceQueueName: 'default-queue',
      }),
    },
  },
  {
    name: 'StopJob (literal colon after an encoded id)',
    action: 'StopJob',
    request: {
      method: 'POST',
      host: HOST,
      path: flinkPath({
        namespace: ns,
        segments: ['jobs', '5af678c0-7db0-4650-94c2-d2604f0a****'],
        verb: ':stop',
      }),
      query: [],
      headers: WORKSPACE,
      body: JSON.stringify({ stopStrategy: 'STOP_WITH_SAVEPOINT' }),
    },
  },
  {
    name: "GetEvents (values needing RFC 3986: space, !'()*, ~, non-ASCII, empty)",
    action: 'GetEvents',
    request: {
      method: 'GET',
      host: HOST,
      path: flinkPath({ namespace: 'ns-中文', segments: ['events'] }),
      query: [
        ['deploymentId', "a b!'()*~/中"],
        ['empty', ''],
        ['pageIndex', '1'],
      ],
      headers: WORKSPACE,
    },
  },
  {
    name: 'GetJobDiagnosis with STS credentials',
    action: 'GetJobDiagnosis',
    credentials: { ...CREDS, securityToken: 'CAIS-sts-token+/=' },
    request: {
      method: 'GET',
      host: HOST,
      path: flinkPath({
        namespace: ns,
        segments: ['deployments', 'd-1', 'jobs', 'j-1', 'job-diagnoses', 'lite'],
      }),
      query: [],
      headers: WORKSPACE,
    },
  },
  {
    name: 'ListSavepoints with an extra x-acs header and padded values',
    action: 'ListSavepoints',
    request: {
      method: 'GET',
      host: HOST,
      path: flinkPath({ namespace: ns, segments: ['savepoints'] }),
      query: [['jobId', 'j-1']],
      headers: { ...WORKSPACE, 'X-Acs-Region-Id': '  cn-hangzhou ' },
    },
  },
];

describe('V3 signer vs @alicloud/openapi-util getAuthorization', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { ours, official, headers, payload } = crossCheck(c.request, c.action, c.credentials);
      expect(ours).toBe(official);
      expect(headers['x-acs-content-sha256']).toBe(payload);
      // The workspace header travels unsigned (it is not x-acs-*), as in the official SDK.
      expect(headers['workspace']).toBe('a14bd5d90a****');
      expect(parseV3Authorization(ours)?.signedHeaders).not.toContain('workspace');
    });
  }

  it('the colon paths keep a literal ":" in the canonical URI; path parameters are encoded', () => {
    expect(flinkPath({ namespace: 'default-namespace', segments: ['jobs'], verb: ':start' })).toBe(
      '/api/v2/namespaces/default-namespace/jobs:start',
    );
    expect(flinkPath({ namespace: 'a b', segments: ['jobs', 'x*'], verb: ':stop' })).toBe(
      '/api/v2/namespaces/a%20b/jobs/x%2A:stop',
    );
  });
});

describe('signing.md §B.4.3 vectors (computed there with openapi-util 0.3.3)', () => {
  const base = {
    host: 'foas.cn-hangzhou.aliyuncs.com',
    'x-acs-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'x-acs-date': '2026-01-02T03:04:05Z',
    'x-acs-signature-nonce': SIGN_NONCE,
    'x-acs-version': '2018-11-11',
  };

  it('V1: BatchGetInstanceRunSummary', () => {
    const headers = signV3Request(
      {
        method: 'GET',
        host: base.host,
        path: '/api/v2/projects/project1/runsummary',
        query: [
          ['jobType', 'FLINK_STREAM'],
          ['jobNames', 'job1,job2'],
        ],
        headers: { accept: 'application/json', 'user-agent': 'jobwatch' },
      },
      CREDS,
      {
        dateMs: SIGN_DATE_MS,
        nonce: SIGN_NONCE,
        action: 'BatchGetInstanceRunSummary',
        version: '2018-11-11',
      },
    );
    expect(headers['authorization']).toBe(
      'ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=6e40f0e70ff4a0900cfc7176d2f33837bebb73db45f8bf8df31f3da745a9ccb8',
    );
    const { canonicalRequest } = v3CanonicalRequest(
      'GET',
      '/api/v2/projects/project1/runsummary',
      [
        ['jobType', 'FLINK_STREAM'],
        ['jobNames', 'job1,job2'],
      ],
      { ...base, 'x-acs-action': 'BatchGetInstanceRunSummary' },
      base['x-acs-content-sha256'],
    );
    expect(canonicalRequest.split('\n').slice(0, 3)).toEqual([
      'GET',
      '/api/v2/projects/project1/runsummary',
      'jobNames=job1%2Cjob2&jobType=FLINK_STREAM',
    ]);
  });

  it('V2: ModifyInstanceState with a JSON body', () => {
    const body = '{"expectState":"RUNNING"}';
    const headers = signV3Request(
      {
        method: 'PUT',
        host: base.host,
        path: '/api/v2/projects/project1/jobs/job1/instances/-1/expectstate',
        query: [],
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
      },
      CREDS,
      { dateMs: SIGN_DATE_MS, nonce: SIGN_NONCE, action: 'ModifyInstanceState', version: '2018-11-11' },
    );
    expect(headers['x-acs-content-sha256']).toBe(
      '167998dfeb9a89ed80ee312d71719ed4b2efb8ecf080380c0e6290f7209162d6',
    );
    expect(headers['authorization']).toMatch(
      /SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=d20980c7cf7216ec00ecc372cb42aab3f7439686a60f418d978cc814a3b3acf2$/,
    );
  });
});
