import { describe, expect, it } from 'vitest';
import { scrubSecrets } from '../../lib/providers/shared.js';

describe('scrubSecrets', () => {
  // Each row: vendor text that carries a credential, and what must remain of it.
  it.each([
    ['connection password=hunter2 refused', 'connection password=<redacted> refused'],
    ['jdbc user=etl pwd: "s3cr3t"', 'jdbc user=etl pwd: <redacted>'],
    ['fs.obs.secret.key=AbCdEf123 at init', 'fs.obs.secret.key=<redacted> at init'],
    [
      'spark.hadoop.fs.s3a.access.key: AKIA123, retrying',
      'spark.hadoop.fs.s3a.access.key: <redacted>, retrying',
    ],
    ['auth_token=xyz;next', 'auth_token=<redacted>;next'],
    ['ak=AK123 sk=SK456', 'ak=<redacted> sk=<redacted>'],
    ['key LTAI5tAbCdEfGhIjKlMnOp leaked', 'key <redacted> leaked'],
  ])('%s', (input, expected) => {
    expect(scrubSecrets(input)).toBe(expected);
  });

  it('leaves ordinary text alone', () => {
    const text = 'TaskManager lost: java.lang.OutOfMemoryError: Java heap space (task=3, back=2)';
    expect(scrubSecrets(text)).toBe(text);
  });
});
