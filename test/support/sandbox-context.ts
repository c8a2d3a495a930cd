import { createSecretResolver } from '../../lib/config/secrets.js';
import { silentLogger } from '../../lib/observability/logger.js';
import type { ProviderContext } from '../../lib/providers/types.js';
import { SANDBOX_ENV } from '../../lib/sandbox/index.js';

/** What a provider call needs against the emulators: the sandbox credentials (and `env`), the simulated clock. */
export const sandboxContext = (
  clock: { now(): number },
  env: Record<string, string | undefined> = {},
): ProviderContext => ({
  now: () => clock.now(),
  secrets: createSecretResolver({ env: { ...SANDBOX_ENV, ...env } }),
  logger: silentLogger,
});
