/**
 * The confirm page behind signed action links (GET/POST /act). GET checks the token and shows what would
 * happen with a form; only a POST of that form acts, and only once per token. Every refusal is a 4xx page
 * that says why; no refusal has an effect.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { acknowledgeAlerts } from '../alerts/acknowledge.js';
import { AckError, ackInputSchema } from '../alerts/acks.js';
import {
  type ActionClaims,
  consumeNonce,
  LINK_ACTIONS,
  MAX_TOKEN_CHARS,
  verifyActionToken,
} from '../alerts/action-links.js';
import { firingEvent } from '../alerts/chat-actions.js';
import { createSilence, silenceInputSchema } from '../alerts/silences.js';
import type { Config } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import type { JobwatchEvent } from '../events/schema.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../state/store.js';
import type { IngestRequest } from './request.js';
import { CONTENT_SECURITY_POLICY } from './status-template.js';

export interface ActionPageDeps {
  config: Config;
  store: Store;
  now: () => number;
  secrets: SecretResolver;
  logger: Logger;
  /** Resolves the action-link key. */
  key: () => Promise<string>;
}

type Response = APIGatewayProxyStructuredResultV2;

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

function page(status: number, title: string, body: string, headers: Record<string, string> = {}): Response {
  return {
    statusCode: status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      ...headers,
    },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>jobwatch: ${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
  };
}

const refuse = (status: number, reason: string) =>
  page(status, 'Nothing was done', `<p>${escapeHtml(reason)}.</p>`);

function describe(claims: ActionClaims, event: JobwatchEvent): string {
  const what = `${event.data.title} (${event.data.targetId}/${event.data.resource.name})`;
  const spec = LINK_ACTIONS[claims.action];
  return spec.silenceMs === undefined
    ? `Acknowledge “${what}”: it is not repeated until it resolves or the acknowledgement ends (4 h).`
    : `Silence “${what}” for ${spec.silenceMs / 3600_000} h: nobody is told about it until then.`;
}

async function check(
  token: string,
  deps: ActionPageDeps,
): Promise<{ ok: true; claims: ActionClaims; event: JobwatchEvent } | { ok: false; response: Response }> {
  const verdict = verifyActionToken(await deps.key(), token, deps.now());
  if (!verdict.ok) return { ok: false, response: refuse(verdict.status, verdict.reason) };
  const event = await firingEvent(deps.store, verdict.claims.fingerprint);
  if (!event) return { ok: false, response: refuse(409, 'this alert is not firing any more') };
  return { ok: true, claims: verdict.claims, event };
}

export async function handleActionPage(request: IngestRequest, deps: ActionPageDeps): Promise<Response> {
  if (request.method === 'GET' || request.method === 'HEAD') {
    const tokens = request.query.getAll('t');
    if (tokens.length !== 1) return refuse(400, 'this link is malformed');
    const checked = await check(tokens[0] as string, deps);
    if (!checked.ok) return checked.response;
    const title = LINK_ACTIONS[checked.claims.action].title;
    return page(
      200,
      `${title}?`,
      `<p>${escapeHtml(describe(checked.claims, checked.event))}</p><form method="post" action="/act"><input type="hidden" name="t" value="${escapeHtml(tokens[0] as string)}"><button type="submit">${escapeHtml(title)}</button></form>`,
    );
  }
  if (request.method !== 'POST') {
    const refused = refuse(405, 'use the link, then the button');
    return { ...refused, headers: { ...refused.headers, allow: 'GET, POST' } };
  }
  if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? ''))
    return refuse(415, 'send the confirm form');
  if (request.body.length > MAX_TOKEN_CHARS + 100) return refuse(400, 'this link is malformed');
  const form = new URLSearchParams(request.body.toString('utf8'));
  const tokens = form.getAll('t');
  if (tokens.length !== 1) return refuse(400, 'this link is malformed');
  const checked = await check(tokens[0] as string, deps);
  if (!checked.ok) return checked.response;
  const { claims, event } = checked;
  const nowMs = deps.now();
  if (!(await consumeNonce(deps.store, claims, nowMs))) return refuse(409, 'this link was used already');
  const spec = LINK_ACTIONS[claims.action];
  if (spec.silenceMs === undefined) {
    try {
      await acknowledgeAlerts(
        { store: deps.store, config: deps.config, secrets: deps.secrets, logger: deps.logger },
        ackInputSchema.parse({ alert: claims.fingerprint, createdBy: 'action link', comment: '' }),
        'link',
        nowMs,
      );
    } catch (error) {
      if (error instanceof AckError) return refuse(409, 'this alert is not firing any more');
      throw error;
    }
    return page(200, 'Acknowledged', `<p>${escapeHtml(describe(claims, event))}</p>`);
  }
  const silence = await createSilence(
    deps.store,
    silenceInputSchema.parse({
      matchers: [
        { name: 'alertname', op: '=', value: event.data.type },
        { name: 'target', op: '=', value: event.data.targetId },
        { name: 'resource', op: '=', value: event.data.resource.name },
      ],
      startsAt: nowMs,
      endsAt: nowMs + spec.silenceMs,
      createdBy: 'action link',
      comment: `silenced from an alert message (${claims.fingerprint})`,
    }),
    nowMs,
  );
  return page(
    200,
    'Silenced',
    `<p>${escapeHtml(describe(claims, event))}</p><p>Silence ${escapeHtml(silence.id)}.</p>`,
  );
}
