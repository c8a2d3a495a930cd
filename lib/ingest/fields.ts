/**
 * Reading vendor alarm payloads whose key casing varies by template and version (`AlarmStatus`,
 * `alarm_status`, `alarmStatus`): keys are compared lower-cased without `_` and `-`.
 */
export type Fields = Map<string, unknown>;

export const normKey = (key: string) => key.toLowerCase().replace(/[_-]/g, '');

export function fieldsOf(...objects: unknown[]): Fields {
  const fields: Fields = new Map();
  for (const object of objects) {
    if (!object || typeof object !== 'object' || Array.isArray(object)) continue;
    for (const [key, value] of Object.entries(object)) {
      const k = normKey(key);
      if (!fields.has(k)) fields.set(k, value);
    }
  }
  return fields;
}

/** The first of `names` present as a non-empty string or finite number, as a trimmed string. */
export function text(fields: Fields, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = fields.get(normKey(name));
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'boolean') return String(value);
  }
  return undefined;
}

/** Epoch ms from seconds, milliseconds, or a date string; undefined when unreadable or absurd. */
export function timeMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) {
    const n = Number(value);
    const ms = n < 1e11 ? n * 1000 : n;
    return plausible(Math.round(ms));
  }
  const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? undefined : plausible(ms);
}

function plausible(ms: number): number | undefined {
  // Between 2001 and 2286: guards against seconds/ms confusion producing year 50000 events.
  return ms > 1e12 && ms < 1e13 ? ms : undefined;
}

/** Clips free text from vendors to a length safe for a chat message. */
export function clip(value: string | undefined, max = 200): string | undefined {
  if (value === undefined) return undefined;
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
