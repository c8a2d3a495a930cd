/**
 * GET /status: one page for the on-call engineer (open incidents, each target's health and jobs, what
 * remediation did, silences), rendered on the server from `readStatus()` and the recent events.
 *
 * Not public: a browser signs in with an operator token (POST /status/login) and gets a signed session
 * cookie (lib/ingest/status-session.ts); a script sends `Authorization: Bearer <operator token>`. Anyone
 * else gets the sign-in form and nothing else.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { safeUrl } from '../alerts/channels/text.js';
import { formatMatcher } from '../alerts/matchers.js';
import type { Config } from '../config/schema.js';
import { gradeOf } from '../diagnose/health.js';
import { isDecision } from '../events/payloads.js';
import { listRecentEvents } from '../events/recent-events.js';
import type { JobwatchEvent } from '../events/schema.js';
import type { Store } from '../state/store.js';
import { readStatus, type StatusView } from '../status/status.js';
import { humanCount, humanDuration } from '../text/units.js';
import type { WebhookConfig } from './config.js';
import { notFound } from './errors.js';
import { htmlResponse } from './html.js';
import { methodNotAllowed } from './operator.js';
import { type IngestRequest, matchesAny } from './request.js';
import {
  clearedSessionCookie,
  cookieValues,
  issueSession,
  SESSION_COOKIE,
  sessionCookie,
  verifySession,
} from './status-session.js';
import { type PageModel, renderLogin, renderPage } from './status-template.js';

export const STATUS_ROUTES = ['/status', '/status/login', '/status/logout'] as const;

const HOUR_MS = 3_600_000;
const SPARK_HOURS = 24;
/** Recent events read for the sparklines (newest first); a busier day is drawn from its newest part. */
const SPARK_EVENT_LIMIT = 2_000;
const MAX_TOKEN_LENGTH = 512;

export interface StatusPageDeps {
  config: Config;
  settings: NonNullable<WebhookConfig['statusPage']>;
  store: Store;
  now: () => number;
  /** Resolves the operator tokens and the session key (cached by the secret resolver). */
  secrets: () => Promise<{ tokens: string[]; sessionKey: string }>;
}

type Response = APIGatewayProxyStructuredResultV2;

function redirect(location: string, cookies: string[]): Response {
  return htmlResponse(303, '', { location }, cookies);
}

export async function handleStatusPage(request: IngestRequest, deps: StatusPageDeps): Promise<Response> {
  const { path, method } = request;
  if (path === '/status/login') {
    if (method !== 'POST') throw methodNotAllowed(['POST']);
    return login(request, deps);
  }
  if (path === '/status/logout') {
    if (method !== 'POST') throw methodNotAllowed(['POST']);
    return redirect('/status', [clearedSessionCookie()]);
  }
  if (path !== '/status') throw notFound(`no route ${path.slice(0, 100)}`);
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(['GET']);
  const { tokens, sessionKey } = await deps.secrets();
  const nowMs = deps.now();
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  const signedIn =
    (bearer !== undefined && tokens.length > 0 && matchesAny(bearer, tokens)) ||
    cookieValues(request.cookies, SESSION_COOKIE).some((value) =>
      verifySession(value, { keys: [sessionKey], tokens, nowMs }),
    );
  if (!signedIn) {
    const offered = bearer !== undefined || cookieValues(request.cookies, SESSION_COOKIE).length > 0;
    return htmlResponse(
      401,
      renderLogin({ base: '', ...(offered ? { error: 'Your session has ended; sign in again.' } : {}) }),
      { 'www-authenticate': 'Bearer' },
      // A refused cookie is removed, so the browser stops sending it.
      offered ? [clearedSessionCookie()] : undefined,
    );
  }
  const [view, recent] = await Promise.all([
    readStatus({ config: deps.config, store: deps.store, nowMs, remediationLimit: 20 }),
    listRecentEvents(deps.store, { limit: SPARK_EVENT_LIMIT }),
  ]);
  return htmlResponse(200, renderPage(pageModel(view, recent, deps.settings.refreshSeconds)));
}

