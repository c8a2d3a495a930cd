/**
 * Alibaba Cloud Realtime Compute for Apache Flink (development-console OpenAPI `ververica`, 2022-07-18).
 * Only the Provider crosses this boundary; vendor shapes stay inside the folder.
 */
import type { TargetConfig } from '../../config/schema.js';
import { emptySnapshot } from '../shared.js';
import type { Provider, ProviderContext } from '../types.js';
import { flinkActions } from './actions.js';
import { collectFlink, type FlinkTarget } from './collector.js';
import { flinkEndpointFor, flinkOptionsSchema } from './config.js';

export const alibabaFlinkProvider: Provider = {
  id: 'alibaba-flink',
  displayName: 'Alibaba Cloud Realtime Compute for Apache Flink',
  optionsSchema: flinkOptionsSchema,
  endpointFor: flinkEndpointFor,
  async collect(target: TargetConfig, ctx: ProviderContext) {
    if (target.provider === 'alibaba-flink') return collectFlink(target as FlinkTarget, ctx);
    const nowMs = ctx.now();
    const snapshot = emptySnapshot({ ...target, provider: 'alibaba-flink' }, nowMs);
    snapshot.complete = false;
    snapshot.errors.push({
      kind: 'client-error',
      operation: 'collect',
      message: `target ${target.id} is a ${target.provider} target`,
      atMs: nowMs,
    });
    return snapshot;
  },
  actions: flinkActions,
};
