/**
 * Opsgenie Alert API v2: one alert per jobwatch alert, `alias` = the alert fingerprint (Opsgenie keeps one
 * open alert per alias); create while it fires, close when it resolves, acknowledge from jobwatch's ack.
 * Requests are asynchronous: 202 Accepted means queued. https://docs.opsgenie.com/docs/alert-api
 */
import { z } from 'zod';
import { secretRef } from '../../../config/refs.js';
import { alertDetails, incidentBase, incidentChannel, plainText } from '../incident.js';
import type { Channel, ChannelDeps } from '../types.js';

/** US instance; EU accounts use https://api.eu.opsgenie.com (set `url`). */
export const OPSGENIE_API_URL = 'https://api.opsgenie.com';
/** Field limits of Create Alert, in characters. */
export const OPSGENIE_MAX_CHARS = { message: 130, alias: 512, description: 15_000, entity: 512 } as const;
/** `details` values are bounded so the whole map stays under the API's 8000-character limit. */
const MAX_DETAIL_CHARS = 600;
/**
 * Opsgenie rate-limits per domain with a token bucket whose size depends on the plan, and answers 429
 * when it is exceeded; with no fixed figure to pace under, a 429 is retried after this wait.
 */
export const OPSGENIE_THROTTLED_RETRY_MS = 10_000;

const PRIORITY = { critical: 'P1', warning: 'P3', info: 'P5' } as const;

export const opsgenieConfigSchema = z
  .object({
    type: z.literal('opsgenie'),
    ...incidentBase,
    /** The API integration's key (sent as `Authorization: GenieKey …`), as a secret reference. */
    apiKey: secretRef,
    /** Priority per severity; P1 is the highest. */
    priorities: z
      .object({
        critical: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).default(PRIORITY.critical),
        warning: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).default(PRIORITY.warning),
        info: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).default(PRIORITY.info),
      })
      .strict()
      .default(PRIORITY),
    /** Extra tags on every alert (provider, type and severity are always added). */
    tags: z.array(z.string().min(1).max(50)).max(20).default([]),
  })
  .strict();
export type OpsgenieConfig = z.infer<typeof opsgenieConfigSchema>;

export function createOpsgenieChannel(config: OpsgenieConfig, deps: ChannelDeps): Channel {
  return incidentChannel(config, config.apiKey, OPSGENIE_API_URL, deps, {
    operation: 'opsgenie.alert',
    throttledRetryAfterMs: OPSGENIE_THROTTLED_RETRY_MS,
    update: (event, apiKey, base) => {
      const verb = event.action === 'resolve' ? 'close' : 'acknowledge';
      const alias = encodeURIComponent(event.fingerprint.slice(0, OPSGENIE_MAX_CHARS.alias));
      const note = event.note ? { note: plainText(event.note, 25_000) } : {};
      return {
        url: `${alertsUrl(base)}/${alias}/${verb}?identifierType=alias`,
        body: JSON.stringify({ source: 'jobwatch', ...note }),
        headers: genieKey(apiKey),
      };
    },
    trigger: (view, links, apiKey, base) => {
      const description = [
        view.summary,
        view.lastError ? `last error: ${view.lastError}` : '',
        view.counts.join(' · '),
        ...links.map((l) => `${l.title}: ${l.url}`),
      ]
        .filter(Boolean)
        .join('\n');
      const body = {
        message: plainText(view.title, OPSGENIE_MAX_CHARS.message),
        alias: view.fingerprint.slice(0, OPSGENIE_MAX_CHARS.alias),
        description: plainText(description, OPSGENIE_MAX_CHARS.description),
        entity: plainText(`${view.resourceKind} ${view.resourceName}`, OPSGENIE_MAX_CHARS.entity),
        source: 'jobwatch',
        priority: config.priorities[view.severity],
        tags: [...new Set([view.provider, view.type, view.severity, ...config.tags])].map((t) =>
          plainText(t, 50),
        ),
        details: alertDetails(view, MAX_DETAIL_CHARS),
      };
      return { url: alertsUrl(base), body: JSON.stringify(body), headers: genieKey(apiKey) };
    },
  });
}

function alertsUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/v2/alerts`;
}

function genieKey(apiKey: string): Record<string, string> {
  return { authorization: `GenieKey ${apiKey}` };
}
