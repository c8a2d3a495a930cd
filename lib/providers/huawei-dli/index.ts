/** Huawei Cloud DLI: Flink, Spark batch and SQL jobs and queues. */
import { defineProvider } from '../define.js';
import { dliActions } from './actions.js';
import { collectDli } from './collector.js';
import { dliDescriptor } from './config.js';

export const huaweiDliProvider = defineProvider(dliDescriptor, { collect: collectDli, actions: dliActions });
