import { z } from 'zod';

/**
 * A secret is referenced, never written in the config file: `env:NAME`, `ssm:/path/to/param` or
 * `secretsmanager:name-or-arn` (optionally `secretsmanager:name#jsonKey`).
 */
export const SECRET_REF_PATTERN =
  /^(env:[A-Za-z_][A-Za-z0-9_]*|ssm:\/[\w./-]+|secretsmanager:[\w/+=.@:-]+(#[\w.-]+)?)$/;

export const secretRef = z
  .string()
  .regex(
    SECRET_REF_PATTERN,
    'must be a secret reference (env:NAME, ssm:/path or secretsmanager:name); secrets are never written in the config file',
  );

export const credentialsSchema = z
  .object({
    accessKeyId: secretRef,
    secretAccessKey: secretRef,
    securityToken: secretRef.optional(),
  })
  .strict();

export type CredentialsRef = z.infer<typeof credentialsSchema>;

export interface SecretReference {
  reference: string;
  /** Where in the config it was found, e.g. `targets[0].credentials.accessKeyId`. */
  path: string;
}

/** Every secret reference in a config object, with the path of the field that holds it. */
export function findSecretReferences(config: unknown): SecretReference[] {
  const found: SecretReference[] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string') {
      if (SECRET_REF_PATTERN.test(value)) found.push({ reference: value, path });
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, `${path}[${i}]`);
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key);
    }
  };
  walk(config, '');
  return found;
}
