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
  APPROVAL_LINK_ACTIONS,
  type ApprovalLinkAction,
  consumeNonce,
  isApprovalAction,
  LINK_ACTIONS,
  type LinkAction,
  MAX_TOKEN_CHARS,
  verifyActionToken,
} from '../alerts/action-links.js';
import { firingEvent } from '../alerts/chat-actions.js';
import { silenceAlert } from '../alerts/silences.js';
import type { Config } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import type { JobwatchEvent } from '../events/schema.js';
import type { Logger } from '../observability/logger.js';
import {
  type ApprovalAnswer,
  type ApprovalRecord,
  type ApprovalVerdict,
  readApproval,
} from '../remediation/index.js';
import type { Store } from '../state/store.js';
import { htmlResponse } from './html.js';
import type { IngestRequest } from './request.js';

export interface ActionPageDeps {
  config: Config;
  store: Store;
  now: () => number;
  secrets: SecretResolver;
  logger: Logger;
  /** Resolves the action-link key. */
  key: () => Promise<string>;
  /**
   * Answers to remediations waiting for approval; without it, Approve / Reject links are refused. `run`
   * hands the approved action to the remediator (after the answer, in the webhook function).
   */
  approvals?: {
    answer(input: { id: string; verdict: ApprovalVerdict; by: string }): Promise<ApprovalAnswer>;
    run(id: string): Promise<void>;
  };
}

type Response = APIGatewayProxyStructuredResultV2;

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

function page(status: number, title: string, body: string, headers: Record<string, string> = {}): Response {
  return htmlResponse(
    status,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>jobwatch: ${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    headers,
  );
}

const refuse = (status: number, reason: string) =>
  page(status, 'Nothing was done', `<p>${escapeHtml(reason)}.</p>`);

function describe(claims: ActionClaims & { action: LinkAction }, event: JobwatchEvent): string {
  const what = `${event.data.title} (${event.data.targetId}/${event.data.resource.name})`;
  const spec = LINK_ACTIONS[claims.action];
  return spec.silenceMs === undefined
    ? `Acknowledge “${what}”: it is not repeated until it resolves or the acknowledgement ends (4 h).`
    : `Silence “${what}” for ${spec.silenceMs / 3600_000} h: nobody is told about it until then.`;
}

async function check(
  token: string,
  deps: ActionPageDeps,
): Promise<
  | { ok: true; claims: ActionClaims & { action: LinkAction }; event: JobwatchEvent }
  | { ok: true; claims: ActionClaims & { action: ApprovalLinkAction }; approval: ApprovalRecord }
  | { ok: false; response: Response }
> {
  const verdict = verifyActionToken(await deps.key(), token, deps.now());
  if (!verdict.ok) return { ok: false, response: refuse(verdict.status, verdict.reason) };
  const { claims } = verdict;
  if (isApprovalAction(claims.action)) {
    const approval = deps.approvals ? await readApproval(deps.store, claims.fingerprint) : undefined;
    if (!approval) return { ok: false, response: refuse(404, 'there is no such approval request here') };
    const open = approvalOpen(approval, deps.now());
    if (!open.ok) return { ok: false, response: refuse(open.status, open.reason) };
    return { ok: true, claims: { ...claims, action: claims.action }, approval };
  }
  const event = await firingEvent(deps.store, claims.fingerprint);
  if (!event) return { ok: false, response: refuse(409, 'this alert is not firing any more') };
  return { ok: true, claims: { ...claims, action: claims.action as LinkAction }, event };
}

/** Whether an approval can still be answered: pending and inside its window. */
function approvalOpen(
  approval: ApprovalRecord,
  nowMs: number,
): { ok: true } | { ok: false; status: 409 | 410; reason: string } {
  if (approval.state === 'expired' || (approval.state === 'pending' && nowMs > approval.expiresAtMs))
    return {
      ok: false,
      status: 410,
      reason: `this approval expired at ${new Date(approval.expiresAtMs).toISOString()}; nothing was done`,
    };
  if (approval.state !== 'pending')
    return {
      ok: false,
      status: 409,
      reason: `this approval was answered already (${approval.state}${approval.decidedBy ? ` by ${approval.decidedBy}` : ''})`,
    };
  return { ok: true };
}

const describeApproval = (a: ApprovalRecord) =>
  `${a.action} ${a.jobName} on ${a.targetId} (policy ${a.policy}, for a ${a.event.data.type} finding), asked at ${new Date(a.requestedAtMs).toISOString()}, open until ${new Date(a.expiresAtMs).toISOString()}. Approving runs it through every guardrail (budget, cooldown, job lock, a fresh read of the job) once.`;

async function answerApproval(
  claims: ActionClaims & { action: ApprovalLinkAction },
  deps: ActionPageDeps & { approvals: NonNullable<ActionPageDeps['approvals']> },
): Promise<Response> {
  const answer = await deps.approvals.answer({
    id: claims.fingerprint,
    verdict: claims.action,
    by: 'action link',
  });
  if (!answer.ok) return refuse(answer.status, answer.message.replace(/\.$/, ''));
  if (answer.state === 'approved') await deps.approvals.run(answer.record.id);
  return page(
    200,
    answer.state === 'approved' ? 'Approved' : 'Rejected',
    `<p>${escapeHtml(answer.message)}</p>`,
  );
}

export async function handleActionPage(request: IngestRequest, deps: ActionPageDeps): Promise<Response> {
  if (request.method === 'GET' || request.method === 'HEAD') {
    const tokens = request.query.getAll('t');
    if (tokens.length !== 1) return refuse(400, 'this link is malformed');
    const checked = await check(tokens[0] as string, deps);
    if (!checked.ok) return checked.response;
    if ('approval' in checked) {
      const title = APPROVAL_LINK_ACTIONS[checked.claims.action].title;
      return page(
        200,
        `${title}?`,
        `<p>${escapeHtml(`${title}: ${describeApproval(checked.approval)}`)}</p><form method="post" action="/act"><input type="hidden" name="t" value="${escapeHtml(tokens[0] as string)}"><button type="submit">${escapeHtml(title)}</button></form>`,
      );
    }
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
  const nowMs = deps.now();
  if (!(await consumeNonce(deps.store, checked.claims, nowMs)))
    return refuse(409, 'this link was used already');
  if ('approval' in checked) {
    const approvals = deps.approvals;
    if (!approvals) return refuse(404, 'there is no such approval request here');
    return answerApproval(checked.claims, { ...deps, approvals });
  }
  const { claims, event } = checked;
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
  const silence = await silenceAlert(deps.store, event, {
    nowMs,
    durationMs: spec.silenceMs,
    createdBy: 'action link',
    comment: `silenced from an alert message (${claims.fingerprint})`,
  });
  return page(
    200,
    'Silenced',
    `<p>${escapeHtml(describe(claims, event))}</p><p>Silence ${escapeHtml(silence.id)}.</p>`,
  );
}
