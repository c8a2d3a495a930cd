import { afterAll } from 'vitest';
import { closeHuaweiClients } from '../../../lib/providers/huawei/index.js';
import { clearDliDetailCache } from '../../../lib/providers/huawei-dli/collector.js';
import { huaweiDliProvider } from '../../../lib/providers/huawei-dli/index.js';
import { huaweiDliSandboxPlugin } from '../../../lib/providers/huawei-dli/sandbox.js';
import {
  type HarnessOptions,
  harnessPerTest,
  type ProviderHarness,
  startProviderHarness,
} from '../harness.js';

export { count, MINUTE, SECOND, summarize, T0 } from '../harness.js';
export type DliHarness = ProviderHarness;

/** The DLI emulator and a collect + detect poll over real sockets (see ../harness.ts). */
export function startDliHarness(options: HarnessOptions = {}): Promise<DliHarness> {
  return startProviderHarness(huaweiDliProvider, huaweiDliSandboxPlugin, options);
}

/**
 * A fresh DLI harness for each test of the file, the collector's detail cache cleared first (no test sees
 * another's cached details); the shared Huawei clients are closed after the file.
 */
export function useDliHarnessPerTest(options: HarnessOptions = {}): DliHarness {
  afterAll(() => closeHuaweiClients());
  return harnessPerTest(() => {
    clearDliDetailCache();
    return startDliHarness(options);
  });
}
