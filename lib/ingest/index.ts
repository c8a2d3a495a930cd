export {
  type AcceptResult,
  type DeadLetterItem,
  INGEST_DEADLETTER_PK,
  replayIngestDeadLetters,
} from './accept.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_SMN_HOSTS,
  type WebhookConfig,
  webhookProblems,
  webhookSchema,
} from './config.js';
export { IngestHttpError } from './errors.js';
export {
  createWebhookHandler,
  SMN_DEDUPE_PK,
  WEBHOOK_ROUTES,
  type WebhookDeps,
  type WebhookHandler,
} from './handler.js';
export {
  startWebhookServer,
  toApiGatewayEvent,
  type WebhookServer,
  type WebhookServerOptions,
} from './http-server.js';
export { operatorPayload, SIGNATURE_HEADER, signPayload, TIMESTAMP_HEADER } from './signing.js';
export { smnStringToSign } from './smn.js';
