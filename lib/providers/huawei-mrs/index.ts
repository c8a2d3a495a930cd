/** Huawei Cloud MRS: job executions (V2) on clusters whose health (V1.1 cluster info and hosts) is watched too. */
import { defineProvider } from '../define.js';
import { mrsActions } from './actions.js';
import { collectMrs } from './collector.js';
import { mrsDescriptor } from './config.js';

export const huaweiMrsProvider = defineProvider(mrsDescriptor, { collect: collectMrs, actions: mrsActions });
