import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { deadlineSignal } from '../lib/aws/deadline.js';
import { lambdaServices } from '../lib/aws/lambda.js';
import { recordPoll } from '../lib/aws/metrics.js';
import { pollTarget } from '../lib/runtime/pipeline.js';

/** The schedule passes `{ targetId }` (one schedule per target); the webhook's "poll now" does the same. */
const pollInput = z.object({ targetId: z.string().min(1) });

export async function handler(event: unknown, context: Context) {
  const { targetId } = pollInput.parse(event);
  const services = await lambdaServices();
  const target = services.config.targets.find((t) => t.id === targetId);
  if (!target) throw new Error(`unknown target '${targetId}'`);
  services.logger.appendKeys({ targetId, provider: target.provider });
  try {
    const report = await pollTarget(target, { ...services, signal: deadlineSignal(context, 2_000) });
    recordPoll(services.metrics, report);
    return {
      targetId,
      ok: report.ok,
      jobs: report.jobs,
      events: report.events.length,
      deadLettered: report.deadLettered,
    };
  } finally {
    services.metrics.publishStoredMetrics();
    services.logger.resetKeys();
  }
}
