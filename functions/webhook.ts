import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { IngestUnavailableError } from '../lib/ingest/errors.js';
import { createWebhookHandler, type WebhookHandler } from '../lib/ingest/handler.js';
import { lambdaServices } from '../lib/runtime/lambda.js';

let handlerPromise: Promise<WebhookHandler> | undefined;

/** "Poll now": an asynchronous invoke of the poll function with the same `{ targetId }` its schedule sends. */
async function invokePoll(targetId: string): Promise<void> {
  const functionName = process.env.JOBWATCH_POLL_FUNCTION;
  if (!functionName) throw new IngestUnavailableError('JOBWATCH_POLL_FUNCTION is not set');
  const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
  lambda ??= new LambdaClient({});
  const out = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: Buffer.from(JSON.stringify({ targetId })),
    }),
  );
  if (out.StatusCode !== 202) throw new IngestUnavailableError(`poll invoke answered ${out.StatusCode}`);
}
let lambda: import('@aws-sdk/client-lambda').LambdaClient | undefined;

function webhookHandler(): Promise<WebhookHandler> {
  handlerPromise ??= lambdaServices().then((services) =>
    createWebhookHandler({
      config: services.config,
      store: services.store,
      bus: services.bus,
      secrets: services.secrets,
      logger: services.logger,
      now: services.now,
      triggerPoll: invokePoll,
    }),
  );
  handlerPromise.catch(() => {
    handlerPromise = undefined;
  });
  return handlerPromise;
}

/** HTTP API (payload format 2.0) -> the webhook handler; the handler never throws. */
export async function handler(event: APIGatewayProxyEventV2) {
  let webhook: WebhookHandler;
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
