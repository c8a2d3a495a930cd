import { z } from 'zod';

/**
 * A schema rebuilt from a plug-in registry (providers, channels) whenever the registry changes, so a
 * plug-in registered at run time is validated like a built-in one. Parsing delegates to the current build
 * and hands its issues up unchanged (paths, messages, the input for "did you mean").
 */
export function registryBacked<Output>(
  version: () => number,
  build: () => z.ZodType<Output>,
): z.ZodType<Output, unknown> {
  let cached: { version: number; schema: z.ZodType<Output> } | undefined;
  const current = (): z.ZodType<Output> => {
    const now = version();
    if (cached?.version !== now) cached = { version: now, schema: build() };
    return cached.schema;
  };
  return z.unknown().transform((value, ctx) => {
    const parsed = current().safeParse(value, { reportInput: true });
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]);
    return z.NEVER;
  }) as unknown as z.ZodType<Output, unknown>;
}