async function login(request: IngestRequest, deps: StatusPageDeps): Promise<Response> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type))
    return htmlResponse(400, renderLogin({ base: '', error: 'Send the sign-in form.' }));
  const token = new URLSearchParams(request.body.toString('utf8')).get('token') ?? '';
  const { tokens, sessionKey } = await deps.secrets();
  if (token === '' || token.length > MAX_TOKEN_LENGTH || !matchesAny(token, tokens))
    return htmlResponse(401, renderLogin({ base: '', error: 'That token is not accepted.' }));
  const maxAgeSec = deps.settings.sessionHours * 3600;
  const value = issueSession(sessionKey, token, deps.now() + maxAgeSec * 1000);
  return redirect('/status', [sessionCookie(value, maxAgeSec)]);
}

const MUTED_LABEL = { silence: 'silenced', inhibition: 'inhibited', maintenance: 'maintenance' } as const;
const ago = (ms: number) => `${humanDuration(Math.max(0, ms))} ago`;
const iso = (ms: number) => new Date(ms).toISOString();

/** The view as the template wants it: every string final, every number a number. */
export function pageModel(view: StatusView, recent: JobwatchEvent[], refreshSeconds: number): PageModel {
  const { nowMs } = view;
  const muted = view.firing.filter((a) => a.muted).length;
  const stale = view.targets.filter((t) => t.stale).length;
  const sparks = sparklines(recent, nowMs);
  return {
    base: '',
    title: `${view.firing.length - muted > 0 ? `(${view.firing.length - muted}) ` : ''}jobwatch status`,
    refreshSeconds,
    nowIso: iso(nowMs),
    nowText: `${iso(nowMs).slice(0, 16).replace('T', ' ')} UTC`,
    summary: {
      firing: `${view.firing.length - muted} firing${muted ? `, ${muted} muted` : ''}`,
      targets: `${view.targets.length} targets${stale ? `, ${stale} not polled` : ''}`,
    },
    incidents: view.firing.map((a) => ({
      type: a.type,
      severity: a.severity,
      title: a.title,
      targetId: a.targetId,
      resourceName: a.resourceName,
      age: humanDuration(Math.max(0, nowMs - a.startsAtMs)),
      sinceIso: iso(a.startsAtMs),
      markers: [
        ...(a.muted ? [{ label: MUTED_LABEL[a.muted.by], detail: a.muted.detail }] : []),
        ...(a.health ? [{ label: `health ${a.health.score}`, detail: a.health.summary }] : []),
        ...(a.acknowledged
          ? [
              {
                label: 'acknowledged',
                detail: `by ${a.acknowledged.by} until ${iso(a.acknowledged.untilMs).slice(11, 16)} UTC${a.acknowledged.comment ? `: ${a.acknowledged.comment}` : ''}`,
              },
            ]
          : []),
      ],
      ...(a.diagnosis ? { diagnosis: `${a.diagnosis.summary} Check: ${a.diagnosis.hint}` } : {}),
      // Only http(s) links become hrefs: a `javascript:` or `data:` URL from a payload is dropped.
      links: (a.links ?? []).filter((link) => safeUrl(link.url) !== undefined).slice(0, 3),
    })),
    targets: view.targets.map((t) => {
      const p = t.lastPoll;
      const badges: PageModel['targets'][number]['badges'] = [];
      if (t.stale) badges.push({ label: 'polls not arriving', tone: 'bad' });
      if (p && p.errors > 0)
        badges.push({ label: p.configOnly ? 'configuration problem' : 'API errors', tone: 'bad' });
      if (p && !p.complete) badges.push({ label: 'listing incomplete', tone: 'warn' });
      if (!t.configured) badges.push({ label: 'not in the config any more', tone: 'warn' });
      if (badges.length === 0) badges.push({ label: 'healthy', tone: 'ok' });
      const states = p
        ? Object.entries(p.jobStates)
            .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
            .map(([state, n]) => `${humanCount(n ?? 0)} ${state}`)
            .join(', ')
        : '';
      const spark = sparks.get(t.id) ?? emptySpark();
      return {
        id: t.id,
        provider: t.provider,
        badges,
        lastPoll: p ? `${ago(nowMs - p.atMs)} (${iso(p.atMs).slice(11, 19)} UTC)` : 'no poll recorded yet',
        ...(p
          ? {
              pollStats: `${humanDuration(p.durationMs)}, ${humanCount(p.calls)} calls, ${p.errors} errors`,
            }
          : {}),
        ...(p && p.problems.length > 0 ? { problems: p.problems.slice(0, 3).join('; ') } : {}),
        jobs: p
          ? `${humanCount(p.jobs)} jobs${states ? ` (${states})` : ''}${p.containers ? `, ${p.containers} clusters/queues` : ''}`
          : 'unknown',
        worstJobs: (p?.worstJobs ?? []).map((j) => ({
          name: j.name,
          state: j.state,
          ...(j.health === undefined ? {} : { health: j.health, grade: gradeOf(j.health) }),
        })),
        spark: sparkModel(spark),
      };
    }),
    remediations: view.remediations.map((r) => ({
      atIso: iso(r.atMs),
      age: ago(nowMs - r.atMs),
      decision: r.decision,
      tone: r.decision === 'performed' ? 'ok' : r.decision === 'skipped' ? 'warn' : 'bad',
      mode: r.mode,
      action: r.action,
      job: `${r.job.targetId}/${r.job.name}`,
      outcome: r.outcome,
      reason: r.reason,
    })),
    silences: view.silences.map((s) => ({
      id: s.id,
      matchers: s.matchers.map(formatMatcher).join(', '),
      until:
        s.state === 'pending'
          ? `starts ${iso(s.startsAtMs).slice(0, 16).replace('T', ' ')} UTC`
          : `${iso(s.endsAtMs).slice(0, 16).replace('T', ' ')} UTC (in ${humanDuration(s.endsAtMs - nowMs)})`,
      createdBy: s.createdBy,
      comment: s.comment,
    })),
  };
}

