/**
 * The tags or labels users keep on a job at the vendor, in whichever shape the vendor gives them: DLI's
 * `[{key, value}]`, ververica's `{key: value}` map, or a `k=v,k2=v2` string. Only string values are kept,
 * control characters stripped and sizes capped: a tag is user text, and only the keys `rules.tagLabels`
 * names (owner, env) ever reach an event.
 */
const MAX_TAGS = 50;
const MAX_KEY_CHARS = 128;
const MAX_VALUE_CHARS = 256;

export function vendorTagsOf(raw: unknown): Record<string, string> | undefined {
  const pairs: [unknown, unknown][] = [];
  if (Array.isArray(raw)) {
    for (const item of raw)
      if (item && typeof item === 'object') {
        const { key, value } = item as { key?: unknown; value?: unknown };
        pairs.push([key, value]);
      }
  } else if (typeof raw === 'string') {
    for (const part of raw.split(',')) {
      const at = part.indexOf('=');
      if (at > 0) pairs.push([part.slice(0, at), part.slice(at + 1)]);
    }
  } else if (raw && typeof raw === 'object') {
    pairs.push(...Object.entries(raw));
  }
  const tags: Record<string, string> = {};
  let count = 0;
  for (const [key, value] of pairs) {
    if (count >= MAX_TAGS) break;
    const k = clean(key, MAX_KEY_CHARS);
    const v = clean(value, MAX_VALUE_CHARS);
    if (!k || v === undefined || Object.hasOwn(tags, k)) continue;
    tags[k] = v;
    count++;
  }
  return count > 0 ? tags : undefined;
}

function clean(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
  const text = String(value)
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim();
  return text ? text.slice(0, max) : undefined;
}
