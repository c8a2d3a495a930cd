/** Huawei Cloud MRS: job executions (V2) on clusters whose health (V1.1 cluster info and hosts) is watched too. */
import type { Provider } from '../types.js';
import { mrsActions } from './actions.js';
import { collectMrs } from './collector.js';
import { mrsEndpointFor, mrsOptionsSchema } from './config.js';

export const huaweiMrsProvider: Provider = {
  id: 'huawei-mrs',
  displayName: 'Huawei Cloud MRS',
  optionsSchema: mrsOptionsSchema,
  endpointFor: mrsEndpointFor,
  collect: collectMrs,
  actions: mrsActions,
};