const emptySpark = () => new Array<number>(SPARK_HOURS).fill(0);

/** Firing findings per target per hour over the last 24 h, oldest hour first. */
export function sparklines(recent: JobwatchEvent[], nowMs: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const event of recent) {
    const { data } = event;
    if (data.status !== 'firing' || isDecision(data.type)) continue;
    const atMs = data.observedAtMs ?? Date.parse(event.time);
    const hoursAgo = Math.floor((nowMs - atMs) / HOUR_MS);
    if (!(hoursAgo >= 0 && hoursAgo < SPARK_HOURS)) continue;
    const buckets = out.get(data.targetId) ?? emptySpark();
    out.set(data.targetId, buckets);
    const i = SPARK_HOURS - 1 - hoursAgo;
    buckets[i] = (buckets[i] ?? 0) + 1;
  }
  return out;
}

function sparkModel(buckets: number[]): PageModel['targets'][number]['spark'] {
  const total = buckets.reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...buckets);
  return {
    text: `${humanCount(total)} finding${total === 1 ? '' : 's'} in the last 24 h`,
    bars: buckets.map((n, i) => {
      // Every hour shows a 1-unit stub, so an empty day still reads as a line of quiet hours.
      const h = n === 0 ? 1 : Math.max(3, Math.round((n / max) * 24));
      const hoursAgo = SPARK_HOURS - 1 - i;
      return {
        x: i * 4,
        y: 24 - h,
        h,
        hot: n > 0 && n === max,
        title: `${n} in the hour ${hoursAgo === 0 ? 'up to now' : `${hoursAgo} h ago`}`,
      };
    }),
  };
}
