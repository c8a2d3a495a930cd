import { createHash } from 'node:crypto';

/**
 * Same finding on the same resource gives the same fingerprint across polls and processes.
 * `discriminator` separates findings of one type on one resource (e.g. the metric name).
 */
export function fingerprint(type: string, resourceKey: string, discriminator = ''): string {
  const input = `${type}\u0000${resourceKey}\u0000${discriminator}`;
  let value = recent.get(input);
  if (value === undefined) {
    value = createHash('sha256').update(input).digest('hex').slice(0, 16);
    // Each resource's findings recur poll after poll; a bounded memo saves the hash (the value is the same).
    if (recent.size >= MAX_REMEMBERED) recent.clear();
    recent.set(input, value);
  }
  return value;
}

const MAX_REMEMBERED = 100_000;
const recent = new Map<string, string>();

/** A deterministic event id, so an event re-published after a retry is recognisable as the same one. */
export function eventId(fingerprintHex: string, status: string, atMs: number): string {
  return createHash('sha256').update(`${fingerprintHex}/${status}/${atMs}`).digest('hex').slice(0, 32);
}
