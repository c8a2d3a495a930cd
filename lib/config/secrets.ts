/** Resolves `env:NAME`, `ssm:/path` and `secretsmanager:name` references. Values never reach logs or events. */
export type SecretResolver = (reference: string) => Promise<string>;

export class SecretResolutionError extends Error {
  override name = 'SecretResolutionError';
}

interface CacheEntry {
  value: Promise<string>;
  expiresAtMs: number;
}

/**
 * Resolves secret references. `env:` reads the environment; `ssm:` and `secretsmanager:` call AWS (SDK
 * loaded lazily, so the local runtime never needs it). Values are cached across warm invocations.
 */
export function createSecretResolver(
  options: { ttlMs?: number; env?: NodeJS.ProcessEnv; now?: () => number } = {},
): SecretResolver {
  const cache = new Map<string, CacheEntry>();
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  return async (reference: string) => {
    if (reference.startsWith('env:')) {
      const name = reference.slice(4);
      const value = env[name];
      if (value === undefined || value === '')
        throw new SecretResolutionError(`secret reference ${reference}: environment variable is not set`);
      return value;
    }
    const hit = cache.get(reference);
    if (hit && hit.expiresAtMs > now()) return hit.value;
    const value = fetchAwsSecret(reference).catch((error: unknown) => {
      if (error instanceof SecretResolutionError) throw error;
      throw new SecretResolutionError(`secret reference ${reference}: ${awsReason(error)}`, { cause: error });
    });
    cache.set(reference, { value, expiresAtMs: now() + ttlMs });
    value.catch(() => cache.delete(reference));
    return value;
  };
}

async function fetchAwsSecret(reference: string): Promise<string> {
  if (reference.startsWith('ssm:')) {
    const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
    const out = await new SSMClient({}).send(
      new GetParameterCommand({ Name: reference.slice(4), WithDecryption: true }),
    );
    const value = out.Parameter?.Value;
    if (!value) throw new SecretResolutionError(`secret reference ${reference}: parameter has no value`);
    return value;
  }
  if (reference.startsWith('secretsmanager:')) {
    const [id, jsonKey] = reference.slice('secretsmanager:'.length).split('#');
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: id }));
    const raw = out.SecretString;
    if (!raw) throw new SecretResolutionError(`secret reference ${reference}: secret has no string value`);
    if (!jsonKey) return raw;
    const value = (JSON.parse(raw) as Record<string, unknown>)[jsonKey];
    if (typeof value !== 'string')
      throw new SecretResolutionError(`secret reference ${reference}: key not found`);
    return value;
  }
  throw new SecretResolutionError(`unsupported secret reference scheme in '${reference.split(':')[0]}:…'`);
}

/** Why AWS refused, in words that say what to do; the SDK's own message can be a page long. */
function awsReason(error: unknown): string {
  const name = (error as { name?: string }).name ?? '';
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(String(error)))
    return 'no AWS credentials (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or use env: references locally)';
  if (name === 'ParameterNotFound' || name === 'ResourceNotFoundException') return 'not found in AWS';
  if (name === 'AccessDeniedException' || name === 'AccessDenied') return 'access denied by IAM';
  if (/region/i.test(String((error as Error).message ?? ''))) return 'no AWS region (set AWS_REGION)';
  return `AWS error ${name || 'unknown'}`;
}
