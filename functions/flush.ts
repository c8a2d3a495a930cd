import { lambdaServices } from '../lib/runtime/lambda.js';
import { createNotifierFor } from '../lib/runtime/services.js';

/** Scheduled: sends alert groups that are due even when no new event arrived. */
export async function handler() {
  const services = await lambdaServices();
  const report = await createNotifierFor(services).flush();
  return { sent: report.sent, failed: report.failed };
}
