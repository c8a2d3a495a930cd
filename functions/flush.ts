import type { Notifier } from '../lib/alerts/index.js';
import { lambdaServices } from '../lib/aws/lambda.js';
import { recordNotify } from '../lib/aws/metrics.js';
import { replayEveryDeadLetter, viaBus } from '../lib/runtime/dead-letters.js';
import { createNotifierFor } from '../lib/runtime/services.js';
import { checkStaleTargets } from '../lib/runtime/stale.js';

let notifier: Notifier | undefined;

/**
 * Scheduled: sends alert groups that are due even when no new event arrived, replays dead letters, and
 * is the dead man's switch: `monitor.stale` for each target whose poll heartbeat stopped (through the bus,
 * so it reaches the channels like any finding).
 * Parked notify events go to this container's notifier; parked remediate events go back through the bus
 * to the remediate function, which holds the provider credentials.
 */
export async function handler() {
  const services = await lambdaServices();
  try {
    notifier ??= createNotifierFor(services);
    const current = notifier;
    const [report, replay, stale] = await Promise.all([
      current.flush(),
      replayEveryDeadLetter({
        ...services,
        deliver: {
          notify: async (events) => void (await current.handle(events)),
          remediate: viaBus(services.bus),
        },
      }),
      checkStaleTargets(services),
    ]);
    recordNotify(services.metrics, report);
    return {
      sent: report.sent,
      failed: report.failed,
      replayed: replay.replayed,
      stillParked: replay.remaining,
      staleFired: stale.fired.length,
      staleResolved: stale.resolved.length,
    };
  } finally {
    services.metrics.publishStoredMetrics();
  }
}
