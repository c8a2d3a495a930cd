/**
 * Longest error text a snapshot, an event and a message carry. Vendor error text is cut to it once, where
 * it enters (collectors, `toCollectionError`, the webhook ingest); detection and the alert view copy it.
 */
export const MAX_ERROR_CHARS = 300;

/** Free text for events and messages: single-spaced, trimmed to `max` characters. Does not scrub. */
export function trimText(text: string | undefined, max = 500): string | undefined {
  if (!text) return undefined;
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
