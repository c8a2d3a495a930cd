import type { z } from 'zod';

/**
 * Reports each item whose `key` repeats an earlier item's, at `[...at, index, key]`:
 * "duplicate target id 'x'" for `what` = 'target id'.
 */
export function refineUnique<T, K extends keyof T & string>(
  ctx: z.RefinementCtx,
  items: readonly T[],
  key: K,
  what: string,
  at: readonly PropertyKey[] = [],
): void {
  const seen = new Set<T[K]>();
  items.forEach((item, i) => {
    if (seen.has(item[key]))
      ctx.addIssue({
        code: 'custom',
        path: [...at, i, key],
        message: `duplicate ${what} '${String(item[key])}'`,
      });
    seen.add(item[key]);
  });
}
