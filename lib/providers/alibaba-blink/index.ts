/**
 * Alibaba Cloud Realtime Compute (Blink exclusive mode, OpenAPI product `foas`, version 2018-11-11).
 * Only the Provider crosses this boundary; vendor shapes stay inside the folder.
 */
import { defineProvider } from '../define.js';
import { blinkActions } from './actions.js';
import { collectBlink } from './collector.js';
import { blinkDescriptor } from './config.js';

export const alibabaBlinkProvider = defineProvider(blinkDescriptor, {
  collect: collectBlink,
  actions: blinkActions,
});
