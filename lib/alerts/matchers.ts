import { RE2JS, RE2JSException } from 're2js';
import { z } from 'zod';

/**
 * One label matcher, as in Alertmanager: equality, inequality, and fully anchored regular expressions.
 * Regular expressions use RE2 syntax (Go's regexp, which Alertmanager and Prometheus use) and are matched
 * by RE2JS in time linear in the label's length: an operator's `(a+)+$` cannot stall the notifier.
 */
export interface Matcher {
  name: string;
  value: string;
  op: '=' | '!=' | '=~' | '!~';
}

export const MATCHER_OPS = ['=', '!=', '=~', '!~'] as const;

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const MATCHER_TEXT = /^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/** The longest regular expression a matcher may hold; longer ones are refused as input. */
export const MAX_REGEX_LENGTH = 1024;

/** Why `source` is not a usable matcher regex, or undefined when it is. */
export function regexProblem(source: string): string | undefined {
  if (source.length > MAX_REGEX_LENGTH) return `is longer than ${MAX_REGEX_LENGTH} characters`;
  try {
    compiled(source);
    return undefined;
  } catch (error) {
    if (error instanceof RE2JSException) return error.message.replace(/^error parsing regexp: /, '');
    throw error;
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
    if (matcher.op !== '=~' && matcher.op !== '!~') return;
    const problem = regexProblem(matcher.value);
    if (problem)
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `invalid regular expression '${matcher.value.slice(0, 100)}': ${problem} (RE2 syntax, as in Alertmanager)`,
      });
  });

const regexCache = new Map<string, RE2JS>();

function compiled(source: string): RE2JS {
  let re = regexCache.get(source);
  if (!re) {
    re = RE2JS.compile(source);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(source, re);
  }
  return re;
}

/** One alternative made of plain characters and escaped dots only. */
const LITERAL_ALTERNATIVE = /^(?:[A-Za-z0-9_-]|\\\.)*$/;
const literalCache = new Map<string, ReadonlySet<string> | null>();

/**
 * The strings a pattern made only of literal alternatives (`cluster\.unhealthy|queue\.unhealthy`, as in the
 * default inhibit rule) matches in full, or null for any other pattern. Matching such a pattern is set
 * membership, with no regex engine run per alert.
 */
function literalsOf(source: string): ReadonlySet<string> | null {
  let literals = literalCache.get(source);
  if (literals === undefined) {
    const alternatives = source.split('|');
    literals = alternatives.every((a) => LITERAL_ALTERNATIVE.test(a))
      ? new Set(alternatives.map((a) => a.replaceAll('\\.', '.')))
      : null;
    if (literalCache.size > 1000) literalCache.clear();
    literalCache.set(source, literals);
  }
  return literals;
}

/**
 * Whether `actual` matches all of `source` (anchored like Prometheus: `etl-.*` must match the whole value,
 * not a substring). A pattern that does not compile (a silence stored before patterns were checked)
 * matches nothing.
 */
function fullMatch(source: string, actual: string): boolean | undefined {
  if (source.length > MAX_REGEX_LENGTH) return undefined;
  const literals = literalsOf(source);
  if (literals) return literals.has(actual);
  try {
    return compiled(source).matches(actual);
  } catch {
    return undefined;
  }
}

/**
 * Whether one matcher accepts a label set; a missing label reads as the empty string (as in AM). A regex
 * matcher whose pattern does not compile accepts nothing, for `=~` and `!~` alike: a broken silence or
 * inhibit rule mutes nothing, and a broken route matcher sends its alerts to the parent route.
 */
export function matchesOne(matcher: Matcher, labels: Record<string, string>): boolean {
  const actual = labels[matcher.name] ?? '';
  switch (matcher.op) {
    case '=':
      return actual === matcher.value;
    case '!=':
      return actual !== matcher.value;
    case '=~':
      return fullMatch(matcher.value, actual) === true;
    case '!~':
      return fullMatch(matcher.value, actual) === false;
  }
}

/** All matchers must accept the labels. */
export function matchesAll(matchers: readonly Matcher[], labels: Record<string, string>): boolean {
  // A loop, not `every` with a callback: routes, inhibit rules and silences call it for every alert.
  for (const m of matchers) if (!matchesOne(m, labels)) return false;
  return true;
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}
