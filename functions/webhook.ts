import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { lambdaServices } from '../lib/aws/lambda.js';
import { IngestUnavailableError } from '../lib/ingest/errors.js';
import { createWebhookHandler, type DeferredTask, type WebhookApp } from '../lib/ingest/handler.js';
import { createRemediatorFor } from '../lib/runtime/services.js';

let handlerPromise: Promise<WebhookApp> | undefined;

/** An asynchronous (`Event`) invoke of the function named in `envName`; any answer but 202 is a failure. */
async function invokeAsync(envName: string, payload: unknown, what: string): Promise<void> {
  const functionName = process.env[envName];
  if (!functionName) throw new IngestUnavailableError(`${envName} is not set`);
  const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
  lambda ??= new LambdaClient({});
  const out = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: Buffer.from(JSON.stringify(payload)),
    }),
  );
  if (out.StatusCode !== 202) throw new IngestUnavailableError(`${what} invoke answered ${out.StatusCode}`);
}
let lambda: import('@aws-sdk/client-lambda').LambdaClient | undefined;

/** "Poll now": an asynchronous invoke of the poll function with the same `{ targetId }` its schedule sends. */
const invokePoll = (targetId: string) => invokeAsync('JOBWATCH_POLL_FUNCTION', { targetId }, 'poll');

/**
 * Work a chat button leaves for after its 3-second answer: an asynchronous invoke of this same function,
 * whose payload (`{ jobwatchDeferred }`) no HTTP API event can carry, so only IAM principals can send it.
 */
const invokeSelf = (task: DeferredTask) =>
  invokeAsync('AWS_LAMBDA_FUNCTION_NAME', { jobwatchDeferred: task }, 'deferred');

function webhookHandler(): Promise<WebhookApp> {
  handlerPromise ??= lambdaServices().then((services) =>
    createWebhookHandler({
      config: services.config,
      store: services.store,
      bus: services.bus,
      secrets: services.secrets,
      logger: services.logger,
      now: services.now,
      triggerPoll: invokePoll,
      defer: invokeSelf,
      // Approve / Reject links: the answer here, the approved run in the deferred invoke (it may take minutes).
      remediator: createRemediatorFor(services, async (events) => {
        const result = await services.bus.publish(events);
        if (result.failed.length > 0)
          throw new Error(`${result.failed.length} remediation events not published`);
      }),
    }),
  );
  handlerPromise.catch(() => {
    handlerPromise = undefined;
  });
  return handlerPromise;
}

/** HTTP API (payload format 2.0) -> the webhook handler; the handler never throws. */
export async function handler(event: APIGatewayProxyEventV2 | { jobwatchDeferred: DeferredTask }) {
  if ('jobwatchDeferred' in event) {
    await (await webhookHandler()).runDeferred(event.jobwatchDeferred);
    return { status: 'done' };
  }
  let webhook: WebhookApp;
  try {
    webhook = await webhookHandler();
  } catch (error) {
    // Cold-start failure (config, table, bus): callers get a retryable 503, the cause goes to the log.
    const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.error(JSON.stringify({ level: 'ERROR', message: 'webhook init failed', error: cause }));
    return {
      statusCode: 503,
      headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': '30' },
      body: '{"error":{"status":503,"message":"temporarily unavailable; retry later"}}',
    };
  }
  return webhook(event);
}
