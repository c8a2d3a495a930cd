/**
 * Loose readings of vendor fields, as zod schemas: numbers and booleans that may arrive as strings, strings
 * that may arrive as numbers, and `null` or `""` meaning absent. Used where a vendor's docs and examples
 * disagree on a field's type (Alibaba's foas and ververica APIs).
 */
import { z } from 'zod';
import { looseBoolean, looseNumber } from './shared.js';

/** `null`, `undefined` and `""`: a field the vendor did not fill. */
export const absent = (value: unknown) => value === null || value === undefined || value === '';

/** Optional number that may arrive as a string ("1548397575000"); null and "" mean absent. */
export const looseNumberField = z.preprocess(
  (v) => (absent(v) ? undefined : (looseNumber(v) ?? v)),
  z.number().optional(),
);

/** Optional boolean that may arrive as a string or a number; null and "" mean absent. */
export const looseBooleanField = z.preprocess(
  (v) => (absent(v) ? undefined : (looseBoolean(v) ?? v)),
  z.boolean().optional(),
);

/** Optional string that may arrive as a number; null means absent. */
export const looseStringField = z.preprocess(
  (v) => (v === null || v === undefined ? undefined : typeof v === 'number' ? String(v) : v),
  z.string().optional(),
);
