/** Config inputs and checks shared by the tests of config loading. */
import { ConfigError, parseConfig } from '../../lib/config/load.js';

/** Credentials as env references (never values). */
export const ENV_CREDENTIALS = { accessKeyId: 'env:AK', secretAccessKey: 'env:SK' };

/** One `targets:` entry as jobwatch.yml would give it. */
export function targetInput(
  id: string,
  provider: string,
  region: string,
  options: Record<string, unknown>,
  credentials: Record<string, string> = ENV_CREDENTIALS,
) {
  return { id, provider, region, credentials, options };
}

/** What loading `input` reports, every problem with its field path; none when it loads. */
export function configProblems(input: unknown, file = 'test.yml'): string[] {
  try {
    parseConfig(input, file);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}
