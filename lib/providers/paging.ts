/**
 * One reader for every paged vendor listing. Vendor docs are vague about the position parameter (records or
 * pages, counted from 0 or 1) and servers cap the page size without saying so, so the reader tries each
 * reading in turn, de-duplicates by id and checks what it read against the total the API reported.
 */
import { mapConcurrent } from '../async/concurrent.js';

/** One way of reading a listing's position parameter: what to send for the k-th page (k from 0). */
export interface PageReading<P> {
  name: string;
  params(k: number, pageSize: number): P;
}

/**
 * The ways vendor docs read a position parameter. Every listing tries the three standard ones (records from
 * 0, pages from 1, pages from 0), its documented reading first; `records-from-1` is an extra some add.
 */
export const STANDARD_POSITION_READINGS = ['records-from-0', 'pages-from-1', 'pages-from-0'] as const;
export type PositionReadingName = (typeof STANDARD_POSITION_READINGS)[number] | 'records-from-1';

/** The position to send for the k-th page (k from 0) under a reading. */
export function positionOf(reading: PositionReadingName, k: number, pageSize: number): number {
  switch (reading) {
    case 'records-from-0':
      return k * pageSize;
    case 'records-from-1':
      return k * pageSize + 1;
    case 'pages-from-0':
      return k;
    case 'pages-from-1':
      return k + 1;
  }
}

/**
 * A listing's readings: `preferred` in order (the documented one first), then every standard reading not
 * named, so no listing can leave one out. `params` turns the position (and page size) into the request.
 */
export function positionReadings<P>(
  preferred: readonly PositionReadingName[],
  params: (position: number, pageSize: number) => P,
): PageReading<P>[] {
  const names = [...new Set<PositionReadingName>([...preferred, ...STANDARD_POSITION_READINGS])];
  return names.map((name) => ({ name, params: (k, size) => params(positionOf(name, k, size), size) }));
}

/** One page as the vendor answered it; `pageSize` and `totalPages` only where the vendor reports them. */
export interface Page<T> {
  items: T[];
  total?: number;
  pageSize?: number;
  totalPages?: number;
}

/**
 * A listing read to the end (or not). `complete` only on the vendor's own evidence: the count read equals
 * the total it reported. Without a total nothing proves the end (a short or empty page may be a truncated
 * answer), so the listing is incomplete; an empty listing is a fleet of zero only when the total says 0.
 */
export interface PagedResult<T> {
  items: T[];
  /** The total the API reported last; undefined when it reported none. */
  total?: number;
  complete: boolean;
  /** The reading that produced the last new items (the first one tried when none did). */
  reading: string;
}

export interface ReadPagesOptions<T, P> {
  /** In order of likelihood: the first is the documented reading. */
  readings: readonly PageReading<P>[];
  fetch: (params: P) => Promise<Page<T>>;
  idOf: (item: T) => string;
  /** The page size asked for; a server that answers with fewer per page (or says so) wins. */
  pageSize: number;
  /** Pages in flight once a reading is trusted and the total is known. */
  concurrency?: number;
  /** Remembers the working reading under this key (endpoint + listing): a warm poll trusts it at once. */
  memoKey?: string;
  /** Upper bound on pages per reading; twice that bounds all calls of one listing. */
  maxPages?: number;
  /** Trust the first reading from its first page (a vendor whose documented reading is reliable). */
  trustFirstPage?: boolean;
  /** Each page's new items as the page arrives, so later calls need not wait for the last page. */
  onNew?: (items: T[]) => void;
}

export const DEFAULT_MAX_PAGES = 1_000;
const MAX_REMEMBERED_READINGS = 1_000;
const workingReading = new Map<string, string>();

/** Test hook: forget the remembered readings (a cold start). */
export function forgetReadings(): void {
  workingReading.clear();
}

