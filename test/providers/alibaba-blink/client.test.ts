/** The foas error envelope → failure kinds, retry decisions and safe messages. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../../lib/http/client.js';
import { classifyFoasResponse } from '../../../lib/providers/alibaba-blink/client.js';

const answer = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: {},
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  attempts: 1,
});

describe('classifyFoasResponse', () => {
  it('2xx bodies are fine, including large ones with embedded JSON and a success code', () => {
    const checkpoint = readFileSync(new URL('./fixtures/get-instance-checkpoint.json', import.meta.url));
    expect(classifyFoasResponse({ status: 200, headers: {}, body: checkpoint, attempts: 1 })).toEqual({
      ok: true,
    });
    expect(classifyFoasResponse(answer(200, { requestId: 'r' }))).toEqual({ ok: true });
    expect(classifyFoasResponse(answer(200, { Code: 'OK', Message: 'success' }))).toEqual({ ok: true });
  });

  it('a code nested below the top level is no envelope; the parse is kept so the client parses once', () => {
    const body = { Instance: { Code: 'Throttling.Api', Message: 'in a job field' }, Jobs: [{ code: 'x' }] };
    const response = answer(200, body);
    expect(classifyFoasResponse(response)).toEqual({ ok: true });
    expect(response.json).toEqual(body);
    const notJson = answer(200, '{"truncated":');
    expect(classifyFoasResponse(notJson)).toEqual({ ok: true });
    expect('json' in notJson).toBe(false);
  });

  it('reads Code / Message / RequestId and decides on retries', () => {
    expect(
      classifyFoasResponse(
        answer(400, {
          Code: 'InvalidinstanceId',
          Message: 'Specified parameter instanceId is not valid.',
          RequestId: 'R1',
        }),
      ),
    ).toEqual({
      ok: false,
      kind: 'client-error',
      retry: false,
      message: 'HTTP 400 InvalidinstanceId: Specified parameter instanceId is not valid.',
      vendorCode: 'InvalidinstanceId',
      requestId: 'R1',
    });
    expect(classifyFoasResponse(answer(400, { Code: 'Throttling.Api', Message: 'slow down' }))).toMatchObject(
      { kind: 'throttled', retry: true },
    );
    expect(
      classifyFoasResponse(
        answer(200, { code: 'Throttling.User', message: 'Request was denied due to user flow control.' }),
      ),
    ).toMatchObject({ kind: 'throttled', retry: true });
    expect(classifyFoasResponse(answer(503, { Code: 'ServiceUnavailable', Message: 'later' }))).toMatchObject(
      { kind: 'server-error', retry: true },
    );
    expect(classifyFoasResponse(answer(403, { Code: 'Forbidden.RAM', Message: 'no' }))).toMatchObject({
      kind: 'auth',
      retry: false,
    });
    expect(classifyFoasResponse(answer(502, '<html>bad gateway</html>'))).toMatchObject({
      kind: 'server-error',
      retry: true,
      message: 'HTTP 502',
    });
    expect(
      classifyFoasResponse(answer(400, { errorCode: 'JobNotExist', errorMsg: 'job does not exist' })),
    ).toMatchObject({ vendorCode: 'JobNotExist', message: 'HTTP 400 JobNotExist: job does not exist' });
  });

  it('never carries the string to sign (with its STS token) or key=value secrets into the message', () => {
    const verdict = classifyFoasResponse(
      answer(400, {
        Code: 'SignatureDoesNotMatch',
        Message:
          'Specified signature is not matched with our calculation. server string to sign is:GET\napplication/json\n\nx-acs-security-token:CAIS1234secretToken\n/api/v2/projects',
      }),
    );
    expect(verdict).toMatchObject({
      ok: false,
      kind: 'auth',
      retry: false,
      vendorCode: 'SignatureDoesNotMatch',
    });
    expect(JSON.stringify(verdict)).not.toContain('CAIS1234secretToken');
    const withPassword = classifyFoasResponse(
      answer(400, { Code: 'InvalidParameter', Message: 'bad jdbc url password=hunter2' }),
    );
    expect(JSON.stringify(withPassword)).not.toContain('hunter2');
  });
});
