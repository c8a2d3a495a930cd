import { describe, expect, it } from 'vitest';
import { containerRef, jobRef } from '../../lib/detect/describe.js';
import type { ResourceRef } from '../../lib/events/index.js';
import { asTarget, SANDBOX_PROVIDERS, useRemediationHarness } from './sandbox-harness.js';

/**
 * `actions.readState` is what remediation checks a finding against just before acting, so it must say what
 * the collector would say at the same instant: for every resource of each provider's test scenario that
 * some action can touch, at several moments of the scripted story (the simulated clock stands still in
 * between), over real sockets.
 */

const startHarness = useRemediationHarness();

const PROVIDERS = [
  SANDBOX_PROVIDERS['alibaba-blink'],
  SANDBOX_PROVIDERS['huawei-dli'],
  SANDBOX_PROVIDERS['huawei-mrs'],
];

describe.each(PROVIDERS)('$id readState', ({ load }) => {
  it('agrees with the collector on every actionable job and queue, through the scripted story', async () => {
    const h = await startHarness({ of: { load }, remediation: {}, speed: 0 });
    const { provider } = h;
    let compared = 0;
    for (const stepMs of [0, 120_000, 300_000]) {
      h.clock.advance(stepMs);
      const snapshot = await provider.collect(h.target, h.ctx);
      const seen: { ref: ResourceRef; says: string }[] = [
        ...snapshot.jobs.map((j) => ({ ref: jobRef(j), says: `${j.state} ${j.instanceId ?? '-'}` })),
        ...snapshot.containers.map((c) => ({ ref: containerRef(c), says: c.health })),
      ];
      for (const { ref, says } of seen) {
        const resource = asTarget(ref);
        if (provider.actions.supports(resource).length === 0) continue;
        const current = await provider.actions.readState(h.target, resource, h.ctx);
        const reads =
          current.kind === 'job' ? `${current.state} ${current.instanceId ?? '-'}` : current.health;
        // The collector may know an instance the one read does not name, never a different one.
        const comparable =
          current.kind === 'job' && current.instanceId === undefined ? says.replace(/ .*$/, ' -') : says;
        expect(`${ref.name}: ${reads}`).toBe(`${ref.name}: ${comparable}`);
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(3);
  });
});
