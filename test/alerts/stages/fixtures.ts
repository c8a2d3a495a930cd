import type { AlertGroupMessage, Channel, NotifyResult } from '../../../lib/alerts/channels/types.js';
import { type CompiledRoute, routeTree } from '../../../lib/alerts/route.js';
import type { Candidate } from '../../../lib/alerts/stages/dedup.js';
import { evaluateGroup } from '../../../lib/alerts/stages/dedup.js';
import { type GroupState, groupTargets, mergeIntoGroup } from '../../../lib/alerts/stages/group.js';
import type { FlushMuter } from '../../../lib/alerts/stages/mute.js';
import { buildEvent } from '../../../lib/events/build.js';
import type { JobwatchEvent } from '../../../lib/events/schema.js';
import type { Logger } from '../../../lib/observability/logger.js';
import type { Store, StoreItem } from '../../../lib/state/store.js';
import { CHANNEL_CONFIGS, configWith, T0 } from '../helpers.js';

/** Stage tests: each stage alone, over a fresh dynalite store per test where it touches the store. */

export const ROUTE = {
  receiver: 'webhook',
  groupWaitSeconds: 30,
  groupIntervalSeconds: 300,
  repeatIntervalSeconds: 4 * 3600,
};

export const stageConfig = (alerting: Record<string, unknown> = {}) =>
  configWith({ channels: [CHANNEL_CONFIGS.webhook], route: ROUTE, ...alerting });

export { type StoreHarness, useStore } from '../helpers.js';

/** A remediation decision on Blink job `name`: a one-shot notification, never resolved. */
export function restartPerformed(name: string): JobwatchEvent {
  return buildEvent({
    type: 'remediation.performed',
    provider: 'alibaba-blink',
    targetId: 'prod-blink',
    region: 'cn-hangzhou',
    severity: 'info',
    status: 'firing',
    title: `Restarted ${name}`,
    summary: `Restarted ${name}`,
    startsAtMs: T0,
    resource: {
      key: `alibaba-blink/cn-hangzhou/project:p1/job:${name}`,
      kind: 'job',
      name,
      vendorId: name,
      scope: { kind: 'project', id: 'p1', name: 'p1' },
    },
  });
}

/** A logger that keeps what it was told, to check what a stage reports. */
export function recordingLogger(): Logger & {
  lines: { level: string; message: string; extra: unknown[] }[];
} {
  const lines: { level: string; message: string; extra: unknown[] }[] = [];
  const at =
    (level: string) =>
    (message: string, ...extra: unknown[]) =>
      lines.push({ level, message, extra });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A channel answering from a script (then ok); it keeps every message it was given. */
export function scriptedChannel(
  script: (NotifyResult | Error)[] = [],
  options: { sendResolved?: boolean } = {},
): Channel & { messages: AlertGroupMessage[] } {
  const messages: AlertGroupMessage[] = [];
  return {
    name: 'scripted',
    type: 'webhook',
    sendResolved: options.sendResolved ?? true,
    messages,
    async notify(message) {
      messages.push(message);
      const next = script.shift() ?? { ok: true };
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

/** Mutes nothing; acknowledges what `acks` holds. */
export const openMuter = (acks: FlushMuter['acks'] = new Map()): FlushMuter => ({
  mutes: () => undefined,
  acks,
});

/** The route the default config sends `event` to. */
export function routeOf(event: JobwatchEvent, tree: CompiledRoute = routeTree(stageConfig())) {
  const [target] = groupTargets(tree, () => true, event, recordingLogger());
  if (!target) throw new Error('no route for the event');
  return target;
}

/** The group the events make on the default route (of the first event), new at T0. */
export const groupOf = (events: JobwatchEvent[]) =>
  mergeIntoGroup(undefined, routeOf(events[0] as JobwatchEvent), events, T0) as GroupState;

/**
 * The events' group written to the store and judged as the flush would (no log entry, nothing muted):
 * a candidate as the storm, claim and record stages get it.
 */
export async function storedCandidate(
  store: Store,
  events: JobwatchEvent[],
  options: { channel?: Channel; nowMs?: number } = {},
): Promise<Candidate> {
  const nowMs = options.nowMs ?? T0;
  const target = routeOf(events[0] as JobwatchEvent);
  const group = mergeIntoGroup(undefined, target, events, nowMs);
  if (!group) throw new Error('the events make no group');
  const item = (await store.put(
    { pk: 'alert#group', sk: target.sk, data: group },
    { ifAbsent: true },
  )) as StoreItem<typeof group>;
  const channel = options.channel ?? scriptedChannel();
  const verdict = evaluateGroup({
    group,
    entry: undefined,
    muter: openMuter(),
    sendResolved: channel.sendResolved,
    repeatIntervalMs: target.route.options.repeatIntervalMs,
    nowMs,
  });
  if (!verdict.reason) throw new Error('the group has nothing to say');
  return { item, route: target.route, channel, entry: undefined, ...verdict, reason: verdict.reason };
}
