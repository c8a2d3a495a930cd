/**
 * Alibaba Cloud Realtime Compute (Blink exclusive mode, OpenAPI product `foas`, version 2018-11-11).
 * Only the Provider crosses this boundary; vendor shapes stay inside the folder.
 */
import type { TargetOf } from '../../config/schema.js';
import type { Provider } from '../types.js';
import { blinkActions } from './actions.js';
import { collectBlink } from './collector.js';
import { blinkEndpointFor, blinkOptionsSchema } from './config.js';

export const alibabaBlinkProvider: Provider = {
  id: 'alibaba-blink',
  displayName: 'Alibaba Cloud Realtime Compute (Blink)',
  optionsSchema: blinkOptionsSchema,
  endpointFor: blinkEndpointFor,
  async collect(target, ctx) {
    if (target.provider !== 'alibaba-blink') {
      const nowMs = ctx.now();
      return {
        targetId: target.id,
        provider: 'alibaba-blink',
        region: target.region,
        collectedAtMs: nowMs,
        durationMs: 0,
        jobs: [],
        containers: [],
        errors: [
          {
            kind: 'client-error',
            operation: 'collect',
            message: `target ${target.id} is a ${target.provider} target`,
            atMs: nowMs,
          },
        ],
        complete: false,
        apiCalls: {},
      };
    }
    return collectBlink(target as TargetOf<'alibaba-blink'>, ctx);
  },
  actions: blinkActions,
};
