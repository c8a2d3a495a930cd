/**
 * The webhook function's core: one handler from an API Gateway v2 event to a response, used as-is by the
 * Lambda (functions/webhook.ts) and by the local runtime (through startWebhookServer).
 *
 * Rules every route keeps: authenticate before parsing; validate with zod and answer 4xx naming the
 * problem; never expose a 5xx's cause; an event counts as accepted once it reached the bus or the dead
 * letter, and an accepted request is never answered with an error.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ZodError } from 'zod';
import { forwardAcknowledgement } from '../alerts/acknowledge.js';
import { ACTION_PATH } from '../alerts/action-links.js';
import { formatIssues } from '../config/load.js';
import type { Config, TargetConfig } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import { buildEvent, type EventInput } from '../events/build.js';
import type { EventBus } from '../events/bus.js';
import type { JobwatchEvent } from '../events/schema.js';
import type { ProviderId } from '../model/snapshot.js';
import type { Logger } from '../observability/logger.js';
import type { Remediator } from '../remediation/index.js';
import { ConditionFailedError, type Store } from '../state/store.js';
import { type AcceptResult, acceptEvents, describe } from './accept.js';
import { handleActionPage } from './action-page.js';
import {
  alertmanagerPayloadSchema,
  armsEventInput,
  cloudMonitorEventInput,
  cloudMonitorFields,
} from './alibaba.js';
import { cloudEyeEventInput, parseCloudEyeAlarm } from './cloud-eye.js';
import { type WebhookConfig, webhookSchema } from './config.js';
import {
  badRequest,
  forbidden,
  IngestHttpError,
  IngestUnavailableError,
  notFound,
  unauthorized,
} from './errors.js';
import { FEISHU_CARD_PATH, type ForwardAckTask, handleFeishuCard } from './feishu-card.js';
import { confirmSmnSubscription, fetchCertificatePem, IngestFetchError } from './fetch.js';
import { text } from './fields.js';
import { ingestBodySchema, toEventInput } from './generic.js';
import { authenticateOperator, handleOperator, methodNotAllowed } from './operator.js';
import {
  allowedUrl,
  createIpAllowList,
  type IngestRequest,
  json,
  matchesAny,
  parseJson,
  toIngestRequest,
  validate,
} from './request.js';
import { scrubEventInput } from './scrub.js';
import { verifySignedRequest } from './signing.js';
import {
  handleSlackInteraction,
  runSlackAction,
  SLACK_INTERACTIONS_PATH,
  type SlackActionTask,
} from './slack-interactions.js';
import {
  CertificateCache,
  certificateCurrent,
  parseSmnTimestampMs,
  parseTopicUrn,
  type SmnMessage,
  smnMessageSchema,
  timestampProblem,
  verifySmnSignature,
} from './smn.js';
import { handleStatusPage, STATUS_ROUTES } from './status-page.js';

/** SMN message ids already handled (Store pk); TTL is the configured dedupe window. */
export const SMN_DEDUPE_PK = 'ingest#smn';

export interface WebhookDeps {
  config: Config;
  store: Store;
  bus: EventBus;
  secrets: SecretResolver;
  logger: Logger;
  now: () => number;
  triggerPoll: (targetId: string) => Promise<void>;
  /** Downloads `signing_cert_url` (already allow-listed); default: undici GET with a timeout. */
  fetchCertificate?: (url: string) => Promise<string>;
  /** Visits `subscribe_url` (already allow-listed); default: undici GET with a timeout. */
  confirmSubscription?: (url: string) => Promise<void>;
  /**
   * Hands work that must not delay the answer (a chat button's action, a message update) to somewhere that
   * runs it after the response: the Lambda's own asynchronous invoke. Default: in this process, after the
   * answer (the local runtime and tests; `idle()` waits for it).
   */
  defer?: (task: DeferredTask) => Promise<void>;
  /** Answers and runs remediations waiting for approval (Approve / Reject links); without it they are refused. */
  remediator?: Pick<Remediator, 'answerApproval' | 'runApproved'>;
}

/** Deferred work as plain data (see WebhookDeps.defer). */
export type DeferredTask = SlackActionTask | ForwardAckTask | ApprovalRunTask;

/** An approved remediation, run after the confirm page answered (it may take minutes: verify). */
export interface ApprovalRunTask {
  kind: 'approval-run';
  id: string;
}

