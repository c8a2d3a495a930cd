import { createHash } from 'node:crypto';
import { flat } from '../text/flat.js';

/**
 * Same finding on the same resource gives the same fingerprint across polls and processes.
 * `discriminator` separates findings of one type on one resource (e.g. the metric name).
 */
export function fingerprint(type: string, resourceKey: string, discriminator = ''): string {
  // Each resource's findings recur poll after poll; a bounded memo saves the hash (the value is the same).
  // Keyed by resource first: the key string is the snapshot's own (its hash is computed once), and no
  // concatenated key is made per call.
  let byFinding = recent.get(resourceKey);
  const finding = discriminator ? `${type}\u0000${discriminator}` : type;
  let value = byFinding?.get(finding);
  if (value === undefined) {
    value = createHash('sha256')
      .update(`${type}\u0000${resourceKey}\u0000${discriminator}`)
      .digest('hex')
      .slice(0, 16);
    if (!byFinding) {
      if (recent.size >= MAX_REMEMBERED) recent.clear();
      byFinding = new Map();
      recent.set(resourceKey, byFinding);
    }
    byFinding.set(finding, value);
  }
  return value;
}

/** Resources remembered (each with the few finding types seen on it). */
const MAX_REMEMBERED = 100_000;
const recent = new Map<string, Map<string, string>>();

/**
 * A deterministic event id, so an event re-published after a retry is recognisable as the same one:
 * `<fingerprint>-<status>-<atMs>`, e.g. `f34ffd95ee0323de-firing-1795392060000`. The three parts are
 * written out rather than hashed (a sha256 per event was a tenth of detection's cost): the fingerprint has
 * a fixed length and the status no dash, so two different (fingerprint, status, time) triples never give
 * the same id, and the same occurrence gives the same id in every process.
 */
export function eventId(fingerprintHex: string, status: string, atMs: number): string {
  return flat(`${fingerprintHex}-${status}-${atMs}`);
}
