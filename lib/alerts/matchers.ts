import { z } from 'zod';

/** One label matcher, as in Alertmanager: equality, inequality, and fully anchored regular expressions. */
export interface Matcher {
  name: string;
  value: string;
  op: '=' | '!=' | '=~' | '!~';
}

export const MATCHER_OPS = ['=', '!=', '=~', '!~'] as const;

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const MATCHER_TEXT = /^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

function validRegex(source: string): boolean {
  try {
    new RegExp(`^(?:${source})$`);
    return true;
  } catch {
    return false;
  }
}

const matcherObjectSchema = z
  .object({
    name: z.string().regex(LABEL_NAME, 'must be a label name (letters, digits, _ . -)'),
    value: z.string(),
    op: z.enum(MATCHER_OPS).default('='),
  })
  .strict();

/**
 * A matcher in config or API input: `{name, value, op}` or the Alertmanager text form `team="data"`,
 * `severity!=info`, `job=~"etl-.*"`.
 */
export const matcherSchema = z
  .union([
    matcherObjectSchema,
    z.string().transform((text, ctx) => {
      const m = MATCHER_TEXT.exec(text);
      if (!m) {
        ctx.addIssue({
          code: 'custom',
          message: `'${text}' is not a matcher like name="value" or name=~"re"`,
        });
        return z.NEVER;
      }
      const raw = m[3] ?? '';
      const value = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
      return { name: m[1] as string, op: m[2] as Matcher['op'], value };
    }),
  ])
  .superRefine((matcher, ctx) => {
    if ((matcher.op === '=~' || matcher.op === '!~') && !validRegex(matcher.value))
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `invalid regular expression '${matcher.value}'`,
      });
  });

const regexCache = new Map<string, RegExp>();

function anchored(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    // Anchored like Prometheus: `etl-.*` must match the whole value, not a substring.
    re = new RegExp(`^(?:${source})$`);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(source, re);
  }
  return re;
}

/** Whether one matcher accepts a label set; a missing label reads as the empty string (as in AM). */
export function matchesOne(matcher: Matcher, labels: Record<string, string>): boolean {
  const actual = labels[matcher.name] ?? '';
  switch (matcher.op) {
    case '=':
      return actual === matcher.value;
    case '!=':
      return actual !== matcher.value;
    case '=~':
      return anchored(matcher.value).test(actual);
    case '!~':
      return !anchored(matcher.value).test(actual);
  }
}

/** All matchers must accept the labels. */
export function matchesAll(matchers: readonly Matcher[], labels: Record<string, string>): boolean {
  return matchers.every((m) => matchesOne(m, labels));
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}
