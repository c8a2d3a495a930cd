import { createNotifier, type Notifier } from '../alerts/index.js';
import type { Config } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import type { EventBus } from '../events/bus.js';
import { eventKind } from '../events/payloads.js';
import { recordRecentEvents } from '../events/recent-events.js';
import type { JobwatchEvent } from '../events/schema.js';
import type { Logger } from '../observability/logger.js';
import type { Provider } from '../providers/types.js';
import { createRemediator, type Remediator } from '../remediation/index.js';
import type { Store } from '../state/store.js';
import { isSubscriberName, parkForSubscriber, replayEveryDeadLetter } from './dead-letters.js';
import { LocalBus, type Subscriber } from './local-bus.js';
import { type PollReport, pollAll } from './pipeline.js';
import { checkStaleTargets, type StaleCheckReport } from './stale.js';

export interface CoreDeps {
  config: Config;
  store: Store;
  providers: Partial<Record<Config['targets'][number]['provider'], Provider>>;
  secrets: SecretResolver;
  logger: Logger;
  now: () => number;
}

/**
 * Remediation sees findings, firing and resolved (a resolve tells it the finding is over, so a late or
 * replayed firing is not acted on); its own decisions go to the channels, never back to itself.
 */
export function remediationAccepts(event: JobwatchEvent): boolean {
  return eventKind(event.data.type) === 'finding';
}

export function createNotifierFor(deps: CoreDeps): Notifier {
  return createNotifier({
    config: deps.config,
    store: deps.store,
    secrets: deps.secrets,
    logger: deps.logger,
    now: deps.now,
  });
}

export function createRemediatorFor(
  deps: CoreDeps,
  publish: (events: JobwatchEvent[]) => Promise<void>,
  invocation: { invocationId?: string; signal?: AbortSignal } = {},
): Remediator {
  return createRemediator({
    ...invocation,
    config: deps.config,
    store: deps.store,
    providers: deps.providers,
    // Decisions are events too: `events tail` and the operator API list them beside the findings.
    publish: async (events) => {
      await publish(events);
      await recordRecentEvents(deps.store, events).catch((error: unknown) =>
        deps.logger.warn('recent events not recorded', { error: String(error) }),
      );
    },
    secrets: deps.secrets,
    logger: deps.logger,
    now: deps.now,
  });
}

export interface LocalPipeline {
  bus: LocalBus;
  notifier: Notifier;
  remediator: Remediator;
  poll(targetIds?: string[], signal?: AbortSignal): Promise<PollReport[]>;
  /** Waits until every event published so far has reached notify and remediate. */
  settle(): Promise<void>;
  /** The flush function's second job: parked events re-published, or handed back to their subscriber. */
  replayDeadLetters(): Promise<{ replayed: number; remaining: number }>;
  /** The flush function's dead man's switch: `monitor.stale` for targets whose polls stopped arriving. */
  checkStale(): Promise<StaleCheckReport>;
}

/**
 * The whole pipeline in one process, with the same fan-out as AWS: poll publishes to a bus whose
 * subscribers are the notifier and the remediator; remediation decisions are published back to the bus.
 */
export function createLocalPipeline(
  deps: CoreDeps,
  options: { duplicateDeliveries?: boolean } = {},
): LocalPipeline {
  let bus: LocalBus | undefined;
  const publish = async (events: JobwatchEvent[]) => {
    await bus?.publish(events);
  };
  const notifier = createNotifierFor(deps);
  const remediator = createRemediatorFor(deps, publish);
  const subscribers: Subscriber[] = [
    { name: 'notify', accepts: () => true, deliver: async (events) => void (await notifier.handle(events)) },
    {
      name: 'remediate',
      accepts: remediationAccepts,
      deliver: async (events) => void (await remediator.handle(events)),
    },
  ];
  bus = new LocalBus({
    subscribers,
    logger: deps.logger,
    ...(options.duplicateDeliveries ? { duplicateDeliveries: true } : {}),
    onDeadLetter: async (subscriber, events, reason) => {
      if (isSubscriberName(subscriber))
        await parkForSubscriber(deps.store, subscriber, events, reason, deps.now());
    },
  });
  const localBus = bus;
  return {
    bus: localBus,
    notifier,
    remediator,
    poll: (targetIds, signal) => {
      const targets = deps.config.targets.filter((t) => !targetIds || targetIds.includes(t.id));
      return pollAll(targets, {
        config: deps.config,
        providers: deps.providers,
        store: deps.store,
        bus: localBus,
        secrets: deps.secrets,
        logger: deps.logger,
        now: deps.now,
        ...(signal ? { signal } : {}),
      });
    },
    settle: () => localBus.drain(),
    replayDeadLetters: () =>
      replayEveryDeadLetter({
        bus: localBus,
        store: deps.store,
        logger: deps.logger,
        now: deps.now,
        deliver: {
          notify: async (events) => void (await notifier.handle(events)),
          remediate: async (events) => void (await remediator.handle(events)),
        },
      }),
    checkStale: () =>
      checkStaleTargets({
        config: deps.config,
        store: deps.store,
        bus: localBus,
        logger: deps.logger,
        now: deps.now,
      }),
  };
}

export type { EventBus };
