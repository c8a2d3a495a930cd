import { z } from 'zod';

/** Remediation policies. The remediation module owns this file; the first version fixes the top-level key. */
export const remediationSchema = z
  .object({
    policies: z.array(z.looseObject({ name: z.string().min(1) })).default([]),
  })
  .default({ policies: [] });

export type RemediationConfig = z.infer<typeof remediationSchema>;
