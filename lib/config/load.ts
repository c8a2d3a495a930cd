import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Config, configSchema } from './schema.js';

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

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

export function formatIssues(error: z.ZodError): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    // A discriminated union reports the branch's own issues; unions report every branch.
    if (issue.code === 'invalid_union' && 'errors' in issue && Array.isArray(issue.errors)) {
      for (const branch of issue.errors as { path: PropertyKey[]; message: string }[][]) {
        for (const inner of branch)
          lines.push(`${formatPath([...issue.path, ...inner.path])}: ${inner.message}`);
      }
      continue;
    }
    const keys =
      issue.code === 'unrecognized_keys' ? ` (${(issue as { keys: string[] }).keys.join(', ')})` : '';
    lines.push(`${formatPath(issue.path)}: ${issue.message}${keys}`);
  }
  return lines;
}

/** Validates an already-parsed config object. */
export function parseConfig(input: unknown, source = '(inline)'): Config {
  const result = configSchema.safeParse(input ?? {});
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
  return parseConfig(doc.toJS(), source);
}

export async function loadConfig(path: string): Promise<Config> {
  return parseConfigText(await readFile(path, 'utf8'), path);
}
