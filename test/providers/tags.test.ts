import { describe, expect, it } from 'vitest';
import { sqlJobSchema } from '../../lib/providers/huawei-dli/schemas.js';
import { vendorTagsOf } from '../../lib/providers/tags.js';

describe('vendorTagsOf: tags in every shape a vendor gives them', () => {
  it("reads DLI's [{key, value}], ververica's map and a k=v,k2=v2 string alike", () => {
    const expected = { owner: 'alice', env: 'prod' };
    expect(
      vendorTagsOf([
        { key: 'owner', value: 'alice' },
        { key: 'env', value: 'prod' },
      ]),
    ).toEqual(expected);
    expect(vendorTagsOf({ owner: 'alice', env: 'prod' })).toEqual(expected);
    expect(vendorTagsOf('owner=alice,env=prod')).toEqual(expected);
  });

  it('drops what is not text, strips control characters, caps sizes and count; nothing left is undefined', () => {
    expect(vendorTagsOf(null)).toBeUndefined();
    expect(vendorTagsOf('garbage')).toBeUndefined();
    expect(
      vendorTagsOf([{ key: 'owner', value: { nested: true } }, 'x', null, { value: 'no key' }]),
    ).toBeUndefined();
    expect(vendorTagsOf({ owner: ' al\u0000ice\n ', replicas: 3, on: true })).toEqual({
      owner: 'alice',
      replicas: '3',
      on: 'true',
    });
    expect(vendorTagsOf({ owner: 'x'.repeat(1000) })?.owner).toHaveLength(256);
    const many = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`k${i}`, 'v']));
    expect(Object.keys(vendorTagsOf(many) ?? {})).toHaveLength(50);
    // The first of two equal keys wins.
    expect(
      vendorTagsOf([
        { key: 'env', value: 'prod' },
        { key: 'env', value: 'test' },
      ]),
    ).toEqual({ env: 'prod' });
  });

  it('a DLI SQL job with malformed tags still parses (the job is never dropped for its tags)', () => {
    const job = { job_id: 'j-1', status: 'RUNNING', tags: 'not-an-array' };
    expect(sqlJobSchema.parse(job).job_id).toBe('j-1');
    expect(vendorTagsOf(sqlJobSchema.parse({ ...job, tags: [{ key: 'owner', value: 'bob' }] }).tags)).toEqual(
      {
        owner: 'bob',
      },
    );
  });
});