export type WebhookHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** The handler, plus the other half of deferred work. */
export interface WebhookApp extends WebhookHandler {
  /** Runs one deferred task (the Lambda's async invoke calls this); never throws. */
  runDeferred(task: DeferredTask): Promise<void>;
  /** Resolves when deferred work started in this process has finished. */
  idle(): Promise<void>;
}

export const WEBHOOK_ROUTES = [
  '/ingest/huawei-smn',
  '/ingest/alibaba-cloudmonitor',
  '/ingest/alibaba-arms',
  '/ingest/events',
  '/api/silences',
  '/api/silences/{id}',
  '/api/acks',
  '/act',
  '/slack/interactions',
  '/feishu/card',
  '/api/targets/{id}/poll',
  '/api/events',
  '/api/remediations',
  ...STATUS_ROUTES,
] as const;

/**
 * @example
 * const handler = createWebhookHandler({ config, store, bus, secrets, logger, now: Date.now,
 *   triggerPoll: async (id) => pipeline.poll([id]).then(() => undefined) });
 * const response = await handler(apiGatewayV2Event);
 */
export function createWebhookHandler(deps: WebhookDeps): WebhookApp {
  const settings: WebhookConfig = webhookSchema.parse(deps.config.webhook ?? {});
  const certificates = new CertificateCache(
    deps.fetchCertificate ?? ((url) => fetchCertificatePem(url)),
    (settings.huaweiSmn?.certCacheSeconds ?? 86_400) * 1000,
    (settings.huaweiSmn?.certFailureCacheSeconds ?? 30) * 1000,
  );
  const confirm = deps.confirmSubscription ?? ((url: string) => confirmSmnSubscription(url));
  const ipLists = {
    cloudMonitor: settings.alibabaCloudMonitor?.allowedSourceIps
      ? createIpAllowList(settings.alibabaCloudMonitor.allowedSourceIps)
      : undefined,
    arms: settings.alibabaArms?.allowedSourceIps
      ? createIpAllowList(settings.alibabaArms.allowedSourceIps)
      : undefined,
  };

  async function resolveSecrets(refs: readonly string[]): Promise<string[]> {
    try {
      return await Promise.all(refs.map((ref) => deps.secrets(ref)));
    } catch (error) {
      // The reference and the resolver's message stay in the log; the caller only learns "try later".
      deps.logger.error('webhook secret could not be resolved', { error: describe(error) });
      throw new IngestUnavailableError('a configured secret could not be resolved', { cause: error });
    }
  }

  const acceptDeps = { bus: deps.bus, store: deps.store, logger: deps.logger, now: deps.now };

  function acceptedResponse(result: AcceptResult, extra: Record<string, unknown> = {}) {
    if (result.deferred > 0) return json(202, { status: 'accepted-deferred', ...result, ...extra });
    return json(200, { status: 'accepted', ...result, ...extra });
  }

  function build(inputs: EventInput[]): JobwatchEvent[] {
    return inputs.map((input, i) => {
      try {
        return buildEvent({ ...scrubEventInput(input), observedAtMs: input.observedAtMs ?? deps.now() });
      } catch (error) {
        throw badRequest(`event ${i} is not a valid event: ${firstLine(error)}`);
      }
    });
  }

  function targetFor(provider: ProviderId, preferred?: string): TargetConfig | undefined {
    if (preferred) return deps.config.targets.find((t) => t.id === preferred);
    return deps.config.targets.find((t) => t.provider === provider);
  }

  // ---- Huawei SMN -------------------------------------------------------------------------------------

  /**
   * Everything about an SMN message that needs no network is checked before its certificate is fetched:
   * shape, topic, certificate and subscribe URL allow-lists, timestamp window. An unauthenticated sender
   * can then make jobwatch fetch at most one certificate per allowed address and cache window.
   */
  async function huaweiSmn(request: IngestRequest) {
    const smn = settings.huaweiSmn;
    if (!smn) throw notFound('the Huawei SMN endpoint is not enabled (webhook.huaweiSmn)');
    const body = parseJson(request);
    const type = (body as { type?: unknown } | null)?.type;
    // Console-side subscription events: informational, signed with an undocumented key set; no event.
    if (type === 'HttpSubscriptionUserConfirm' || type === 'HttpSubscriptionUserUnsubscribe')
      return json(200, { status: 'ignored', reason: `message type ${type} needs no action` });
    const message = validate(smnMessageSchema, body, 'SMN message');
    const headerType = request.headers['x-smn-message-type'];
    if (headerType !== undefined && headerType !== message.type)
      throw badRequest('X-SMN-MESSAGE-TYPE header does not match the message type');
    if (smn.topicUrns && !smn.topicUrns.includes(message.topic_urn))
      throw forbidden('topic_urn is not an accepted topic');
    const certUrl = allowedUrl(message.signing_cert_url, smn.certHosts, smn.allowHttp);
    if (!certUrl.ok) throw forbidden(`signing_cert_url ${certUrl.reason}`);
    const subscribeUrl =
      message.type === 'SubscriptionConfirmation' ? allowedSubscribeUrl(message, smn) : undefined;
    const sentAtMs = parseSmnTimestampMs(message.timestamp);
    if (sentAtMs === undefined) throw badRequest('timestamp: not a date');
    const late = timestampProblem(sentAtMs, deps.now(), {
      maxAgeMs: smn.dedupeSeconds * 1000,
      maxAheadMs: smn.clockSkewSeconds * 1000,
    });
    if (late) throw badRequest(`timestamp: ${late}`);
    let certificate: Awaited<ReturnType<CertificateCache['get']>>;
    try {
      certificate = await certificates.get(certUrl.url, deps.now());
    } catch (error) {
      if (error instanceof IngestFetchError && error.permanent) {
        // Retrying cannot help until the certificate at that address changes: the sender must hear a 4xx.
        deps.logger.warn('SMN signing certificate unusable', { error: describe(error) });
        throw badRequest(`signing_cert_url: ${error.message}`);
      }
      deps.logger.warn('SMN signing certificate unavailable', { error: describe(error) });
      throw new IngestUnavailableError('signing certificate unavailable', { cause: error });
    }
    if (!certificateCurrent(certificate, deps.now()))
      throw forbidden('the signing certificate is expired or not yet valid');
    if (!verifySmnSignature(message, certificate, smn.signatureHashes))
      throw forbidden('SMN signature does not match the message');

    if (subscribeUrl) return smnConfirm(message, subscribeUrl);
    if (message.type === 'UnsubscribeConfirmation') {
      deps.logger.warn('SMN subscription cancelled', { topic: message.topic_urn });
      return json(200, { status: 'acknowledged', type: message.type });
    }
    return smnNotification(message, sentAtMs, smn);
  }

  function allowedSubscribeUrl(message: SmnMessage, smn: NonNullable<WebhookConfig['huaweiSmn']>): URL {
    if (!message.subscribe_url) throw badRequest('subscribe_url: required for a SubscriptionConfirmation');
    const target = allowedUrl(message.subscribe_url, smn.subscribeHosts, smn.allowHttp);
    if (!target.ok) throw forbidden(`subscribe_url ${target.reason}`);
    return target.url;
  }

  async function smnConfirm(message: SmnMessage, subscribeUrl: URL) {
    try {
      await confirm(subscribeUrl.href);
    } catch (error) {
      deps.logger.warn('SMN subscription confirmation failed', { error: describe(error) });
      throw new IngestUnavailableError('subscription confirmation failed', { cause: error });
    }
    deps.logger.info('SMN subscription confirmed', { topic: message.topic_urn });
    return json(200, { status: 'confirmed', topic: message.topic_urn });
  }

  async function smnNotification(
    message: SmnMessage,
    sentAtMs: number,
    smn: NonNullable<WebhookConfig['huaweiSmn']>,
  ) {
    const nowMs = deps.now();
    // The message is acceptable until sentAtMs + dedupeSeconds (huaweiSmn checked the window), so its id
    // is remembered at least that long, also when it was dated a little ahead of this clock.
    const claim = await claimOnce(
      SMN_DEDUPE_PK,
      message.message_id,
      nowMs,
      Math.ceil((Math.max(nowMs, sentAtMs) - nowMs) / 1000) + smn.dedupeSeconds,
    );
    if (!claim) return json(200, { status: 'duplicate', messageId: message.message_id });
    try {
      const parsed = parseCloudEyeAlarm(message.message);
      if (!parsed.ok) {
        deps.logger.info('SMN notification ignored', { topic: message.topic_urn, reason: parsed.reason });
        return json(200, { status: 'ignored', reason: parsed.reason });
      }
      const topic = parseTopicUrn(message.topic_urn);
      const provider = parsed.alarm.kind === 'queue' ? 'huawei-dli' : 'huawei-mrs';
      const mapped = smn.targets[message.topic_urn];
      const target = mapped
        ? deps.config.targets.find((t) => t.id === mapped)
        : deps.config.targets.find(
            (t) =>
              t.provider === provider &&
              t.region === topic?.region &&
              (t.options as { projectId?: string }).projectId === topic?.projectId,
          );
      if (!target) {
        const reason = `no ${provider} target for the topic's region and project`;
        deps.logger.warn('SMN notification ignored', { topic: message.topic_urn, reason });
        return json(200, { status: 'ignored', reason });
      }
      const events = build([
        cloudEyeEventInput(parsed.alarm, {
          targetId: target.id,
          region: target.region,
          projectId: projectOf(target).projectId ?? topic?.projectId ?? 'unknown',
          messageAtMs: sentAtMs,
          sharedFingerprint: smn.sharedFingerprint,
        }),
      ]);
      return acceptedResponse(await acceptEvents(events, 'huawei-smn', acceptDeps));
    } catch (error) {
      // Not accepted: forget the message id so SMN's retry is processed.
      await claim.release();
      throw error;
    }
  }

  async function claimOnce(pk: string, sk: string, nowMs: number, ttlSeconds: number) {
    try {
      await deps.store.put(
        { pk, sk, data: { atMs: nowMs }, expiresAtSec: Math.floor(nowMs / 1000) + ttlSeconds },
        { ifAbsent: true },
      );
    } catch (error) {
      if (error instanceof ConditionFailedError || (error as Error)?.name === 'ConditionFailedError')
        return undefined;
      throw new IngestUnavailableError('state store unavailable', { cause: error });
    }
    return { release: () => deps.store.delete(pk, sk).catch(() => undefined) };
  }

  // ---- Alibaba ----------------------------------------------------------------------------------------

  async function tokenAuth(
    request: IngestRequest,
    auth: { tokens: string[]; allowedSourceIps?: string[] | undefined },
    allowList: ((ip: string) => boolean) | undefined,
  ) {
    if (allowList && !allowList(request.sourceIp)) throw forbidden('source address is not allowed');
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    const offered = request.headers['x-jobwatch-token'] ?? bearer ?? request.query.get('token') ?? undefined;
    if (!offered) throw unauthorized('missing token (x-jobwatch-token header or ?token=)', 'Token');
    const tokens = await resolveSecrets(auth.tokens);
    if (!matchesAny(offered, tokens)) throw unauthorized('token is not valid', 'Token');
  }

  async function alibabaCloudMonitor(request: IngestRequest) {
    const cm = settings.alibabaCloudMonitor;
    if (!cm) throw notFound('the CloudMonitor endpoint is not enabled (webhook.alibabaCloudMonitor)');
    await tokenAuth(request, cm, ipLists.cloudMonitor);
    if (request.body.length === 0) throw badRequest('request body is empty; expected a form-encoded alarm');
    const fields = cloudMonitorFields(request.body, request.headers['content-type']);
    if (fields.size === 0) throw badRequest('request body has no alarm fields');
    const target = targetFor(cm.provider, cm.targetId);
    const region = text(fields, 'regionId', 'region') ?? target?.region ?? 'unknown';
    const parsed = cloudMonitorEventInput(fields, {
      provider: cm.provider,
      targetId: target?.id ?? cm.targetId ?? 'cloudmonitor',
      region,
      nowMs: deps.now(),
    });
    if (!parsed.ok) {
      if (parsed.ignore) return json(200, { status: 'ignored', reason: parsed.reason });
      throw badRequest(parsed.reason);
    }
    return acceptedResponse(await acceptEvents(build([parsed.input]), 'alibaba-cloudmonitor', acceptDeps));
  }

  async function alibabaArms(request: IngestRequest) {
    const arms = settings.alibabaArms;
    if (!arms) throw notFound('the ARMS endpoint is not enabled (webhook.alibabaArms)');
    await tokenAuth(request, arms, ipLists.arms);
    const payload = validate(alertmanagerPayloadSchema, parseJson(request), 'Alertmanager payload');
    const target = targetFor(arms.provider, arms.targetId);
    const context = {
      provider: arms.provider,
      knownProviders: deps.config.targets.map((t) => t.provider),
      targetId: target?.id ?? arms.targetId ?? 'arms',
      region: target?.region ?? 'unknown',
      nowMs: deps.now(),
      ...projectOf(target),
    };
    const inputs = payload.alerts.map((alert) => armsEventInput(alert, payload, context));
    return acceptedResponse(await acceptEvents(build(inputs), 'alibaba-arms', acceptDeps));
  }

  // ---- Generic signed ingest --------------------------------------------------------------------------

  async function genericEvents(request: IngestRequest) {
    const generic = settings.events;
    if (!generic) throw notFound('the generic events endpoint is not enabled (webhook.events)');
    const secrets = await resolveSecrets(generic.secrets);
    let claim: { release: () => Promise<void> };
    try {
      claim = await verifySignedRequest({
        headers: request.headers,
        payload: request.body,
        secrets,
        toleranceMs: generic.toleranceSeconds * 1000,
        nowMs: deps.now(),
        store: deps.store,
        scope: 'events',
      });
    } catch (error) {
      if (error instanceof IngestHttpError) throw error;
      throw new IngestUnavailableError('state store unavailable', { cause: error });
    }
    try {
      const body = parseJson(request);
      const inputs = validate(ingestBodySchema(body, generic.maxEvents), body, 'events');
      const events = build(inputs.map(toEventInput));
      return acceptedResponse(await acceptEvents(events, 'events', acceptDeps));
    } catch (error) {
      await claim.release();
      throw error;
    }
  }

  // ---- Operator API -----------------------------------------------------------------------------------

  async function operator(request: IngestRequest) {
    const op = settings.operator;
    if (!op) throw notFound('the operator API is not enabled (webhook.operator)');
    const [tokens, hmacSecrets] = await Promise.all([
      resolveSecrets(op.tokens),
      resolveSecrets(op.hmacSecrets),
    ]);
    try {
      await authenticateOperator(
        request,
        { tokens, hmacSecrets, toleranceMs: op.toleranceSeconds * 1000 },
        deps.store,
        deps.now(),
      );
    } catch (error) {
      if (error instanceof IngestHttpError) throw error;
      throw new IngestUnavailableError('state store unavailable', { cause: error });
    }
    const response = await handleOperator(request, {
      config: deps.config,
      store: deps.store,
      now: deps.now,
      triggerPoll: deps.triggerPoll,
      secrets: deps.secrets,
      logger: deps.logger,
    });
    if (!response) throw notFound(`no route ${request.path.slice(0, 100)}`);
    return response;
  }

  // ---- Status page ------------------------------------------------------------------------------------

  async function statusPage(request: IngestRequest) {
    const page = settings.statusPage;
    if (!page) throw notFound('the status page is not enabled (webhook.statusPage)');
    return handleStatusPage(request, {
      config: deps.config,
      settings: page,
      store: deps.store,
      now: deps.now,
      secrets: async () => {
        const [tokens, [sessionKey]] = await Promise.all([
          resolveSecrets(settings.operator?.tokens ?? []),
          resolveSecrets([page.sessionKey]),
        ]);
        // A guessable key would let anyone mint a session: refuse to serve rather than sign with it.
        if (!sessionKey || sessionKey.length < 32) {
          deps.logger.error('status page session key is shorter than 32 characters', {});
          throw new IngestUnavailableError('the status page session key is not usable');
        }
        return { tokens, sessionKey };
      },
    });
  }

  // ---- Action links ----------------------------------------------------------------------------------

  async function actionPage(request: IngestRequest) {
    const keyRef = settings.actionLinkKey;
    if (!keyRef) throw notFound('action links are not enabled (webhook.actionLinkKey)');
    return handleActionPage(request, {
      config: deps.config,
      store: deps.store,
      now: deps.now,
      secrets: deps.secrets,
      logger: deps.logger,
      key: async () => {
        const [key] = await resolveSecrets([keyRef]);
        if (!key || key.length < 32) {
          deps.logger.error('action link key is shorter than 32 characters', {});
          throw new IngestUnavailableError('the action link key is not usable');
        }
        return key;
      },
      ...(deps.remediator ? { approvals: approvalsOf(deps.remediator) } : {}),
    });
  }

  function approvalsOf(remediator: NonNullable<WebhookDeps['remediator']>) {
    return {
      answer: (input: Parameters<Remediator['answerApproval']>[0]) => remediator.answerApproval(input),
      run: (id: string) => defer({ kind: 'approval-run', id }),
    };
  }

  // ---- Chat callbacks -------------------------------------------------------------------------------

  const pending = new Set<Promise<void>>();

  async function runDeferred(task: DeferredTask): Promise<void> {
    try {
      if (task.kind === 'slack-action')
        await runSlackAction(task, {
          config: deps.config,
          store: deps.store,
          secrets: deps.secrets,
          logger: deps.logger,
          now: deps.now,
        });
      else if (task.kind === 'approval-run') await deps.remediator?.runApproved(task.id);
      else if (task.kind === 'forward-ack')
        await forwardAcknowledgement(
          { store: deps.store, config: deps.config, secrets: deps.secrets, logger: deps.logger },
          task.fingerprints,
          task.note,
          deps.now(),
        );
    } catch (error) {
      deps.logger.error('deferred chat action failed', { kind: task.kind, error: describe(error) });
    }
  }

  const inProcess = async (task: DeferredTask) => {
    // After the answer: the HTTP server writes the response before this runs.
    const work = new Promise<void>((resolve) => setImmediate(resolve)).then(() => runDeferred(task));
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  const handOff = deps.defer;
  const defer = handOff
    ? async (task: DeferredTask) => {
        try {
          await handOff(task);
        } catch (error) {
          // Late is better than lost: a press whose hand-off failed is done before the answer.
          deps.logger.warn('deferred work could not be handed off; running it now', {
            kind: task.kind,
            error: describe(error),
          });
          await runDeferred(task);
        }
      }
    : inProcess;

  async function slackInteractions(request: IngestRequest) {
    if (request.method !== 'POST') throw methodNotAllowed(['POST']);
    return handleSlackInteraction(request, {
      config: deps.config,
      now: deps.now,
      resolveSecrets,
      defer,
    });
  }

  async function feishuCard(request: IngestRequest) {
    if (request.method !== 'POST') throw methodNotAllowed(['POST']);
    return handleFeishuCard(request, {
      config: deps.config,
      store: deps.store,
      logger: deps.logger,
      now: deps.now,
      resolveSecrets,
      defer,
    });
  }

  const INGEST: Record<string, (request: IngestRequest) => Promise<APIGatewayProxyStructuredResultV2>> = {
    '/ingest/huawei-smn': huaweiSmn,
    '/ingest/alibaba-cloudmonitor': alibabaCloudMonitor,
    '/ingest/alibaba-arms': alibabaArms,
    '/ingest/events': genericEvents,
  };

  async function route(request: IngestRequest) {
    const ingest = INGEST[request.path];
    if (ingest) {
      if (request.method !== 'POST') throw methodNotAllowed(['POST']);
      return ingest(request);
    }
    if (request.path === '/api' || request.path.startsWith('/api/')) return operator(request);
    if (request.path === '/status' || request.path.startsWith('/status/')) return statusPage(request);
    if (request.path === ACTION_PATH) return actionPage(request);
    if (request.path === SLACK_INTERACTIONS_PATH) return slackInteractions(request);
    if (request.path === FEISHU_CARD_PATH) return feishuCard(request);
    throw notFound(`no route ${request.path.slice(0, 100)}`);
  }

  const handler: WebhookHandler = async (event) => {
    const startedMs = deps.now();
    let path = '?';
    try {
      const request = toIngestRequest(event, settings.maxBodyBytes);
      path = request.path.slice(0, 100);
      const response = await route(request);
      deps.logger.info('webhook request', {
        path,
        method: request.method,
        status: response.statusCode,
        durationMs: deps.now() - startedMs,
      });
      return response;
    } catch (error) {
      return errorResponse(error, path, deps.logger);
    }
  };
  return Object.assign(handler, {
    runDeferred,
    idle: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  });
}

function projectOf(target: TargetConfig | undefined): { projectId?: string } {
  const projectId = (target?.options as { projectId?: unknown } | undefined)?.projectId;
  return typeof projectId === 'string' ? { projectId } : {};
}

function errorResponse(error: unknown, path: string, logger: Logger): APIGatewayProxyStructuredResultV2 {
  if (error instanceof IngestHttpError && error.expose) {
    logger.info('webhook request refused', { path, status: error.status, reason: error.message });
    return json(error.status, { error: { status: error.status, message: error.message } }, error.headers);
  }
  const status = error instanceof IngestHttpError ? error.status : 500;
  logger.error('webhook request failed', { path, status, error: describe(error) });
  const message = status === 503 ? 'temporarily unavailable; retry later' : 'internal error';
  return json(status, { error: { status, message } }, status === 503 ? { 'retry-after': '30' } : {});
}

function firstLine(error: unknown): string {
  if (error instanceof ZodError) return formatIssues(error).slice(0, 3).join('; ');
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').slice(0, 300);
}
