import type { Context } from 'aws-lambda';
import { deadlineSignal } from '../lib/aws/deadline.js';
import { lambdaServices } from '../lib/aws/lambda.js';
import { recordRemediation } from '../lib/aws/metrics.js';
import { eventLogKeys } from '../lib/aws/observability.js';
import { parseEventBridgeEvent } from '../lib/events/envelope.js';
import { createRemediatorFor, remediationAccepts } from '../lib/runtime/services.js';

/**
 * One EventBridge event -> remediation; its decisions are published back to the bus for the channels. A
 * resolved finding is recorded, so a late or replayed firing of it is never acted on.
 * A Store failure throws (RemediationIncompleteError), so EventBridge retries: claims make that safe.
 */
export async function handler(event: unknown, context: Context) {
  const jobwatchEvent = parseEventBridgeEvent(event);
  if (!remediationAccepts(jobwatchEvent)) return { skipped: 'not a finding' };
  const services = await lambdaServices();
  services.logger.appendKeys(eventLogKeys(jobwatchEvent));
  try {
    const remediator = createRemediatorFor(
      services,
      async (events) => {
        const result = await services.bus.publish(events);
        if (result.failed.length > 0)
          throw new Error(`${result.failed.length} remediation events not published`);
      },
      { invocationId: context.awsRequestId, signal: deadlineSignal(context, 5_000) },
    );
    const report = await remediator.handle([jobwatchEvent]);
    recordRemediation(services.metrics, report);
    return report;
  } finally {
    services.metrics.publishStoredMetrics();
    services.logger.resetKeys();
  }
}
