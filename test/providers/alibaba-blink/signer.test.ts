/**
 * Our ROA v1 signer against the official implementations, byte for byte: `@alicloud/openapi-util`
 * (getStringToSign + getROASignature) and `@alicloud/pop-core` (ROAClient#buildAuthorization). Both are
 * devDependencies, used here only.
 */
import { describe, expect, it } from 'vitest';
import {
  canonicalizedResource,
  contentMd5,
  httpDate,
  type RoaCredentials,
  type RoaRequest,
  roaSignature,
  roaStringToSign,
  signRoaRequest,
} from '../../../lib/providers/alibaba-blink/client.js';
import {
  type OfficialRequest,
  OpenApiUtil,
  ROAClient,
  SIGN_DATE_MS,
  SIGN_NONCE,
} from '../alibaba-official.js';

const TEST_CREDS: RoaCredentials = { accessKeyId: 'testid', accessKeySecret: 'testsecret' };

/** Signs with ours, then recomputes with the official code from the very headers we produced. */
function crossCheck(request: RoaRequest, credentials: RoaCredentials, regionId = 'cn-hangzhou') {
  const headers = signRoaRequest(request, credentials, { dateMs: SIGN_DATE_MS, nonce: SIGN_NONCE, regionId });
  const { authorization, ...signed } = headers;
  const official: OfficialRequest = {
    method: request.method,
    pathname: request.path,
    query: Object.fromEntries(request.query),
    headers: signed,
  };
  const officialStringToSign = OpenApiUtil.getStringToSign(official);
  const officialSignature = OpenApiUtil.getROASignature(officialStringToSign, credentials.accessKeySecret);
  const popCore = new ROAClient({
    endpoint: 'https://foas.cn-hangzhou.aliyuncs.com',
    apiVersion: '2018-11-11',
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
  });
  return {
    headers,
    ours: roaStringToSign(request.method, request.path, signed, request.query),
    officialStringToSign,
    officialAuthorization: `acs ${credentials.accessKeyId}:${officialSignature}`,
    popCoreAuthorization: popCore.buildAuthorization(officialStringToSign),
    authorization: authorization as string,
  };
}

