import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { formatPath } from './path.js';
import { type Config, configSchema } from './schema.js';

export { formatPath };

/** One line per problem, each naming the path of the bad field: `targets[0].options.projects: …`. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: string[],
    options?: ErrorOptions,
  ) {
    super(`invalid config ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
  }
}

/**
 * One line per problem: the field's path, what was expected and what was found. A discriminated union
 * whose discriminator matches no branch (the likeliest typo: `provider: alibaba-blnk`) reports no branch
 * issues, so its own message and the value found are printed, with the closest valid value.
 */
export function formatIssues(error: z.ZodError): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    const branches = issue.code === 'invalid_union' && 'errors' in issue ? issue.errors : undefined;
    if (Array.isArray(branches) && branches.length > 0) {
      for (const branch of branches as { path: PropertyKey[]; message: string }[][]) {
        for (const inner of branch)
          lines.push(`${formatPath([...issue.path, ...inner.path])}: ${inner.message}`);
      }
      continue;
    }
    const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const keys = unknownKeys.some((key) => !issue.message.includes(key))
      ? ` (${unknownKeys.join(', ')})`
      : '';
    lines.push(`${formatPath(issue.path)}: ${issue.message}${keys}${found(issue)}`);
  }
  return lines;
}

/** Fields whose values are never echoed back, even when they are wrong (a pasted secret). */
const SECRET_PATH = /(secret|token|password|credential|key|url|webhook)/i;

/** `; found 'slak' (did you mean 'slack'?)` for a wrong enum or discriminator value; '' otherwise. */
function found(issue: z.core.$ZodIssue): string {
  if (issue.path.some((part) => typeof part === 'string' && SECRET_PATH.test(part))) return '';
  const options = validValues(issue);
  const input = issue.code === 'invalid_union' ? discriminatorInput(issue) : issue.input;
  if (options === undefined || !('input' in issue)) return '';
  if (input === undefined) return '; found nothing (the field is missing)';
  if (typeof input !== 'string' && typeof input !== 'number' && typeof input !== 'boolean') return '';
  const shown = String(input).length > 60 ? `${String(input).slice(0, 57)}...` : String(input);
  const near = typeof input === 'string' ? closest(input, options) : undefined;
  return `; found '${shown}'${near ? ` (did you mean '${near}'?)` : ''}`;
}

function validValues(issue: z.core.$ZodIssue): string[] | undefined {
  if (issue.code === 'invalid_value') return issue.values.map(String);
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options))
    return (issue.options as unknown[]).map(String);
  return undefined;
}

function discriminatorInput(issue: z.core.$ZodIssue): unknown {
  const discriminator = (issue as { discriminator?: string }).discriminator;
  const input = issue.input as Record<string, unknown> | undefined;
  return discriminator && input && typeof input === 'object' ? input[discriminator] : undefined;
}

/** The valid value nearest by edit distance, when near enough to be a typo. */
export function closest(input: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const option of options) {
    const distance = editDistance(input.toLowerCase(), option.toLowerCase());
    if (distance < bestDistance) {
      best = option;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length] as number;
}

/** Validates an already-parsed config object. */
export function parseConfig(input: unknown, source = '(inline)'): Config {
  const result = configSchema.safeParse(input ?? {}, { reportInput: true });
  if (!result.success) throw new ConfigError(source, formatIssues(result.error), { cause: result.error });
  return result.data;
}

export function parseConfigText(text: string, source = '(inline)'): Config {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0)
    throw new ConfigError(
      source,
      doc.errors.map((e) => `YAML: ${e.message}`),
    );
  const value = doc.toJS();
  if (value === null || value === undefined)
    throw new ConfigError(source, [
      '(root): the file is empty; start from jobwatch.example.yml (a `targets:` list and `channels:`)',
    ]);
  return parseConfig(value, source);
}

export async function loadConfig(path: string): Promise<Config> {
  return parseConfigText(await readConfigFile(path), path);
}

/** Reads the file, turning the errors a user can meet into a ConfigError that says what to do. */
async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file; pass the path of your jobwatch.yml (see jobwatch.example.yml)'
        : code === 'EISDIR'
          ? 'is a directory; pass the path of a YAML file, e.g. ./jobwatch.yml'
          : code === 'EACCES' || code === 'EPERM'
            ? 'cannot be read (permission denied)'
            : `cannot be read (${code ?? (error as Error).message})`;
    throw new ConfigError(path, [`(file): ${why}`], { cause: error });
  }
}

/** What a valid config leaves unwatched, worth a word before anything runs. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.targets.length === 0)
    warnings.push('no targets: nothing is polled (only webhooks and the operator API run)');
  if (config.channels.length === 0) warnings.push('no channels: findings are not sent anywhere');
  return warnings;
}
