/** Free text for events and messages: single-spaced, trimmed to `max` characters. Does not scrub. */
export function trimText(text: string | undefined, max = 500): string | undefined {
  if (!text) return undefined;
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
