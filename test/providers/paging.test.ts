/**
 * The shared paging reader against a tiny in-memory paged listing (not our HTTP layer: the reader is pure
 * over `fetch`). One row per reading and failure mode; call counts are the cost the reader promises.
 */
import { describe, expect, it } from 'vitest';
import {
  type PageReading,
  positionReadings,
  type ReadPagesOptions,
  readPages,
  STANDARD_POSITION_READINGS,
} from '../../lib/providers/paging.js';

type Position = { position: number; size: number };
type Reads = 'records-from-0' | 'records-from-1' | 'pages-from-0' | 'pages-from-1';

/** MRS's job-list order: records from 0 (the SDK's reading) first, then the others. */
const RECORDS_FIRST: PageReading<Position>[] = [
  { name: 'records-from-0', params: (k, size) => ({ position: k * size, size }) },
  { name: 'pages-from-1', params: (k, size) => ({ position: k + 1, size }) },
  { name: 'pages-from-0', params: (k, size) => ({ position: k, size }) },
  { name: 'records-from-1', params: (k, size) => ({ position: k * size + 1, size }) },
];
/** Blink's order: pages from 1 (the manual), then from 0. */
const PAGES_FIRST: PageReading<Position>[] = [
  { name: 'pages-from-1', params: (k, size) => ({ position: k + 1, size }) },
  { name: 'pages-from-0', params: (k, size) => ({ position: k, size }) },
];

interface Listing {
  records: number;
  reads: Reads;
  /** The server's own page size limit, applied silently. */
  cap?: number;
  /** What the server reports as the total: the truth (default), nothing, or a wrong figure. */
  total?: 'none' | number;
  reportPageSize?: boolean;
  ignoresPosition?: boolean;
  /** Every call answers a full page of records never seen before (a listing that never ends). */
  endless?: boolean;
  /** This call (1-based) fails. */
  failOnCall?: number;
}

function fakeListing(listing: Listing) {
  const items = Array.from({ length: listing.records }, (_, i) => ({ id: `r${i}` }));
  const state = { calls: 0, inFlight: 0, maxInFlight: 0 };
  const fetch = async ({ position, size: asked }: Position) => {
    state.calls++;
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    state.inFlight--;
    if (state.calls === listing.failOnCall) throw new Error(`page ${position} failed`);
    const size = Math.min(asked, listing.cap ?? asked);
    const start = listing.ignoresPosition
      ? 0
      : listing.reads === 'records-from-0'
        ? position
        : listing.reads === 'records-from-1'
          ? Math.max(0, position - 1)
          : listing.reads === 'pages-from-0'
            ? position * size
            : Math.max(0, position - 1) * size;
    const page = listing.endless
      ? Array.from({ length: size }, (_, i) => ({ id: `e${state.calls}-${i}` }))
      : items.slice(start, start + size);
    return {
      items: page,
      ...(listing.total === 'none' ? {} : { total: listing.total ?? listing.records }),
      ...(listing.reportPageSize ? { pageSize: size } : {}),
    };
  };
  return { fetch, state };
}

interface Row {
  says: string;
  listing: Listing;
  readings: PageReading<Position>[];
  options?: Partial<ReadPagesOptions<{ id: string }, Position>>;
  expected: { complete: boolean; items: number; total?: number; reading?: string; calls: number };
}

