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
