/** The job's health score in every message: one line under the diagnosis, and Alertmanager annotations. */
import { describe, expect, it } from 'vitest';
import { channelConfigSchema } from '../../lib/alerts/channels/registry.js';
import { buildSlackPayload } from '../../lib/alerts/channels/slack/index.js';
import type { AlertGroupMessage } from '../../lib/alerts/channels/types.js';
import { buildWebhookBody, type WebhookChannelConfig } from '../../lib/alerts/channels/webhook/index.js';
import { toAlertView } from '../../lib/alerts/view.js';
import { type JobwatchEvent, parseEvent, safeParseEvent } from '../../lib/events/index.js';
import { CHANNEL_CONFIGS, jobEvent, resolvedOf, T0 } from './helpers.js';

const HEALTH = {
  score: 20,
  grade: 'unhealthy' as const,
  summary: 'health 20/100 (unhealthy): 2 failures in the last hour (-60); breaching now: delay (-20)',
};

function message(events: JobwatchEvent[]): AlertGroupMessage {
  const views = events.map(toAlertView);
  return {
    receiver: 'oncall',
    groupKey: 'root:abc',
    groupLabels: { alertname: 'job.failed' },
    reason: 'first',
    status: views.some((v) => v.status === 'firing') ? 'firing' : 'resolved',
    firing: views.filter((v) => v.status === 'firing'),
    resolved: views.filter((v) => v.status === 'resolved'),
    omitted: 0,
    nowMs: T0 + 60_000,
  };
}

describe('health score in messages', () => {
  it('survives the event schema (both the fast check and zod) and is rejected out of range', () => {
    const event = jobEvent({ name: 'payments_agg', health: HEALTH });
    expect(parseEvent(JSON.parse(JSON.stringify(event))).data.health).toEqual(HEALTH);
    const bad = { ...event, data: { ...event.data, health: { ...HEALTH, score: 101 } } };
    expect(safeParseEvent(bad).success).toBe(false);
  });

  it('Slack shows the health line on a firing job alert, not on its resolve', () => {
    const firing = jobEvent({ name: 'payments_agg', health: HEALTH });
    const text = JSON.stringify(buildSlackPayload(message([firing])));
    expect(text).toContain('health 20/100 (unhealthy): 2 failures in the last hour (-60)');
    const resolved = JSON.stringify(buildSlackPayload(message([resolvedOf(firing, T0 + 60_000)])));
    expect(resolved).not.toContain('health 20/100');
  });

  it('the webhook (Alertmanager format) carries health_score and health annotations', () => {
    const config = channelConfigSchema.parse(CHANNEL_CONFIGS.webhook) as WebhookChannelConfig;
    const { body } = buildWebhookBody(config, message([jobEvent({ name: 'payments_agg', health: HEALTH })]));
    const alert = (body as { alerts: { annotations: Record<string, string> }[] }).alerts[0];
    expect(alert?.annotations.health_score).toBe('20');
    expect(alert?.annotations.health).toBe(HEALTH.summary);
  });
});