const rows: Row[] = [
  {
    says: 'a server reading the position as records from 0 costs one call per page and no probing',
    listing: { records: 25, reads: 'records-from-0' },
    readings: RECORDS_FIRST,
    expected: { complete: true, items: 25, total: 25, reading: 'records-from-0', calls: 3 },
  },
  {
    says: 'a server counting pages from 1 is found after the records reading runs dry',
    listing: { records: 25, reads: 'pages-from-1' },
    readings: RECORDS_FIRST,
    expected: { complete: true, items: 25, total: 25, reading: 'pages-from-1', calls: 5 },
  },
  {
    says: 'a server counting pages from 0 is read completely (its page 0 is the records reading page 0)',
    listing: { records: 35, reads: 'pages-from-0' },
    readings: RECORDS_FIRST,
    // 2 records-from-0, then pages from 1 trusted on its 2nd page with pages 3 and 4 fetched together.
    expected: { complete: true, items: 35, total: 35, calls: 6 },
  },
  {
    says: 'a server counting records from 1 overlaps pages by one record, and the overlap is de-duplicated',
    listing: { records: 25, reads: 'records-from-1' },
    readings: RECORDS_FIRST,
    expected: { complete: true, items: 25, total: 25, calls: 3 },
  },
  {
    says: 'with the first reading trusted from page one, a 1-based server costs exactly one call per page',
    listing: { records: 23, reads: 'pages-from-1' },
    readings: PAGES_FIRST,
    options: { trustFirstPage: true },
    expected: { complete: true, items: 23, total: 23, reading: 'pages-from-1', calls: 3 },
  },
  {
    says: 'a 0-based server read as 1-based is short of its total, so page 0 is read too',
    listing: { records: 23, reads: 'pages-from-0' },
    readings: PAGES_FIRST,
    options: { trustFirstPage: true },
    expected: { complete: true, items: 23, total: 23, reading: 'pages-from-0', calls: 4 },
  },
  {
    says: 'a server that silently caps the page size is paged by its own size (pages reading)',
    listing: { records: 23, reads: 'pages-from-1', cap: 7 },
    readings: PAGES_FIRST,
    options: { trustFirstPage: true },
    expected: { complete: true, items: 23, total: 23, calls: 4 },
  },
  {
    says: 'a server that caps the page size is paged by its own size (records reading, offsets follow)',
    listing: { records: 23, reads: 'records-from-0', cap: 7 },
    readings: RECORDS_FIRST,
    expected: { complete: true, items: 23, total: 23, reading: 'records-from-0', calls: 4 },
  },
  {
    says: 'a page size the server reports wins over the one asked for',
    listing: { records: 23, reads: 'pages-from-1', cap: 5, reportPageSize: true },
    readings: PAGES_FIRST,
    options: { trustFirstPage: true },
    expected: { complete: true, items: 23, total: 23, calls: 5 },
  },
  {
    says: 'a server that repeats the same page whatever the position is caught after two calls per reading',
    listing: { records: 12, reads: 'records-from-0', ignoresPosition: true },
    readings: RECORDS_FIRST,
    options: { pageSize: 5 },
    expected: { complete: false, items: 5, total: 12, calls: 8 },
  },
  // Changed by issue 14 (defect 1): without a total nothing the vendor said proves the end, so these
  // listings are read as far as they go but stay incomplete (detection keeps missing jobs as they were).
  {
    says: 'without a total, a short page ends the reading, but nothing proves the end: incomplete',
    listing: { records: 23, reads: 'records-from-0', total: 'none' },
    readings: RECORDS_FIRST,
    expected: { complete: false, items: 23, calls: 3 },
  },
  {
    says: 'without a total, a listing that fills its last page exactly ends on the empty page after it: incomplete',
    listing: { records: 20, reads: 'records-from-0', total: 'none' },
    readings: RECORDS_FIRST,
    expected: { complete: false, items: 20, calls: 3 },
  },
  {
    says: 'without a total, an empty first page is no fleet of zero: incomplete after one call',
    listing: { records: 0, reads: 'records-from-0', total: 'none' },
    readings: RECORDS_FIRST,
    expected: { complete: false, items: 0, calls: 1 },
  },
  {
    says: 'a server whose first page is cut short while its total stands is incomplete, whatever the readings',
    listing: { records: 5, reads: 'records-from-0', total: 23 },
    readings: RECORDS_FIRST,
    expected: { complete: false, items: 5, total: 23, calls: 8 },
  },
  {
    says: 'without a total, a listing that never ends stops at maxPages per reading and is incomplete',
    listing: { records: 0, reads: 'records-from-0', total: 'none', endless: true },
    readings: PAGES_FIRST,
    options: { maxPages: 5 },
    expected: { complete: false, items: 100, calls: 10 },
  },
  {
    says: 'a reported total the pages never reach is incomplete, with every record that exists',
    listing: { records: 23, reads: 'pages-from-1', total: 25 },
    readings: PAGES_FIRST,
    options: { trustFirstPage: true },
    expected: { complete: false, items: 23, total: 25, calls: 5 },
  },
  {
    says: 'a short total under every reading costs at most (pages of the total + 2) calls per reading',
    listing: { records: 23, reads: 'records-from-0', total: 25 },
    readings: RECORDS_FIRST,
    expected: { complete: false, items: 23, total: 25, calls: 17 },
  },
  {
    says: 'an empty listing costs one call and is complete',
    listing: { records: 0, reads: 'records-from-0' },
    readings: RECORDS_FIRST,
    expected: { complete: true, items: 0, total: 0, calls: 1 },
  },
];

