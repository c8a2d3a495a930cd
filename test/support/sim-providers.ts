import { defineProvider } from '../../lib/providers/define.js';
import { createDliActions } from '../../lib/providers/huawei-dli/actions.js';
import { collectDli } from '../../lib/providers/huawei-dli/collector.js';
import { dliDescriptor } from '../../lib/providers/huawei-dli/config.js';
import type { Provider } from '../../lib/providers/types.js';

/**
 * The DLI provider whose actions' verification waits move a simulated clock (speed 0) instead of waiting:
 * the emulator's transitions then fall between the same reads however slowly the machine runs.
 */
export function dliProviderOnClock(clock: { advance(ms: number): void }): Provider {
  return defineProvider(dliDescriptor, {
    collect: collectDli,
    actions: createDliActions({
      sleep: async (ms) => {
        clock.advance(ms);
      },
    }),
  });
}
