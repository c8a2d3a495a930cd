/** Huawei Cloud DLI: Flink, Spark batch and SQL jobs and queues. */
import type { TargetConfig } from '../../config/schema.js';
import type { Provider, ProviderContext } from '../types.js';
import { dliActions } from './actions.js';
import type { DliTarget } from './client.js';
import { collectDli } from './collector.js';
import { dliEndpointFor, dliOptionsSchema } from './config.js';

export const huaweiDliProvider: Provider = {
  id: 'huawei-dli',
  displayName: 'Huawei Cloud DLI',
  optionsSchema: dliOptionsSchema,
  endpointFor: dliEndpointFor,
  async collect(target: TargetConfig, ctx: ProviderContext) {
    if (target.provider !== 'huawei-dli')
      throw new TypeError(`huawei-dli cannot collect ${target.provider} targets`);
    return collectDli(target as DliTarget, ctx);
  },
  actions: dliActions,
};