/**
 * Reads every page. A reading ends on an empty page or one with nothing new for it (a server ignoring the
 * position); the next reading then fills the gaps. A reading is trusted on its first page when it worked
 * last time for this listing (or `trustFirstPage`), or when its second page is a full page of new items:
 * the remaining pages up to the reported total are then fetched concurrently. Stops as soon as the total is
 * reached, so the right reading costs no extra call; without a total, a short page ends the reading but the
 * listing stays incomplete (nothing the vendor said proves it ended).
 * Throws what `fetch` throws (items already read were given to `onNew`).
 */
export async function readPages<T, P>(options: ReadPagesOptions<T, P>): Promise<PagedResult<T>> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const maxCalls = maxPages * 2;
  const concurrency = options.concurrency ?? 1;
  const remembered = options.memoKey === undefined ? undefined : workingReading.get(options.memoKey);
  const readings = [...options.readings].sort(
    (a, b) => Number(b.name === remembered) - Number(a.name === remembered),
  );
  const byId = new Map<string, T>();
  let total: number | undefined;
  let totalPages: number | undefined;
  let size = options.pageSize;
  let calls = 0;
  let used = readings[0]?.name ?? 'none';

  const read = async (reading: PageReading<P>, k: number, seenHere: Set<string>) => {
    const first = calls === 0;
    calls++;
    const page = await options.fetch(reading.params(k, size));
    if (page.total !== undefined) total = page.total;
    if (page.totalPages !== undefined) totalPages = page.totalPages;
    if (first) size = serverPageSize(page, size);
    let fresh = 0;
    const added: T[] = [];
    for (const item of page.items) {
      const id = options.idOf(item);
      if (!seenHere.has(id)) {
        seenHere.add(id);
        fresh++;
      }
      if (!byId.has(id)) {
        byId.set(id, item);
        added.push(item);
      }
    }
    if (added.length > 0) {
      used = reading.name;
      options.onNew?.(added);
    }
    return { length: page.items.length, fresh, added: added.length };
  };
  const done = () => total !== undefined && byId.size >= total;
  const pagesOfTotal = () =>
    Math.min(maxPages, Math.max(totalPages ?? 0, Math.ceil((total ?? 0) / Math.max(1, size))));

  outer: for (const reading of readings) {
    const seenHere = new Set<string>();
    for (let k = 0; ; k++) {
      const bound = total === undefined ? maxPages : Math.min(maxPages, pagesOfTotal() + 2);
      if (k >= bound || calls >= maxCalls) break;
      const page = await read(reading, k, seenHere);
      if (done()) break outer;
      // No total: a short page is where this reading ends, and no other reading can be checked either.
      if (total === undefined && page.length < size) break outer;
      if (page.length === 0 || page.fresh === 0) break;
      const trusted =
        (k === 0 && (reading.name === remembered || (options.trustFirstPage && reading === readings[0]))) ||
        (k === 1 && page.added === size);
      if (trusted && total !== undefined) {
        const rest = Array.from({ length: Math.max(0, pagesOfTotal() - k - 1) }, (_, i) => k + 1 + i);
        await mapConcurrent(rest, concurrency, (index) => read(reading, index, seenHere));
        if (done()) break outer;
        break;
      }
    }
  }

  const items = [...byId.values()];
  const complete = total !== undefined && items.length === total;
  if (complete && items.length > 0 && options.memoKey !== undefined) {
    if (workingReading.size >= MAX_REMEMBERED_READINGS) workingReading.clear();
    workingReading.set(options.memoKey, used);
  }
  return { items, ...(total === undefined ? {} : { total }), complete, reading: used };
}

/** The server's page size wins: the one it reports, or a first page shorter than asked with more to come. */
export function serverPageSize(page: Page<unknown>, asked: number): number {
  if (page.pageSize !== undefined && page.pageSize > 0) return page.pageSize;
  const length = page.items.length;
  if (page.total !== undefined && length > 0 && length < asked && page.total > length) return length;
  return asked;
}
