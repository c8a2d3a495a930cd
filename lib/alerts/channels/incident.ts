/**
 * What the incident tools (PagerDuty, Opsgenie) share: they take one event per alert, keyed by the alert
 * fingerprint, instead of one rendered message per group. Re-sending a whole group after a failure is safe
 * because both deduplicate on that key (a repeated trigger/create joins the open incident).
 */
import { secretRef } from '../../config/refs.js';
import {
  channelBase,
  classifyStatus,
  createPacer,
  failureFromError,
  notHttpUrl,
  unresolvedSecret,
  vendorDetail,
  WebhookPoster,
} from './shared.js';
import { safeUrl, truncateRunes } from './text.js';
import type { AlertView, Channel, ChannelDeps, ChannelType, NotifyResult } from './types.js';

/** Base fields of an incident-tool receiver: no webhook URL, an API key instead, and an endpoint override. */
export const incidentBase = {
  name: channelBase.name,
  sendResolved: channelBase.sendResolved,
  timeoutMs: channelBase.timeoutMs,
  /** Endpoint override (EU instance, proxy, the local sink); a reference like every URL in the config. */
  url: secretRef.optional(),
};

/** Plain text for tools that forward to chat: mentions and angle-bracket markup are defused, lines kept. */
export function plainText(raw: string, maxChars: number): string {
  const defused = raw
    .replace(/@/g, '@\u200b')
    .replace(/</g, '‹')
    .replace(/>/g, '›')
    .replace(/\]\(/g, ']\u200b(');
  return truncateRunes(defused, maxChars).text;
}

/** The facts of one alert as key/value details (bounded: every value is plain text of limited length). */
export function alertDetails(view: AlertView, maxValueChars: number): Record<string, string> {
  const details: Record<string, string> = {
    type: view.type,
    provider: view.provider,
    target: view.targetId,
    region: view.region,
    resource: `${view.resourceKind} ${view.resourceName}`,
    fingerprint: view.fingerprint,
  };
  if (view.state) details['state'] = view.state;
  if (view.summary) details['summary'] = view.summary;
  if (view.counts.length > 0) details['counts'] = view.counts.join(' · ');
  if (view.lastError) details['lastError'] = view.lastError;
  if (view.remediation)
    details['remediation'] =
      `${view.remediation.action} -> ${view.remediation.outcome}${view.remediation.dryRun ? ' (dry-run)' : ''}`;
  return Object.fromEntries(Object.entries(details).map(([k, v]) => [k, plainText(v, maxValueChars)]));
}

/** A view's links that are safe to send (http(s) only). */
export type SafeLink = { title: string; url: string };

function safeLinks(view: AlertView): SafeLink[] {
  return view.links
    .map((l) => ({ title: l.title, url: safeUrl(l.url) }))
    .filter((l): l is { title: string; url: string } => l.url !== undefined);
}

/** One request to the incident tool. */
export interface IncidentRequest {
  url: string;
  body: string;
  headers?: Record<string, string>;
}

/** A trigger carries the alert; resolve and acknowledge need only its fingerprint (the dedup key). */
type IncidentEvent = { action: 'trigger'; view: AlertView } | IncidentUpdate;
export type IncidentUpdate = { action: 'resolve' | 'acknowledge'; fingerprint: string; note?: string };

export interface IncidentChannelSpec {
  operation: string;
  /** The vendor's documented rate limit, kept by waiting; undefined when the vendor documents none fixed. */
  rate?: { max: number; windowMs: number };
  /** Wait after a 429 without Retry-After, as the vendor recommends. */
  throttledRetryAfterMs: number;
  /**
   * The request that opens the alert (or joins the open one), with the view's safe links; `key` is the
   * resolved API/routing key, `endpoint` the resolved base.
   */
  trigger: (view: AlertView, links: SafeLink[], key: string, endpoint: string) => IncidentRequest;
  /** The request that resolves or acknowledges the alert by its fingerprint. */
  update: (event: IncidentUpdate, key: string, endpoint: string) => IncidentRequest;
}

/**
 * A channel sending one event per alert: trigger for each firing alert, resolve for each resolved one
 * (when sendResolved), acknowledge on request. Stops at the first failure and reports it; the notifier's
 * retry sends the group again, which the fingerprint key makes harmless.
 */
export function incidentChannel(
  config: {
    type: ChannelType;
    name: string;
    sendResolved: boolean;
    timeoutMs: number;
    url?: string | undefined;
  },
  keyRef: string,
  defaultEndpoint: string,
  deps: ChannelDeps,
  spec: IncidentChannelSpec,
): Channel & Required<Pick<Channel, 'acknowledge'>> {
  const poster = new WebhookPoster(config.timeoutMs);
  const pace = spec.rate ? createPacer(spec.rate.max, spec.rate.windowMs, deps) : undefined;

  const resolve = async (): Promise<
    { ok: true; key: string; endpoint: string } | { ok: false; result: NotifyResult }
  > => {
    let reference = keyRef;
    try {
      const key = await deps.secrets(keyRef);
      reference = config.url ?? reference;
      const endpoint = config.url ? await deps.secrets(config.url) : defaultEndpoint;
      if (!safeUrl(endpoint))
        return { ok: false, result: notHttpUrl(config.name, 'endpoint', config.url ?? reference) };
      return { ok: true, key, endpoint };
    } catch (error) {
      return { ok: false, result: unresolvedSecret(config.name, reference, error) };
    }
  };

  const send = async (events: IncidentEvent[], signal?: AbortSignal): Promise<NotifyResult> => {
    const resolved = await resolve();
    if (!resolved.ok) return resolved.result;
    const secrets = [resolved.key, resolved.endpoint];
    for (const event of events) {
      try {
        await pace?.(signal);
        const request =
          event.action === 'trigger'
            ? spec.trigger(event.view, safeLinks(event.view), resolved.key, resolved.endpoint)
            : spec.update(event, resolved.key, resolved.endpoint);
        const response = await poster.post(
          request.url,
          request.body,
          spec.operation,
          signal,
          request.headers,
        );
        const status = classifyStatus(config.name, response.status, response.headers, deps.now());
        if (!status.ok) {
          const throttled = response.status === 429 && status.retryAfterMs === undefined;
          return {
            ...status,
            error: `${status.error}${vendorDetail(response.body, secrets)}`,
            ...(throttled ? { retryAfterMs: spec.throttledRetryAfterMs } : {}),
          };
        }
      } catch (error) {
        return failureFromError(config.name, error, secrets);
      }
    }
    return { ok: true };
  };

  return {
    name: config.name,
    type: config.type,
    sendResolved: config.sendResolved,
    notify(message, signal) {
      const events: IncidentEvent[] = message.firing.map((view) => ({ action: 'trigger', view }));
      if (config.sendResolved)
        for (const view of message.resolved)
          events.push({ action: 'resolve', fingerprint: view.fingerprint });
      return send(events, signal);
    },
    acknowledge(fingerprints, note, signal) {
      return send(
        fingerprints.map((fingerprint) => ({
          action: 'acknowledge' as const,
          fingerprint,
          ...(note ? { note } : {}),
        })),
        signal,
      );
    },
    close: () => poster.close(),
  };
}
