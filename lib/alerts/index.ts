/** Alert routing and chat channels: the surface the runtime, the CLI and the operator API use. */
export {
  CHANNEL_FACTORIES,
  CHANNEL_TYPES,
  type ChannelConfig,
  channelConfigSchema,
  createChannel,
  defineChannel,
  registerChannel,
} from './channels/registry.js';
export type {
  AlertGroupMessage,
  AlertView,
  Channel,
  ChannelConfigBase,
  ChannelDeps,
  ChannelPlugin,
  ChannelType,
  NotifyResult,
} from './channels/types.js';
export {
  type AlertingConfig,
  alertingProblems,
  alertingSchema,
  DEFAULT_INHIBIT_RULES,
  DEFAULT_ROUTE_OPTIONS,
} from './config.js';
export { clearDeadLetters, DEADLETTER_PK, type DeadLetter, listDeadLetters } from './deadletters.js';
export { type NotificationLogEntry, needsUpdate } from './dedup.js';
export { formatMatcher, type Matcher, matcherSchema, matchesAll } from './matchers.js';
export {
  createNotifier,
  GROUP_PK,
  type Notifier,
  type NotifierDeps,
  type NotifyDetail,
  type NotifyReport,
  nlogPk,
} from './notifier.js';
export {
  alertLabels,
  canUpdateSilence,
  createSilence,
  expireSilence,
  listSilences,
  type Silence,
  SilenceError,
  type SilenceInput,
  silenceInputSchema,
  silenceState,
} from './silences.js';
