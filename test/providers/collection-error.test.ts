/** Vendor error text is scrubbed, single-spaced and cut once, where a failed call enters the snapshot. */
import { describe, expect, it } from 'vitest';
import { HttpCallError } from '../../lib/http/errors.js';
import { toCollectionError } from '../../lib/providers/shared.js';
import { MAX_ERROR_CHARS } from '../../lib/text/trim.js';

const TRACE = `upstream said: ${'java.io.IOException: broken pipe\n\tat a.b.C.d(C.java:1)\n'.repeat(40)}`;

describe('toCollectionError', () => {
  it('cuts a long multi-line HttpCallError message to the event length, single-spaced', () => {
    const error = new HttpCallError(TRACE, {
      kind: 'server-error',
      operation: 'ListJob',
      status: 502,
      attempts: 1,
    });
    const { message } = toCollectionError(error, 'ListJob', 1_000);
    expect(message.length).toBeLessThanOrEqual(MAX_ERROR_CHARS);
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^upstream said: java\.io\.IOException: broken pipe at a\.b\.C\.d/);
  });

  it('scrubs and cuts any other error', () => {
    const { message, kind } = toCollectionError(new Error(`password=hunter2 ${TRACE}`), 'collect', 1_000);
    expect(kind).toBe('invalid-response');
    expect(message).toMatch(/^Error: password=<redacted> upstream said/);
    expect(message.length).toBeLessThanOrEqual(MAX_ERROR_CHARS);
    expect(message).not.toContain('\n');
  });
});
