/**
 * Alibaba Cloud Realtime Compute for Apache Flink (development-console OpenAPI `ververica`, 2022-07-18).
 * Only the Provider crosses this boundary; vendor shapes stay inside the folder.
 */
import { defineProvider } from '../define.js';
import { flinkActions } from './actions.js';
import { collectFlink } from './collector.js';
import { flinkDescriptor } from './config.js';

export const alibabaFlinkProvider = defineProvider(flinkDescriptor, {
  collect: collectFlink,
  actions: flinkActions,
});
