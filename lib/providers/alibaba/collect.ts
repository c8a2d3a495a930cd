/**
 * What the two Alibaba Cloud collectors (Blink, Flink) share: the endpoint a target talks to, the frame of
 * one poll (client, call context, read memory), and the one way they read a paged listing (pageIndex from 1,
 * the other readings tried too, the total checked).
 */
import { HttpCallError } from '../../http/errors.js';
import type { CollectionError, ProviderId, TargetSnapshot } from '../../model/snapshot.js';
import { createJobFilter } from '../../text/glob.js';
import { type Page, type PageReading, positionReadings, readPages } from '../paging.js';
import { beginPoll, endPoll, type JobMemoryBase, type TargetMemory } from '../read-memory.js';
import { collectTarget, toCollectionError } from '../shared.js';
import { pollCallContext, type VendorCallContext } from '../shared-client.js';
import type { ProviderContext } from '../types.js';

/** The configured endpoint, else the region's; neither is a configuration error naming the region. */
export function alibabaEndpoint(
  target: { endpoint?: string | undefined; region: string },
  endpointFor: (region: string) => string | undefined,
): string {
  const endpoint = target.endpoint ?? endpointFor(target.region);
  if (!endpoint) {
    throw new HttpCallError(`unknown region '${target.region}' and no endpoint configured`, {
      kind: 'config',
      operation: 'resolve-endpoint',
      attempts: 0,
    });
  }
  return endpoint;
}

/** What one poll of an Alibaba target hands its reads. */
export interface AlibabaPoll<C> {
  client: C;
  /** The poll's call context: one limiter for the target, the call counts, the clock and deadline. */
  call: VendorCallContext;
  snapshot: TargetSnapshot;
  /** The target's job filter (`jobs:` include and exclude globs), made once a poll. */
  wanted: (name: string) => boolean;
  /**
   * Reads a listing to the end at the target's page size (and concurrency, unless the listing says): short of
   * the reported total is an 'incomplete' error in the snapshot, a failed call is the call's error, with what
   * was read before it. Never throws.
   */
  list<T>(listing: AlibabaListing<T>): Promise<{ items: T[]; complete: boolean }>;
}

export interface AlibabaListing<T> {
  operation: string;
  /** What the items are, for the incomplete-listing error ("deployments", "jobs of deployment x"). */
  what: string;
  keyOf: (item: T) => string;
  fetch: (pageIndex: number) => Promise<Page<T>>;
  /** Pages in flight once the total is known; the target's concurrency when not given. */
  concurrency?: number;
  /** The page size `fetch` asks for; the target's page size when not given. */
  pageSize?: number;
  /** Called with each page's new items as the page arrives, so later calls need not wait for the last page. */
  onNew?: (items: T[]) => void;
}

/** How a provider's listings are bounded and what its reported total is called (for the error text). */
export interface AlibabaListings {
  totalName: string;
  maxPages: number;
}

/**
 * One poll of an Alibaba target: its client, one call context for the poll and the process's read memory of
 * the target open around the reads; jobs in key order. Never throws.
 */
export function collectAlibaba<T extends AlibabaTarget, C, M extends TargetMemory<JobMemoryBase>>(
  target: T,
  ctx: ProviderContext,
  open: { client: (target: T, ctx: ProviderContext) => Promise<C>; memory: M; listings: AlibabaListings },
  read: (poll: AlibabaPoll<C>) => Promise<void>,
): Promise<TargetSnapshot> {
  return collectTarget(
    target,
    ctx,
    async (snapshot) => {
      const client = await open.client(target, ctx);
      const call = pollCallContext(ctx, snapshot, target.options.concurrency);
      const list = <I>(listing: AlibabaListing<I>) =>
        readListing(listing, {
          ...open.listings,
          pageSize: listing.pageSize ?? target.options.pageSize,
          concurrency: listing.concurrency ?? target.options.concurrency,
          errors: snapshot.errors,
          nowMs: () => call.now(),
        });
      beginPoll(open.memory);
      try {
        await read({ client, call, snapshot, wanted: createJobFilter(target.jobs), list });
      } finally {
        endPoll(open.memory);
      }
    },
    { sortJobs: true },
  );
}

interface AlibabaTarget {
  id: string;
  provider: ProviderId;
  region: string;
  endpoint?: string | undefined;
  jobs: { include: string[]; exclude: string[] };
  options: { concurrency: number; pageSize: number };
}

/** Pages as the docs count them (from 1), then from 0, then as records, for servers that do not. */
const PAGE_INDEX_READINGS: PageReading<number>[] = positionReadings(['pages-from-1'], (position) => position);

async function readListing<T>(
  options: AlibabaListing<T>,
  poll: AlibabaListings & {
    pageSize: number;
    concurrency: number;
    errors: CollectionError[];
    nowMs: () => number;
  },
): Promise<{ items: T[]; complete: boolean }> {
  const read: T[] = [];
  try {
    const listed = await readPages({
      readings: PAGE_INDEX_READINGS,
      fetch: options.fetch,
      idOf: options.keyOf,
      pageSize: poll.pageSize,
      concurrency: poll.concurrency,
      maxPages: poll.maxPages,
      trustFirstPage: true,
      onNew: (items) => {
        read.push(...items);
        options.onNew?.(items);
      },
    });
    if (!listed.complete) {
      const expected =
        listed.total === undefined
          ? `the API reported no ${poll.totalName}, so nothing shows the listing is whole`
          : `the API reported ${listed.total}`;
      poll.errors.push({
        kind: 'incomplete',
        operation: options.operation,
        message: `${options.operation}: read ${listed.items.length} ${options.what} but ${expected}`,
        atMs: poll.nowMs(),
      });
    }
    return { items: listed.items, complete: listed.complete };
  } catch (error) {
    poll.errors.push(toCollectionError(error, options.operation, poll.nowMs()));
    return { items: read, complete: false };
  }
}
