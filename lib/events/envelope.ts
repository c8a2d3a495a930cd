import { z } from 'zod';
import { type JobwatchEvent, jobwatchEventSchema } from './schema.js';

/** What the EventBridge bus carries: `source` 'jobwatch', the CloudEvent `type` as detail-type, the CloudEvent as detail. */
export const BUS_SOURCE = 'jobwatch';

const eventBridgeEnvelope = z.object({
  source: z.string(),
  'detail-type': z.string(),
  detail: jobwatchEventSchema,
});

/** Thrown when a transport event does not carry a valid jobwatch event; the cause keeps zod's issues. */
export class EnvelopeParseError extends Error {
  override name = 'EnvelopeParseError';
}

/**
 * Unwraps the CloudEvent from an EventBridge event (Powertools parser "envelope" idea): wrapper and payload
 * validated in one call, failures naming the path.
 */
export function parseEventBridgeEvent(input: unknown): JobwatchEvent {
  const result = eventBridgeEnvelope.safeParse(input);
  if (!result.success) {
    const where = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new EnvelopeParseError(`not a jobwatch event: ${where}`, { cause: result.error });
  }
  return result.data.detail;
}
