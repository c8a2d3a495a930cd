/**
 * PagerDuty Events API v2: one event per alert, `dedup_key` = the alert fingerprint; trigger while it
 * fires, resolve when it resolves, acknowledge when someone acknowledges it in jobwatch.
 * https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
 */
import { z } from 'zod';
import { secretRef } from '../../../config/refs.js';
import { alertDetails, incidentBase, incidentChannel, plainText } from '../incident.js';
import type { Channel, ChannelDeps } from '../types.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
/** "The Events v2 API has a limit of approximately 120 calls/minute per integration key." */
export const PAGERDUTY_EVENTS_PER_MINUTE = 120;
/** On 429: "retrying 3 times with each request being 30 seconds apart". */
export const PAGERDUTY_THROTTLED_RETRY_MS = 30_000;
/** `payload.summary`: "The maximum permitted length of this property is 1024 characters". */
export const PAGERDUTY_MAX_SUMMARY_CHARS = 1024;
/** `dedup_key`: "The maximum permitted length of this property is 255 characters". */
export const PAGERDUTY_MAX_DEDUP_KEY_CHARS = 255;
/** Payloads are limited to 512 KB; our details stay far below (every value is capped). */
const MAX_DETAIL_CHARS = 2000;

export const pagerdutyConfigSchema = z
  .object({
    type: z.literal('pagerduty'),
    ...incidentBase,
    /** The Events API v2 integration key (32 characters), as a secret reference. */
    routingKey: secretRef,
    /** Shown as the sending tool in PagerDuty. */
    client: z.string().min(1).max(100).default('jobwatch'),
  })
  .strict();
export type PagerdutyConfig = z.infer<typeof pagerdutyConfigSchema>;

export function createPagerdutyChannel(config: PagerdutyConfig, deps: ChannelDeps): Channel {
  return incidentChannel(config, config.routingKey, PAGERDUTY_EVENTS_URL, deps, {
    operation: 'pagerduty.enqueue',
    rate: { max: PAGERDUTY_EVENTS_PER_MINUTE, windowMs: 60_000 },
    throttledRetryAfterMs: PAGERDUTY_THROTTLED_RETRY_MS,
    update: (event, routingKey, url) => ({
      url,
      body: JSON.stringify({
        routing_key: routingKey,
        event_action: event.action,
        dedup_key: event.fingerprint.slice(0, PAGERDUTY_MAX_DEDUP_KEY_CHARS),
      }),
    }),
    trigger: (view, links, routingKey, url) => {
      const body = {
        routing_key: routingKey,
        event_action: 'trigger',
        dedup_key: view.fingerprint.slice(0, PAGERDUTY_MAX_DEDUP_KEY_CHARS),
        client: config.client,
        ...(links[0] ? { client_url: links[0].url } : {}),
        payload: {
          summary: plainText(
            `${view.title} · ${view.resourceName} (${view.targetId})`,
            PAGERDUTY_MAX_SUMMARY_CHARS,
          ),
          source: plainText(`${view.provider}/${view.region}/${view.targetId}`, 255),
          severity: view.severity,
          timestamp: new Date(view.startsAtMs).toISOString(),
          component: plainText(view.resourceName, 255),
          group: plainText(view.targetId, 255),
          class: view.type,
          custom_details: alertDetails(view, MAX_DETAIL_CHARS),
        },
        links: links.map((l) => ({ href: l.url, text: plainText(l.title, 100) })),
      };
      return { url, body: JSON.stringify(body) };
    },
  });
}
