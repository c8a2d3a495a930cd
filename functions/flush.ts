import type { Notifier } from '../lib/alerts/index.js';
import { recordNotify } from '../lib/aws/metrics.js';
import { lambdaServices } from '../lib/runtime/lambda.js';
import { replayAllDeadLetters } from '../lib/runtime/publish.js';
import { createNotifierFor } from '../lib/runtime/services.js';

let notifier: Notifier | undefined;

/** Scheduled: sends alert groups that are due even when no new event arrived, and replays dead letters. */
export async function handler() {
  const services = await lambdaServices();
  try {
    notifier ??= createNotifierFor(services);
    const [report, replay] = await Promise.all([notifier.flush(), replayAllDeadLetters(services)]);
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
