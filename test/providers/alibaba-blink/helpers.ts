import type { Config, TargetConfig } from '../../../lib/config/schema.js';
import { detect, type ResourceState } from '../../../lib/detect/index.js';
import { buildEvent, type JobwatchEvent } from '../../../lib/events/index.js';
import type { TargetSnapshot } from '../../../lib/model/snapshot.js';
import { alibabaBlinkProvider } from '../../../lib/providers/alibaba-blink/index.js';
import { alibabaBlinkSandboxPlugin } from '../../../lib/providers/alibaba-blink/sandbox.js';
import type { ProviderContext } from '../../../lib/providers/types.js';

import { type HarnessOptions, type ProviderHarness, startProviderHarness } from '../harness.js';

export { actionTarget, jobByName } from '../harness.js';

export const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

export interface Harness extends ProviderHarness {
  collect(target?: TargetConfig, ctx?: Partial<ProviderContext>): Promise<TargetSnapshot>;
}

/** The Blink emulator (see ../harness.ts), its clock at T0, and a collect with optional context overrides. */
export async function startBlinkSandbox(
  options: Pick<HarnessOptions, 'fleet' | 'extraTargets'> & { scenario?: 'test' | 'demo' | 'fleet' } = {},
): Promise<Harness> {
  const harness = await startProviderHarness(alibabaBlinkProvider, alibabaBlinkSandboxPlugin, {
    ...options,
    startMs: T0,
    env: { WRONG_SK: 'not-the-sandbox-secret' },
  });
  return {
    ...harness,
    collect: (t = harness.target, overrides = {}) =>
      alibabaBlinkProvider.collect(t, { ...harness.ctx, ...overrides }),
  };
}

/** Runs detection over successive snapshots, keeping the state like the runtime does. */
export function detector(config: Config, target: TargetConfig) {
  let previous = new Map<string, ResourceState>();
  return (snapshot: TargetSnapshot, nowMs: number): JobwatchEvent[] => {
    const out = detect({ target, defaults: config.defaults.rules, snapshot, previous, nowMs });
    previous = out.next;
    return out.drafts.map(buildEvent);
  };
}

/** `type status job` lines, for exact-count assertions. */
export function eventLines(events: JobwatchEvent[]): string[] {
  return events.map((e) => `${e.data.type} ${e.data.status} ${e.data.resource.name}`);
}