describe('ROA v1 signer vs the official implementations', () => {
  const cases: { name: string; request: RoaRequest; credentials?: RoaCredentials }[] = [
    {
      name: 'GET with no query (GetInstance)',
      request: {
        method: 'GET',
        path: '/api/v2/projects/project1/jobs/job1/instances/123',
        query: [],
        headers: {},
      },
    },
    {
      name: 'GET with a comma list (BatchGetInstanceRunSummary)',
      request: {
        method: 'GET',
        path: '/api/v2/projects/project1/runsummary',
        query: [
          ['jobType', 'FLINK_STREAM'],
          ['jobNames', 'job1,job2'],
        ],
        headers: {},
      },
    },
    {
      name: 'query values with special characters, unsorted keys and unicode',
      request: {
        method: 'GET',
        path: '/api/v2/projects/p%20x/jobs',
        query: [
          ['pageSize', '50'],
          ['jobName', 'a b&c=d/e?f+g~h*i%j'],
          ['folder', '实时/作业'],
          ['Zeta', ''],
          ['apiType', 'SQL'],
        ],
        headers: {},
      },
    },
    {
      name: 'PUT with a JSON body and Content-MD5 (ModifyInstanceState)',
      request: {
        method: 'PUT',
        path: '/api/v2/projects/project1/jobs/job1/instances/-1/expectstate',
        query: [],
        headers: {},
        body: '{"expectState":"RUNNING"}',
      },
    },
    {
      name: 'POST with a nested JSON-string body and a query (GetInstanceMetric)',
      request: {
        method: 'POST',
        path: '/api/v2/projects/bayes_team/jobs/ss2/metric',
        query: [['instanceId', '-1']],
        headers: {},
        body: JSON.stringify({
          metricJson: JSON.stringify({
            start: 1606291390000,
            end: 1606294626216,
            queries: [{ metric: 'blink.p.j.delay' }],
          }),
        }),
      },
    },
    {
      name: 'STS token (x-acs-security-token, x-acs-accesskey-id)',
      request: {
        method: 'GET',
        path: '/api/v2/projects/project1/jobs',
        query: [['pageIndex', '1']],
        headers: {},
      },
      credentials: {
        accessKeyId: 'STS.NUgYrLnoC37mZZCNnAbez',
        accessKeySecret: 'sts-secret',
        securityToken: 'CAIS+token/with=chars\n',
      },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const credentials = c.credentials ?? TEST_CREDS;
      const r = crossCheck(c.request, credentials);
      expect(r.ours).toBe(r.officialStringToSign);
      expect(r.authorization).toBe(r.officialAuthorization);
      expect(r.authorization).toBe(r.popCoreAuthorization);
    });
  }

  it('adds content-md5 and content-type only when there is a body, STS headers only with a token', () => {
    const get = crossCheck(cases[0]!.request, TEST_CREDS).headers;
    expect(get['content-md5']).toBeUndefined();
    expect(get['x-acs-security-token']).toBeUndefined();
    const put = crossCheck(cases[3]!.request, TEST_CREDS).headers;
    expect(put['content-md5']).toBe('VBrGfRLfAW31RFy76j9krg==');
    expect(put['content-type']).toBe('application/json; charset=utf-8');
    const sts = crossCheck(cases[5]!.request, cases[5]!.credentials!).headers;
    expect(sts['x-acs-security-token']).toBe('CAIS+token/with=chars\n');
    expect(sts['x-acs-accesskey-id']).toBe('STS.NUgYrLnoC37mZZCNnAbez');
    expect(sts['date']).toBe('Fri, 02 Jan 2026 03:04:05 GMT');
  });

  it('reproduces the published foas vectors (signing.md B.1.4, computed with the official packages)', () => {
    const base = {
      accept: 'application/json',
      date: 'Fri, 02 Jan 2026 03:04:05 GMT',
      host: 'foas.cn-hangzhou.aliyuncs.com',
      'x-acs-signature-nonce': SIGN_NONCE,
      'x-acs-signature-method': 'HMAC-SHA1',
      'x-acs-signature-version': '1.0',
      'x-acs-version': '2018-11-11',
      'x-acs-region-id': 'cn-hangzhou',
    };
    const sign = (method: string, path: string, headers: Record<string, string>, query: [string, string][]) =>
      `acs testid:${roaSignature(roaStringToSign(method, path, headers, query), 'testsecret')}`;
    const emptyMd5 = { ...base, 'content-md5': contentMd5('') };
    expect(emptyMd5['content-md5']).toBe('1B2M2Y8AsgTpgAmY7PhCfg==');
    expect(sign('GET', '/api/v2/projects/project1/jobs/job1/instances/123', emptyMd5, [])).toBe(
      'acs testid:NBV9rtQdrhW6doHAxAuEhszZR5w=',
    );
    expect(
      sign('GET', '/api/v2/projects/project1/runsummary', emptyMd5, [
        ['jobType', 'FLINK_STREAM'],
        ['jobNames', 'job1,job2'],
      ]),
    ).toBe('acs testid:QNmjgqTcgB++b9m+vhYCzk2FA3s=');
    expect(
      sign(
        'PUT',
        '/api/v2/projects/project1/jobs/job1/instances/-1/expectstate',
        {
          ...base,
          'content-type': 'application/json; charset=utf-8',
          'content-md5': contentMd5('{"expectState":"RUNNING"}'),
        },
        [],
      ),
    ).toBe('acs testid:ibLaLPRHCG34valDMM/QczcO2wU=');
  });

  it('signs the date the request carries, as when the date comes from dateMs', () => {
    const request = cases[1]!.request;
    const fromMs = signRoaRequest(request, TEST_CREDS, { dateMs: SIGN_DATE_MS, nonce: SIGN_NONCE });
    const carried = signRoaRequest(
      { ...request, headers: { ...request.headers, Date: new Date(SIGN_DATE_MS).toUTCString() } },
      TEST_CREDS,
      { nonce: SIGN_NONCE },
    );
    expect(carried).toEqual(fromMs);
    expect(() => signRoaRequest(request, TEST_CREDS, { nonce: SIGN_NONCE })).toThrow(/date/);
  });

  it.each([
    SIGN_DATE_MS,
    SIGN_DATE_MS + 999,
    SIGN_DATE_MS + 1000,
    SIGN_DATE_MS - 1,
    Date.UTC(2027, 0, 1) - 1,
    Date.UTC(2027, 0, 1),
  ])('httpDate(%i) is toUTCString of that instant, in whichever order the instants come', (ms) => {
    expect(httpDate(ms)).toBe(new Date(ms).toUTCString());
    expect(httpDate(ms + 1000)).toBe(new Date(ms + 1000).toUTCString());
    expect(httpDate(ms)).toBe(new Date(ms).toUTCString());
  });

  it('is a pure function of request, credentials, date and nonce', () => {
    const request = cases[1]!.request;
    const a = signRoaRequest(request, TEST_CREDS, { dateMs: SIGN_DATE_MS, nonce: SIGN_NONCE });
    const b = signRoaRequest(request, TEST_CREDS, { dateMs: SIGN_DATE_MS, nonce: SIGN_NONCE });
    expect(a).toEqual(b);
    const c = signRoaRequest(request, TEST_CREDS, { dateMs: SIGN_DATE_MS, nonce: 'other' });
    expect(c['authorization']).not.toBe(a['authorization']);
    expect(canonicalizedResource('/p', [])).toBe('/p');
  });
});
