import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseArguments, parseProperties } from '../../../lib/providers/huawei-mrs/actions.js';
import { JOB_LIST_READINGS, PAGE_NUMBER_READINGS } from '../../../lib/providers/huawei-mrs/client.js';
import { readPages } from '../../../lib/providers/paging.js';

/** An in-memory list server that reads its position parameter one way (the paging logic is pure over fetch). */
function server(
  records: number,
  mode: 'records-from-0' | 'records-from-1' | 'pages-from-0' | 'pages-from-1',
  param: string,
  lie?: number,
) {
  const items = Array.from({ length: records }, (_, i) => ({ id: `r${i}` }));
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    fetch: async (params: [string, string][]) => {
      calls++;
      const q = new Map(params);
      const size = Number(q.get('limit') ?? q.get('pageSize'));
      const n = Number(q.get(param));
      const start =
        mode === 'records-from-0'
          ? n
          : mode === 'records-from-1'
            ? Math.max(0, n - 1)
            : mode === 'pages-from-0'
              ? n * size
              : Math.max(0, n - 1) * size;
      return { items: items.slice(start, start + size), total: lie ?? records };
    },
  };
}

let memo = 0;
describe('readPages with the MRS readings', () => {
  it('reads every record exactly once whichever way the server reads offset', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 1, max: 25 }),
        fc.constantFrom('records-from-0', 'records-from-1', 'pages-from-0', 'pages-from-1') as fc.Arbitrary<
          'records-from-0' | 'records-from-1' | 'pages-from-0' | 'pages-from-1'
        >,
        async (records, pageSize, mode) => {
          const s = server(records, mode, 'offset');
          const out = await readPages({
            readings: JOB_LIST_READINGS,
            pageSize,
            memoKey: `prop-${memo++}`,
            fetch: s.fetch,
            idOf: (r) => r.id,
          });
          expect(out.complete).toBe(true);
          expect(out.items.map((r) => r.id).sort()).toEqual(
            Array.from({ length: records }, (_, i) => `r${i}`).sort(),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('costs exactly ceil(n / size) calls once the working reading is known', async () => {
    const key = 'remembered';
    await readPages({
      readings: PAGE_NUMBER_READINGS,
      pageSize: 10,
      memoKey: key,
      fetch: server(35, 'pages-from-0', 'currentPage').fetch,
      idOf: (r) => r.id,
    });
    const s = server(35, 'pages-from-0', 'currentPage');
    const out = await readPages({
      readings: PAGE_NUMBER_READINGS,
      pageSize: 10,
      memoKey: key,
      fetch: s.fetch,
      idOf: (r) => r.id,
    });
    expect(out).toMatchObject({ complete: true, reading: 'pages-from-0' });
    expect(s.calls).toBe(4);
  });

  it('a reported total that is never reached is incomplete, after bounded calls', async () => {
    const s = server(30, 'records-from-0', 'offset', 45);
    const out = await readPages({
      readings: JOB_LIST_READINGS,
      pageSize: 10,
      memoKey: 'liar',
      fetch: s.fetch,
      idOf: (r) => r.id,
    });
    expect(out).toMatchObject({ complete: false, total: 45 });
    expect(out.items).toHaveLength(30);
    expect(s.calls).toBeLessThan(30);
  });

  it('a server that ignores offset is caught (no endless loop)', async () => {
    let calls = 0;
    const out = await readPages({
      readings: JOB_LIST_READINGS,
      pageSize: 5,
      memoKey: 'ignores-offset',
      fetch: async () => {
        calls++;
        return { items: Array.from({ length: 5 }, (_, i) => ({ id: `x${i}` })), total: 12 };
      },
      idOf: (r) => r.id,
    });
    expect(out.complete).toBe(false);
    expect(calls).toBe(8);
  });
});

describe('argument and property parsing (fuzz)', () => {
  const token = fc.string({ minLength: 1, maxLength: 12 }).filter((t) => !/[\s,[\]{}=]/.test(t));
  it('JSON arrays round-trip exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (args) => {
        expect(parseArguments(JSON.stringify(args))).toEqual(args);
      }),
      { numRuns: 2000 },
    );
  });
  it("Java List.toString() round-trips when no argument contains ', ' (or quotes: '[\"a\"]' reads as JSON)", () => {
    fc.assert(
      fc.property(
        fc.array(
          token.filter((t) => !t.includes('"')),
          { minLength: 1 },
        ),
        (args) => {
          expect(parseArguments(`[${args.join(', ')}]`)).toEqual(args);
        },
      ),
      { numRuns: 2000 },
    );
  });
  it('Java Map.toString() and JSON objects round-trip', () => {
    fc.assert(
      fc.property(fc.dictionary(token, token, { minKeys: 1 }), (props) => {
        const java = `{${Object.entries(props)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}}`;
        expect(parseProperties(java)).toEqual(props);
        expect(parseProperties(JSON.stringify(props))).toEqual(props);
      }),
      { numRuns: 2000 },
    );
  });
  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything({ withObjectString: true, withNullPrototype: true }), (value) => {
        parseArguments(value);
        parseProperties(value);
        parseArguments([value]);
        parseProperties({ k: value });
      }),
      { numRuns: 10_000 },
    );
  });
});
