import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../../lib/alerts/stages/dedup.js';
import { batchByRoute, stormSplit } from '../../../lib/alerts/stages/storm.js';
import { T0 } from '../helpers.js';

/** Only what the storm stage reads: route, receiver, creation time, firing severities. */
function candidate(
  name: string,
  severity: 'critical' | 'warning' | 'info' | undefined,
  createdAtMs: number,
  routeId = 'root',
) {
  return {
    item: { sk: name, data: { receiver: 'webhook', createdAtMs } },
    route: { id: routeId },
    firing: severity ? [{ severity }] : [],
  } as unknown as Candidate;
}

const names = (list: Candidate[]) => list.map((c) => c.item.sk);

describe('stage storm', () => {
  const all = [
    candidate('old-warning', 'warning', T0),
    candidate('resolved-only', undefined, T0 - 5000),
    candidate('new-critical', 'critical', T0 + 2000),
    candidate('old-critical', 'critical', T0 + 1000),
    candidate('info', 'info', T0),
  ];

  it('under the cap: every group on its own, most severe and oldest first', () => {
    // Act
    const { individual, folded } = stormSplit(all, 5);
    // Assess
    expect(names(individual)).toEqual([
      'old-critical',
      'new-critical',
      'old-warning',
      'info',
      'resolved-only',
    ]);
    expect(folded).toEqual([]);
  });

  it('over the cap: cap - 1 on their own, the least severe folded into the digest (the cap counts it)', () => {
    // Act
    const { individual, folded } = stormSplit(all, 3);
    // Assess
    expect(names(individual)).toEqual(['old-critical', 'new-critical']);
    expect(names(folded)).toEqual(['old-warning', 'info', 'resolved-only']);
  });

  it('batches candidates per route and receiver', () => {
    // Act
    const batches = batchByRoute([...all, candidate('child', 'critical', T0, 'root.0')]);
    // Assess
    expect(batches.map(names)).toEqual([names(all), ['child']]);
  });
});
