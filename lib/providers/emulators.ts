/**
 * Every provider's sandbox emulator, for tests, the demo, the local zero-config run and the benchmark.
 * Kept apart from registry.ts on purpose: production code (functions/, lib/runtime, each provider's
 * index.ts, registry.ts) never imports this module or any `sandbox.ts`, so no emulator and none of its
 * demo credentials reach a Lambda bundle (test/deploy/package.test.ts greps the packages for them).
 */
import type { ProviderId } from '../model/snapshot.js';
import type { SandboxPlugin } from '../sandbox/types.js';
import { alibabaBlinkSandboxPlugin } from './alibaba-blink/sandbox.js';
import { alibabaFlinkSandboxPlugin } from './alibaba-flink/sandbox.js';
import { huaweiDliSandboxPlugin } from './huawei-dli/sandbox.js';
import { huaweiMrsSandboxPlugin } from './huawei-mrs/sandbox.js';

/** One line per provider, next to its line in registry.ts. */
export const EMULATORS_BY_PROVIDER: Record<ProviderId, SandboxPlugin> = {
  'alibaba-blink': alibabaBlinkSandboxPlugin,
  'alibaba-flink': alibabaFlinkSandboxPlugin,
  'huawei-dli': huaweiDliSandboxPlugin,
  'huawei-mrs': huaweiMrsSandboxPlugin,
};

export const ALL_EMULATORS: SandboxPlugin[] = Object.values(EMULATORS_BY_PROVIDER);
