import type { Notifier } from '../lib/alerts/index.js';
import { recordNotify } from '../lib/aws/metrics.js';
import { replayEveryDeadLetter, viaBus } from '../lib/runtime/dead-letters.js';
import { lambdaServices } from '../lib/runtime/lambda.js';
import { createNotifierFor } from '../lib/runtime/services.js';

let notifier: Notifier | undefined;

/**
 * Scheduled: sends alert groups that are due even when no new event arrived, and replays dead letters.
 * Parked notify events go to this container's notifier; parked remediate events go back through the bus
 * to the remediate function, which holds the provider credentials.
 */
export async function handler() {
  const services = await lambdaServices();
  try {
    notifier ??= createNotifierFor(services);
    const current = notifier;
    const [report, replay] = await Promise.all([
      current.flush(),
      replayEveryDeadLetter({
        ...services,
        deliver: {
          notify: async (events) => void (await current.handle(events)),
          remediate: viaBus(services.bus),
        },
      }),
    ]);
    recordNotify(services.metrics, report);
    return {
      sent: report.sent,
      failed: report.failed,
      replayed: replay.replayed,
      stillParked: replay.remaining,
    };
  } finally {
    services.metrics.publishStoredMetrics();
  }
}
