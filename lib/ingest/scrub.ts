import type { EventInput } from '../events/build.js';
import { VENDOR_TEXT_FACTS } from '../events/payloads.js';
import { cleanVendorText, scrubSecrets } from '../text/scrub.js';
import { MAX_ERROR_CHARS } from '../text/trim.js';

const scrubbed = <T extends string | undefined>(text: T): T =>
  (text === undefined ? text : scrubSecrets(text)) as T;

function scrubRecord<V>(record: Record<string, V> | undefined): Record<string, V> | undefined {
  if (!record) return record;
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [
      key,
      typeof value === 'string' ? scrubSecrets(value) : value,
    ]),
  ) as Record<string, V>;
}

/** Values scrubbed; error text facts also single-spaced and cut, as a collector does (`VENDOR_TEXT_FACTS`). */
function scrubValues<V>(record: Record<string, V>): Record<string, V> {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [
      key,
      typeof value !== 'string'
        ? value
        : VENDOR_TEXT_FACTS.has(key)
          ? (cleanVendorText(value, MAX_ERROR_CHARS) ?? '')
          : scrubSecrets(value),
    ]),
  ) as Record<string, V>;
}

/**
 * What a webhook sender says, scrubbed where it enters jobwatch: every free-text field of the event. Its
 * identity fields are scrubbed the same way (deterministically, so fingerprints stay stable). A link whose
 * URL carries a credential is dropped rather than rewritten.
 */
export function scrubEventInput(input: EventInput): EventInput {
  const { resource } = input;
  return {
    ...input,
    targetId: scrubSecrets(input.targetId),
    resource: {
      ...resource,
      key: scrubSecrets(resource.key),
      name: scrubSecrets(resource.name),
      vendorId: scrubSecrets(resource.vendorId),
      ...(resource.instanceId === undefined ? {} : { instanceId: scrubSecrets(resource.instanceId) }),
      scope: {
        ...resource.scope,
        id: scrubSecrets(resource.scope.id),
        ...(resource.scope.name === undefined ? {} : { name: scrubSecrets(resource.scope.name) }),
      },
    },
    title: scrubSecrets(input.title),
    summary: scrubSecrets(input.summary),
    ...(input.labels ? { labels: scrubRecord(input.labels) } : {}),
    ...(input.values ? { values: scrubValues(input.values) } : {}),
    ...(input.extras ? { extras: scrubValues(input.extras) } : {}),
    ...(input.links
      ? {
          links: input.links
            .filter((link) => scrubSecrets(link.url) === link.url)
            .map((link) => ({ ...link, title: scrubSecrets(link.title) })),
        }
      : {}),
    ...(input.discriminator === undefined ? {} : { discriminator: scrubbed(input.discriminator) }),
  };
}
