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

/**
 * The entries of a plug-in registry (providers, channels) by key, in registration order, mirrored into a
 * plain `index` object other modules read live, with a version that changes on every change (the schemas
 * built from the registry cache on it). Callers check an entry before they add it.
 */
export class PluginEntries<E, Indexed = E> {
  private readonly entries = new Map<string, E>();
  private changes = 0;

  constructor(
    private readonly index: Record<string, Indexed>,
    private readonly indexed: (entry: E) => Indexed,
  ) {}

  get version(): number {
    return this.changes;
  }

  get(key: string): E | undefined {
    return this.entries.get(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  values(): E[] {
    return [...this.entries.values()];
  }

  /** Adds an entry; returns the function that removes it again (a no-op once it was replaced or removed). */
  add(key: string, entry: E): () => void {
    this.entries.set(key, entry);
    this.index[key] = this.indexed(entry);
    this.changes += 1;
    return () => {
      if (this.entries.get(key) !== entry) return;
      this.entries.delete(key);
      delete this.index[key];
      this.changes += 1;
    };
  }
}
