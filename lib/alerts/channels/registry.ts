import { z } from 'zod';
import { createDingtalkChannel, dingtalkConfigSchema } from './dingtalk/index.js';
import { createFeishuChannel, feishuConfigSchema } from './feishu/index.js';
import { createOpsgenieChannel, opsgenieConfigSchema } from './opsgenie/index.js';
import { createPagerdutyChannel, pagerdutyConfigSchema } from './pagerduty/index.js';
import { createSlackChannel, slackConfigSchema } from './slack/index.js';
import type { Channel, ChannelDeps, ChannelType } from './types.js';
import { createWebhookChannel, webhookChannelConfigSchema } from './webhook/index.js';
import { createWecomChannel, wecomConfigSchema } from './wecom/index.js';

/** One receiver in `channels:`; the `type` picks the schema, and each schema is strict. */
export const channelConfigSchema = z.discriminatedUnion('type', [
  slackConfigSchema,
  dingtalkConfigSchema,
  feishuConfigSchema,
  wecomConfigSchema,
  webhookChannelConfigSchema,
  pagerdutyConfigSchema,
  opsgenieConfigSchema,
]);
export type ChannelConfig = z.infer<typeof channelConfigSchema>;

type Factory<T extends ChannelType> = (
  config: Extract<ChannelConfig, { type: T }>,
  deps: ChannelDeps,
) => Channel;

/** Every channel type and its constructor; the conformance suite runs over this record. */
export const CHANNEL_FACTORIES: { [T in ChannelType]: Factory<T> } = {
  slack: createSlackChannel,
  dingtalk: createDingtalkChannel,
  feishu: createFeishuChannel,
  wecom: createWecomChannel,
  webhook: createWebhookChannel,
  pagerduty: createPagerdutyChannel,
  opsgenie: createOpsgenieChannel,
};

export function createChannel(config: ChannelConfig, deps: ChannelDeps): Channel {
  const factory = CHANNEL_FACTORIES[config.type] as Factory<ChannelType> | undefined;
  if (!factory)
    throw new Error(
      `unknown channel type '${String(config.type)}'; valid: ${Object.keys(CHANNEL_FACTORIES).join(', ')}`,
    );
  return factory(config as never, deps);
}
