import { isAbsolute, join } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';

/** Set by serverless.yml: the config file's name inside the deployment package. */
export const CONFIG_FILE_ENV = 'JOBWATCH_CONFIG_FILE';
const DEFAULT_FILE = 'jobwatch.yml';

/**
 * Loads the jobwatch.yml bundled into the Lambda package (serverless.yml `package.patterns`), validated by
 * the same schema as the local runtime. Call once per cold start (lambdaServices memoises it). Secrets
 * stay references here; they are resolved at use and cached by the secret resolver.
 */
export async function loadDeployedConfig(
  options: { env?: NodeJS.ProcessEnv; root?: string } = {},
): Promise<Config> {
  const env = options.env ?? process.env;
  const file = env[CONFIG_FILE_ENV] || DEFAULT_FILE;
  const root = options.root ?? env.LAMBDA_TASK_ROOT ?? process.cwd();
  return loadConfig(isAbsolute(file) ? file : join(root, file));
}
