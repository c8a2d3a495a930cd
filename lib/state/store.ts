/**
 * The one persistence interface. One implementation (DynamoDB), run against AWS in production and an
 * embedded dynalite locally and in tests, so every environment takes the same code path.
 *
 * Items live in one table under (pk, sk). Conventions for keys, so modules never collide:
 *   detection state   pk `detect#<targetId>`        sk `<resourceKey>`
 *   alert groups      pk `alert#group`               sk `<receiver>#<groupKey>`
 *   notification log  pk `alert#nlog#<receiver>`     sk `<groupKey>`
 *   remediation audit pk `remediation#audit`         sk `<atMs padded>#<id>`
 *   locks and leases  pk `lock#<name>`               sk `lock`
 */

export interface StoreItem<T = unknown> {
  pk: string;
  sk: string;
  data: T;
  /** Incremented on every write; the basis of optimistic concurrency. */
  version: number;
  updatedAtMs: number;
  /** Epoch seconds at which DynamoDB TTL may delete the item (the TTL attribute's unit is seconds). */
  expiresAtSec?: number;
}

export interface PutInput<T> {
  pk: string;
  sk: string;
  data: T;
  expiresAtSec?: number;
}

/** Write conditions for anything that must happen once. */
export type WriteCondition = { ifAbsent: true; ifVersion?: never } | { ifVersion: number; ifAbsent?: never };

export interface QueryOptions {
  /** Only items whose sk starts with this prefix. */
  prefix?: string;
  /** Return at most this many (all pages are read otherwise). */
  limit?: number;
  /** Newest (highest sk) first. */
  descending?: boolean;
  consistent?: boolean;
}

/** The current holder of a lease, returned when acquiring fails. */
export interface LeaseHolder {
  owner: string;
  expiresAtMs: number;
}

export type LeaseResult = { acquired: true; expiresAtMs: number } | { acquired: false; holder: LeaseHolder };

export class ConditionFailedError<T = unknown> extends Error {
  override name = 'ConditionFailedError';
  /** The item as it is now, when the store could read it. */
  readonly existing?: StoreItem<T>;
  constructor(message: string, existing?: StoreItem<T>, options?: ErrorOptions) {
    super(message, options);
    this.existing = existing;
  }
}

export interface Store {
  get<T>(pk: string, sk: string, options?: { consistent?: boolean }): Promise<StoreItem<T> | undefined>;
  /** Reads many items by key (batched under the hood); missing ones are absent from the result. */
  getMany<T>(keys: { pk: string; sk: string }[], options?: { consistent?: boolean }): Promise<StoreItem<T>[]>;
  query<T>(pk: string, options?: QueryOptions): Promise<StoreItem<T>[]>;
  /** Writes one item; with a condition, throws ConditionFailedError (carrying the current item) when unmet. */
  put<T>(item: PutInput<T>, condition?: WriteCondition): Promise<StoreItem<T>>;
  /** Unconditional batch write (batched and retried for unprocessed items under the hood). */
  putMany<T>(items: PutInput<T>[]): Promise<void>;
  delete(pk: string, sk: string, condition?: { ifVersion: number }): Promise<void>;
  /**
   * Takes a lease on `name` for `owner` until now + leaseMs, with one conditional write: granted when free,
   * expired, or already held by the same owner. Reads are consistent.
   */
  acquireLease(name: string, owner: string, leaseMs: number, nowMs: number): Promise<LeaseResult>;
  releaseLease(name: string, owner: string): Promise<void>;
  close(): Promise<void>;
}
