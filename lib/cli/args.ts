/** Command-line values checked at the edge, so a typo is a usage error that names the flag. */

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
