/**
 * Generic webhook: the group's CloudEvents as one batch (application/cloudevents-batch+json), or an
 * Alertmanager-compatible payload (version 4), with an optional HMAC-SHA256 signature header.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { secretRef } from '../../../config/refs.js';
import { alertLabels } from '../../silences.js';
import { channelBase, webhookChannel } from '../shared.js';
import type { AlertGroupMessage, AlertView, Channel, ChannelDeps } from '../types.js';

export const WEBHOOK_SIGNATURE_HEADER = 'x-jobwatch-signature';
export const WEBHOOK_TIMESTAMP_HEADER = 'x-jobwatch-timestamp';

export const webhookChannelConfigSchema = z
  .object({
    type: z.literal('webhook'),
    ...channelBase,
    format: z.enum(['cloudevents', 'alertmanager']).default('cloudevents'),
    /** Signs `<timestamp>.<body>` with HMAC-SHA256 into `X-Jobwatch-Signature: sha256=<hex>`. */
    secret: secretRef.optional(),
    /** At most this many alerts per request (0 = all), like AM's max_alerts. */
    maxAlerts: z.number().int().min(0).default(0),
  })
  .strict();
export type WebhookChannelConfig = z.infer<typeof webhookChannelConfigSchema>;

export function webhookSignature(secret: string, timestampMs: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampMs}.${body}`).digest('hex')}`;
}

function amAlert(view: AlertView) {
  return {
    status: view.status,
    labels: alertLabels(view.event),
    annotations: annotations(view),
    startsAt: new Date(view.startsAtMs).toISOString(),
    endsAt: view.endsAtMs === undefined ? '0001-01-01T00:00:00Z' : new Date(view.endsAtMs).toISOString(),
    generatorURL: view.links[0]?.url ?? '',
    fingerprint: view.fingerprint,
  };
}

/** Alertmanager's annotations, plus the diagnosis and the runbook under their customary names. */
function annotations(view: AlertView): Record<string, string> {
  const out: Record<string, string> = { summary: view.title, description: view.summary };
  const diagnosis = view.diagnosis;
  if (diagnosis) {
    out.category = diagnosis.category;
    out.diagnosis = diagnosis.summary;
    out.hint = diagnosis.hint;
    if (diagnosis.rootCause) out.root_cause = diagnosis.rootCause;
  }
  if (view.health) {
    out.health_score = String(view.health.score);
    out.health = view.health.summary;
  }
  const runbook = view.links.find((l) => l.title === 'runbook');
  if (runbook) out.runbook_url = runbook.url;
  return out;
}

function common(alerts: Record<string, string>[]): Record<string, string> {
  if (alerts.length === 0) return {};
  const [first, ...rest] = alerts as [Record<string, string>, ...Record<string, string>[]];
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((a) => a[k] === v)));
}

export function buildWebhookBody(config: WebhookChannelConfig, message: AlertGroupMessage) {
  let views = [...message.firing, ...message.resolved];
  const truncated = config.maxAlerts > 0 ? Math.max(0, views.length - config.maxAlerts) : 0;
  if (config.maxAlerts > 0) views = views.slice(0, config.maxAlerts);
  if (config.format === 'cloudevents')
    return { contentType: 'application/cloudevents-batch+json', body: views.map((v) => v.event), truncated };
  const alerts = views.map(amAlert);
  return {
    contentType: 'application/json',
    truncated,
    body: {
      version: '4',
      groupKey: message.groupKey,
      truncatedAlerts: truncated + message.omitted,
      status: message.status,
      receiver: message.receiver,
      groupLabels: message.groupLabels,
      commonLabels: common(alerts.map((a) => a.labels)),
      commonAnnotations: common(alerts.map((a) => a.annotations)),
      externalURL: '',
      alerts,
    },
  };
}

export function createWebhookChannel(config: WebhookChannelConfig, deps: ChannelDeps): Channel {
  return webhookChannel(config, deps, {
    render: (message) => {
      const built = buildWebhookBody(config, message);
      return { payload: built, dropped: built.truncated };
    },
    request: (built, { url, secret }, timestampMs) => {
      const body = JSON.stringify(built.body);
      const headers: Record<string, string> = { 'content-type': built.contentType };
      if (secret) {
        headers[WEBHOOK_TIMESTAMP_HEADER] = String(timestampMs);
        headers[WEBHOOK_SIGNATURE_HEADER] = webhookSignature(secret, timestampMs, body);
      }
      return { url, body, headers };
    },
  });
}
