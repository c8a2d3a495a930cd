import { huaweiDliProvider } from '../../../lib/providers/huawei-dli/index.js';
import { huaweiDliSandboxPlugin } from '../../../lib/providers/huawei-dli/sandbox.js';
import { type HarnessOptions, type ProviderHarness, startProviderHarness } from '../harness.js';

export { count, MINUTE, SECOND, summarize, T0 } from '../harness.js';
export type DliHarness = ProviderHarness;

/** The DLI emulator and a collect + detect poll over real sockets (see ../harness.ts). */
export function startDliHarness(options: HarnessOptions = {}): Promise<DliHarness> {
  return startProviderHarness(huaweiDliProvider, huaweiDliSandboxPlugin, options);
}
