/**
 * The operator API under /api/: silences, acknowledgements, "poll this target now", recent events,
 * remediation history.
 * Authenticated by a bearer token or an HMAC signature over method, path, query and body.
 */
import { z } from 'zod';
import { acknowledgeAlerts } from '../alerts/acknowledge.js';
import { AckError, ackHistory, ackInputSchema, activeAcks } from '../alerts/acks.js';
import {
  createSilence,
  expireSilence,
  listSilences,
  SilenceError,
  silenceInputSchema,
} from '../alerts/silences.js';
import type { Config } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import { listRecentEvents } from '../events/recent-events.js';
import type { Logger } from '../observability/logger.js';
import { remediationHistory } from '../remediation/audit.js';
import type { Store } from '../state/store.js';
import { badRequest, IngestHttpError, notFound, unauthorized } from './errors.js';
import { type IngestRequest, json, matchesAny, parseJson, validate } from './request.js';
import { operatorPayload, verifySignedRequest } from './signing.js';

export interface OperatorDeps {
  config: Config;
  store: Store;
  now: () => number;
  triggerPoll: (targetId: string) => Promise<void>;
  /** To forward acknowledgements to PagerDuty/Opsgenie receivers; without it they are only stored. */
  secrets?: SecretResolver;
  logger?: Logger;
}

export interface OperatorAuth {
  tokens: string[];
  hmacSecrets: string[];
  toleranceMs: number;
}

/** Bearer token first (cheap), then HMAC; neither present or valid is a 401. */
export async function authenticateOperator(
  request: IngestRequest,
  auth: OperatorAuth,
  store: Store,
  nowMs: number,
): Promise<void> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m?.[1] || auth.tokens.length === 0 || !matchesAny(m[1], auth.tokens))
      throw unauthorized('bearer token is not valid');
    return;
  }
  if (auth.hmacSecrets.length > 0 && request.headers['x-jobwatch-signature'] !== undefined) {
    await verifySignedRequest({
      headers: request.headers,
      payload: operatorPayload(request.method, request.path, request.rawQuery, request.body),
      secrets: auth.hmacSecrets,
      toleranceMs: auth.toleranceMs,
      nowMs,
      store,
      scope: 'operator',
    });
    return;
  }
  throw unauthorized('authentication required: Authorization: Bearer <token> or x-jobwatch-signature');
}

const limitSchema = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .optional()
    .transform((n) => n ?? fallback);

const eventsQuery = z.object({ limit: limitSchema(500, 50) }).strict();
const acksQuery = z.object({ limit: limitSchema(500, 50) }).strict();
const silencesQuery = z.object({ includeExpired: z.enum(['true', 'false']).optional() }).strict();
const remediationsQuery = z
  .object({ job: z.string().min(1).max(512).optional(), limit: limitSchema(500, 50) })
  .strict();

function queryObject(request: IngestRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of request.query) {
    if (key in out) throw badRequest(`query parameter '${key}' is given more than once`);
    out[key] = value;
  }
  return out;
}

const SILENCE_ID = /^[A-Za-z0-9-]{1,100}$/;
const TARGET_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Routes an authenticated operator request; undefined when no route matches the path. */
export async function handleOperator(request: IngestRequest, deps: OperatorDeps) {
  const { path, method } = request;
  if (path === '/api/silences') {
    if (method === 'POST') {
      const input = validate(silenceInputSchema, parseJson(request), 'silence');
      try {
        const silence = await createSilence(deps.store, input, deps.now());
        return json(201, { silence });
      } catch (error) {
        if (error instanceof SilenceError) throw badRequest(error.message);
        throw error;
      }
    }
    if (method === 'GET') {
      const query = validate(silencesQuery, queryObject(request), 'query');
      const silences = await listSilences(deps.store, deps.now(), {
        includeExpired: query.includeExpired === 'true',
      });
      return json(200, { silences });
    }
    throw methodNotAllowed(['GET', 'POST']);
  }
  const silenceMatch = /^\/api\/silences\/([^/]+)$/.exec(path);
  if (silenceMatch) {
    if (method !== 'DELETE') throw methodNotAllowed(['DELETE']);
    const id = decodeSegment(silenceMatch[1] as string);
    if (!SILENCE_ID.test(id)) throw badRequest('silence id must be letters, digits and dashes');
    try {
      const silence = await expireSilence(deps.store, id, deps.now());
      if (!silence) throw notFound(`no silence with id ${id}`);
      return json(200, { silence });
    } catch (error) {
      if (error instanceof SilenceError) throw new IngestHttpError(409, error.message);
      throw error;
    }
  }
  if (path === '/api/acks') {
    if (method === 'POST') {
      const input = validate(ackInputSchema, parseJson(request), 'ack');
      try {
        const result = await acknowledgeAlerts(
          {
            store: deps.store,
            config: deps.config,
            ...(deps.secrets ? { secrets: deps.secrets } : {}),
            ...(deps.logger ? { logger: deps.logger } : {}),
          },
          input,
          'api',
          deps.now(),
        );
        return json(201, result);
      } catch (error) {
        if (error instanceof AckError) throw notFound(error.message);
        throw error;
      }
    }
    if (method === 'GET') {
      const query = validate(acksQuery, queryObject(request), 'query');
      const nowMs = deps.now();
      const [active, history] = await Promise.all([
        activeAcks(deps.store, nowMs),
        ackHistory(deps.store, query.limit),
      ]);
      return json(200, { active: [...active.values()], history });
    }
    throw methodNotAllowed(['GET', 'POST']);
  }
  const pollMatch = /^\/api\/targets\/([^/]+)\/poll$/.exec(path);
  if (pollMatch) {
    if (method !== 'POST') throw methodNotAllowed(['POST']);
    const id = decodeSegment(pollMatch[1] as string);
    if (!TARGET_ID.test(id) || !deps.config.targets.some((t) => t.id === id))
      throw notFound(`no target with id '${id.slice(0, 64)}'`);
    await deps.triggerPoll(id);
    return json(202, { targetId: id, poll: 'requested' });
  }
  if (path === '/api/events') {
    if (method !== 'GET') throw methodNotAllowed(['GET']);
    const query = validate(eventsQuery, queryObject(request), 'query');
    const events = await listRecentEvents(deps.store, { limit: query.limit });
    return json(200, { events });
  }
  if (path === '/api/remediations') {
    if (method !== 'GET') throw methodNotAllowed(['GET']);
    const query = validate(remediationsQuery, queryObject(request), 'query');
    const records = await remediationHistory(deps.store, {
      limit: query.limit,
      ...(query.job === undefined ? {} : { jobKey: query.job }),
    });
    return json(200, { remediations: records });
  }
  return undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest('path segment is not valid percent-encoding');
  }
}

export function methodNotAllowed(allowed: string[]): IngestHttpError {
  return new IngestHttpError(405, `method not allowed; use ${allowed.join(' or ')}`, {
    headers: { allow: allowed.join(', ') },
  });
}
