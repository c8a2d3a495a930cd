import { createHash } from 'node:crypto';

/**
 * Same finding on the same resource gives the same fingerprint across polls and processes.
 * `discriminator` separates findings of one type on one resource (e.g. the metric name).
 */
export function fingerprint(type: string, resourceKey: string, discriminator = ''): string {
  return createHash('sha256')
    .update(`${type}\u0000${resourceKey}\u0000${discriminator}`)
    .digest('hex')
    .slice(0, 16);
}

/** A deterministic event id, so an event re-published after a retry is recognisable as the same one. */
export function eventId(fingerprintHex: string, status: string, atMs: number): string {
  return createHash('sha256').update(`${fingerprintHex}/${status}/${atMs}`).digest('hex').slice(0, 32);
}
