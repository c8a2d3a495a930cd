import type { Notifier } from '../lib/alerts/index.js';
import { lambdaServices } from '../lib/aws/lambda.js';
import { recordNotify } from '../lib/aws/metrics.js';
import { eventLogKeys } from '../lib/aws/observability.js';
import { parseEventBridgeEvent } from '../lib/events/envelope.js';
import { createNotifierFor } from '../lib/runtime/services.js';

/** Channels (and their HTTP pools) live as long as the container, like the other clients. */
let notifier: Notifier | undefined;

/** One EventBridge event -> the alert router. A malformed event throws, so it ends in the dead-letter queue. */
export async function handler(event: unknown) {
  const jobwatchEvent = parseEventBridgeEvent(event);
  const services = await lambdaServices();
  services.logger.appendKeys(eventLogKeys(jobwatchEvent));
  try {
    notifier ??= createNotifierFor(services);
    const report = await notifier.handle([jobwatchEvent]);
    recordNotify(services.metrics, report);
    return { sent: report.sent, failed: report.failed, suppressed: report.suppressed };
  } finally {
    services.metrics.publishStoredMetrics();
    services.logger.resetKeys();
  }
}
