import { parseEventBridgeEvent } from '../lib/events/envelope.js';
import { lambdaServices } from '../lib/runtime/lambda.js';
import { createNotifierFor } from '../lib/runtime/services.js';

/** One EventBridge event -> the alert router. A malformed event throws, so it ends in the dead-letter queue. */
export async function handler(event: unknown) {
  const jobwatchEvent = parseEventBridgeEvent(event);
  const services = await lambdaServices();
  const report = await createNotifierFor(services).handle([jobwatchEvent]);
  return { sent: report.sent, failed: report.failed, suppressed: report.suppressed };
}
