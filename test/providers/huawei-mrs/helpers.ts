import type { MrsTarget } from '../../../lib/providers/huawei-mrs/config.js';
import { huaweiMrsProvider } from '../../../lib/providers/huawei-mrs/index.js';
import {
  createMrsSandboxPlugin,
  type MrsSandboxPluginOptions,
  type MrsWorld,
} from '../../../lib/providers/huawei-mrs/sandbox.js';
import { type HarnessOptions, type ProviderHarness, startProviderHarness } from '../harness.js';

export { MINUTE, summarize, T0 } from '../harness.js';

export interface MrsHarness extends Omit<ProviderHarness, 'target'> {
  target: MrsTarget;
  /** The emulator's world, for tests that script it directly. */
  world: MrsWorld;
}

/** Starts the sandbox with the MRS plugin and builds the target through the real config parser. */
export async function startMrsHarness(
  options: Omit<HarnessOptions, 'speed'> & { plugin?: MrsSandboxPluginOptions } = {},
): Promise<MrsHarness> {
  let world: MrsWorld | undefined;
  const { plugin: pluginOptions, ...rest } = options;
  const plugin = createMrsSandboxPlugin({ ...pluginOptions, onWorld: (w) => (world = w) });
  const harness = await startProviderHarness(huaweiMrsProvider, plugin, rest);
  return { ...harness, target: harness.target as MrsTarget, world: world as unknown as MrsWorld };
}
