/**
 * The channel registry: every receiver type `channels:` may name. The config schema and the notifier read
 * it; nothing else lists channel types.
 *
 * Adding a channel: its folder `lib/alerts/channels/<type>/` (config schema + constructor) and its line in
 * BUILT_IN below (plus its emulation in lib/sandbox/chat-sink.ts, for the demo and the tests, which the
 * compiler asks for). test/providers/registry.test.ts fails when a channel folder is not registered.
 */
import { z } from 'zod';
import { PluginEntries, registryBacked } from '../../config/registry-schema.js';
import { createDingtalkChannel, dingtalkConfigSchema } from './dingtalk/index.js';
import { createFeishuChannel, feishuConfigSchema } from './feishu/index.js';
import { createOpsgenieChannel, opsgenieConfigSchema } from './opsgenie/index.js';
import { createPagerdutyChannel, pagerdutyConfigSchema } from './pagerduty/index.js';
import { createSlackChannel, slackConfigSchema } from './slack/index.js';
import type { Channel, ChannelConfigBase, ChannelDeps, ChannelPlugin } from './types.js';
import { createWebhookChannel, webhookChannelConfigSchema } from './webhook/index.js';
import { createWecomChannel, wecomConfigSchema } from './wecom/index.js';

/** A channel plugin from its type, its strict config schema and its constructor, typed together. */
export function defineChannel<const T extends string, C extends ChannelConfigBase>(
  type: T,
  configSchema: z.ZodObject & z.ZodType<C>,
  create: (config: C, deps: ChannelDeps) => Channel,
): ChannelPlugin<T, C> {
  return { type, configSchema, create };
}

const BUILT_IN = [
  defineChannel('slack', slackConfigSchema, createSlackChannel),
  defineChannel('dingtalk', dingtalkConfigSchema, createDingtalkChannel),
  defineChannel('feishu', feishuConfigSchema, createFeishuChannel),
  defineChannel('wecom', wecomConfigSchema, createWecomChannel),
  defineChannel('webhook', webhookChannelConfigSchema, createWebhookChannel),
  defineChannel('pagerduty', pagerdutyConfigSchema, createPagerdutyChannel),
  defineChannel('opsgenie', opsgenieConfigSchema, createOpsgenieChannel),
] as const;

/** The channel types jobwatch ships; the chat sink emulates each one. */
export type BuiltInChannelType = (typeof BUILT_IN)[number]['type'];
export const CHANNEL_TYPES: readonly BuiltInChannelType[] = BUILT_IN.map((c) => c.type);

/** A validated channel config: the common fields, and the rest as its type's schema made them. */
export type ChannelConfig = ChannelConfigBase & { [field: string]: unknown };

type Factory = (config: ChannelConfig, deps: ChannelDeps) => Channel;

/** Every registered channel type and its constructor, live; the conformance suite runs over the built-ins. */
export const CHANNEL_FACTORIES: Readonly<Record<string, Factory>> = Object.create(null);

const registered = new PluginEntries<ChannelPlugin, Factory>(
  CHANNEL_FACTORIES as Record<string, Factory>,
  (entry) => (config, deps) => entry.create(config, deps),
);

/**
 * Makes a channel type known to config validation and the notifier. Its schema must be a strict object
 * whose `type` is the literal `plugin.type` and which has a `name`. Throws on a taken or malformed type.
 * Returns the function that removes it again (tests).
 */
export function registerChannel<T extends string, C extends ChannelConfigBase>(
  plugin: ChannelPlugin<T, C>,
): () => void {
  const shape = plugin.configSchema.shape as Record<string, z.ZodType>;
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(plugin.type))
    throw new Error(`channel type '${plugin.type}' must be lowercase letters, digits and dashes`);
  if (registered.has(plugin.type)) throw new Error(`channel type '${plugin.type}' is already registered`);
  if (!shape.type?.safeParse(plugin.type).success || !shape.name)
    throw new Error(
      `channel '${plugin.type}': its schema needs type: z.literal('${plugin.type}') and a name`,
    );
  return registered.add(plugin.type, plugin as unknown as ChannelPlugin);
}

export function registeredChannels(): readonly ChannelPlugin[] {
  return registered.values();
}

/** One receiver in `channels:`; the `type` picks the registered schema, and each schema is strict. */
export const channelConfigSchema = registryBacked<ChannelConfig>(
  () => registered.version,
  () => {
    const schemas = registeredChannels().map((c) => c.configSchema);
    return z.discriminatedUnion(
      'type',
      schemas as [z.ZodObject, ...z.ZodObject[]],
    ) as unknown as z.ZodType<ChannelConfig>;
  },
);

export function createChannel(config: ChannelConfig, deps: ChannelDeps): Channel {
  const plugin = registered.get(config.type);
  if (!plugin)
    throw new Error(`unknown channel type '${String(config.type)}'; valid: ${registered.keys().join(', ')}`);
  return plugin.create(config, deps);
}

for (const plugin of BUILT_IN) registerChannel(plugin as unknown as ChannelPlugin);
