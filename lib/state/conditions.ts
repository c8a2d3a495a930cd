/**
 * DynamoDB condition expressions, built from named fragments so each rule reads on its own (the pattern of
 * Powertools' idempotency persistence layer, `DynamoDBPersistenceLayer._putRecord`). Attribute names are
 * always aliased (`#pk`, `#data`): `data` and `version` are not reserved words today, but aliasing every
 * name keeps a future attribute from tripping over DynamoDB's 573-word reserved list.
 */

export interface Expression {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/** The item does not exist yet: nothing has claimed this key. */
export const itemIsAbsent = (): Expression => ({
  expression: 'attribute_not_exists(#pk)',
  names: { '#pk': 'pk' },
  values: {},
});

/**
 * The item's TTL has passed. DynamoDB deletes expired items lazily (typically within days), so an item
 * past its TTL counts as absent: reads hide it and "write if absent" may replace it.
 */
export const itemIsExpired = (nowSec: number): Expression => ({
  expression: '#expiresAtSec <= :nowSec',
  names: { '#expiresAtSec': 'expiresAtSec' },
  values: { ':nowSec': nowSec },
});

/** The item is exactly the version the writer read: nobody wrote in between (optimistic concurrency). */
export const versionIs = (version: number): Expression => ({
  expression: '#version = :expectedVersion',
  names: { '#version': 'version' },
  values: { ':expectedVersion': version },
});

/** The lease's holder let it lapse: its expiry is at or before now (both epoch ms). */
export const leaseExpired = (nowMs: number): Expression => ({
  expression: '#data.#expiresAtMs <= :nowMs',
  names: { '#data': 'data', '#expiresAtMs': 'expiresAtMs' },
  values: { ':nowMs': nowMs },
});

/** The caller already holds the lease: renewing it is allowed. */
export const leaseHeldBy = (owner: string): Expression => ({
  expression: '#data.#owner = :owner',
  names: { '#data': 'data', '#owner': 'owner' },
  values: { ':owner': owner },
});

export function anyOf(...parts: Expression[]): Expression {
  return combine(' OR ', parts);
}

function combine(joiner: string, parts: Expression[]): Expression {
  return {
    expression: parts.map((p) => `(${p.expression})`).join(joiner),
    names: Object.assign({}, ...parts.map((p) => p.names)),
    values: Object.assign({}, ...parts.map((p) => p.values)),
  };
}

/** "Write if absent": no item, or only one whose TTL has passed. */
export const slotIsFree = (nowSec: number): Expression => anyOf(itemIsAbsent(), itemIsExpired(nowSec));

/** The one-attempt lease rule: free, OR expired, OR already ours. */
export const leaseAvailable = (owner: string, nowMs: number): Expression =>
  anyOf(itemIsAbsent(), leaseExpired(nowMs), leaseHeldBy(owner));
