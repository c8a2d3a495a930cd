/** Command-line values checked at the edge, so a typo is a usage error that names the flag. */

import { type ParseArgsConfig, parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A whole or decimal number flag within bounds; `undefined` when the flag was not given.
 * `--poll-seconds abc` is refused here instead of becoming NaN somewhere deeper.
 */
export function numberFlag(
  name: string,
  raw: string | undefined,
  bounds: { min: number; max: number; integer?: boolean },
): number | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  const whole = bounds.integer ?? true;
  if (
    !Number.isFinite(value) ||
    (whole && !Number.isInteger(value)) ||
    value < bounds.min ||
    value > bounds.max
  )
    throw new UsageError(
      `--${name} must be ${whole ? 'a whole number' : 'a number'} from ${bounds.min} to ${bounds.max}; got '${raw}'`,
    );
  return value;
}

/** One of a fixed set of words; the error lists them. */
export function choiceFlag<T extends string>(name: string, raw: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got '${raw}'`);
}

/** --config FILE and --help: every command that reads the config or the state takes both. */
const CONFIG_AND_HELP = { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

/** --json: one JSON object a line on stdout instead of the human lines. */
export const JSON_OPTION = { json: { type: 'boolean' } } as const;

/** How long, why and who: what a silence and an acknowledgement record. */
export const NOTE_OPTIONS = {
  duration: { type: 'string', short: 'd' },
  comment: { type: 'string', short: 'c' },
  author: { type: 'string' },
} as const;

/** A command's arguments: its own options besides --config and --help; positionals only where allowed. */
export function commandArgs<O extends NonNullable<ParseArgsConfig['options']>, P extends boolean = false>(
  args: string[],
  options: O,
  allowPositionals?: P,
) {
  return parseArgs({ args, allowPositionals, strict: true, options: { ...CONFIG_AND_HELP, ...options } });
}
