import { parseEventBridgeEvent } from '../lib/events/envelope.js';
import { lambdaServices } from '../lib/runtime/lambda.js';
import { createRemediatorFor, remediationAccepts } from '../lib/runtime/services.js';

/** One EventBridge event -> remediation; its decisions are published back to the bus for the channels. */
export async function handler(event: unknown) {
  const jobwatchEvent = parseEventBridgeEvent(event);
  if (!remediationAccepts(jobwatchEvent)) return { skipped: 'not a firing finding' };
  const services = await lambdaServices();
  const remediator = createRemediatorFor(services, async (events) => {
    const result = await services.bus.publish(events);
    if (result.failed.length > 0) throw new Error(`${result.failed.length} remediation events not published`);
  });
  return remediator.handle([jobwatchEvent]);
}