describe('readPages: every reading and failure mode', () => {
  it.each(rows)('$says', async ({ listing, readings, options, expected }) => {
    const server = fakeListing(listing);
    const delivered: string[] = [];
    const out = await readPages({
      readings,
      fetch: server.fetch,
      idOf: (r) => r.id,
      pageSize: 10,
      concurrency: 4,
      onNew: (items) => delivered.push(...items.map((r) => r.id)),
      ...options,
    });
    expect(out.complete).toBe(expected.complete);
    expect(out.items).toHaveLength(expected.items);
    expect(new Set(out.items.map((r) => r.id)).size).toBe(expected.items);
    expect(out.total).toBe(expected.total);
    if (expected.reading) expect(out.reading).toBe(expected.reading);
    expect(server.state.calls).toBe(expected.calls);
    // onNew saw each item once, and exactly the items returned.
    expect(delivered.sort()).toEqual(out.items.map((r) => r.id).sort());
  });

  it('a page failing mid-way rejects with its error; the pages read before it were delivered', async () => {
    const server = fakeListing({ records: 35, reads: 'records-from-0', failOnCall: 3 });
    const delivered: string[] = [];
    await expect(
      readPages({
        readings: RECORDS_FIRST,
        fetch: server.fetch,
        idOf: (r) => r.id,
        pageSize: 10,
        onNew: (items) => delivered.push(...items.map((r) => r.id)),
      }),
    ).rejects.toThrow('page 20 failed');
    expect(delivered).toHaveLength(20);
  });

  it('a reading that worked for this listing before is trusted from page one: one call per page, concurrently', async () => {
    const memoKey = `memo-${Math.random()}`;
    const options = { readings: RECORDS_FIRST, idOf: (r: { id: string }) => r.id, pageSize: 10, memoKey };
    const cold = fakeListing({ records: 45, reads: 'pages-from-1' });
    const first = await readPages({ ...options, fetch: cold.fetch, concurrency: 4 });
    expect(first).toMatchObject({ complete: true, reading: 'pages-from-1' });
    expect(cold.state.calls).toBeGreaterThan(5);

    const warm = fakeListing({ records: 45, reads: 'pages-from-1' });
    const second = await readPages({ ...options, fetch: warm.fetch, concurrency: 4 });
    expect(second).toMatchObject({ complete: true, reading: 'pages-from-1' });
    expect(warm.state.calls).toBe(5);
    expect(warm.state.maxInFlight).toBe(4);
  });

  it('without a memo key nothing is remembered: the same listing probes again', async () => {
    const run = async () => {
      const server = fakeListing({ records: 45, reads: 'pages-from-0' });
      await readPages({ readings: RECORDS_FIRST, fetch: server.fetch, idOf: (r) => r.id, pageSize: 10 });
      return server.state.calls;
    };
    const cold = await run();
    expect(await run()).toBe(cold);
  });

  it('concurrency 1 reads strictly one page after another', async () => {
    const server = fakeListing({ records: 95, reads: 'records-from-0' });
    const out = await readPages({
      readings: RECORDS_FIRST,
      fetch: server.fetch,
      idOf: (r) => r.id,
      pageSize: 10,
      concurrency: 1,
    });
    expect(out.complete).toBe(true);
    expect(server.state.calls).toBe(10);
    expect(server.state.maxInFlight).toBe(1);
  });
});

describe('positionReadings: every listing gets every standard reading', () => {
  it('puts the documented reading first and adds the standard readings it did not name', () => {
    const readings = positionReadings(['pages-from-1'], (position, size) => ({ position, size }));
    expect(readings.map((r) => r.name)).toEqual(['pages-from-1', 'records-from-0', 'pages-from-0']);
    expect(readings.map((r) => r.params(2, 10).position)).toEqual([3, 20, 2]);
  });

  it.each(STANDARD_POSITION_READINGS)(
    'a server reading %s is read completely from a cold start',
    async (reads) => {
      const server = fakeListing({ records: 153, reads });
      const out = await readPages({
        readings: positionReadings(['records-from-0'], (position, size) => ({ position, size })),
        fetch: server.fetch,
        idOf: (r) => r.id,
        pageSize: 100,
      });
      expect(out).toMatchObject({ complete: true, total: 153 });
      expect(out.items).toHaveLength(153);
    },
  );
});
