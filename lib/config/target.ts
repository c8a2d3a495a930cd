import type { CredentialsRef } from './refs.js';

/**
 * What a provider sees of any target: the fields every target has, whatever its provider. The config schema
 * (schema.ts) validates more (rules, jobRules) and builds one branch per registered provider, adding
 * `provider: <its id>` and that provider's `options`; a test there checks that its output fits this type.
 * Kept apart from schema.ts so providers can name their target type without importing the config schema,
 * which is built from the provider registry.
 */
export interface TargetBase {
  /** Unique, stable name: it is part of every event's source and of state keys. */
  id: string;
  region: string;
  /** Overrides the endpoint derived from the region (private endpoints, the sandbox). */
  endpoint?: string | undefined;
  credentials: CredentialsRef;
  /** Job names to watch (globs). */
  jobs: { include: string[]; exclude: string[] };
  pollIntervalSeconds?: number | undefined;
  labels: Record<string, string>;
}

/** A validated target of one provider: the base fields, the provider's id and its parsed `options`. */
export type ProviderTarget<Options = unknown, Id extends string = string> = TargetBase & {
  provider: Id;
  options: Options;
};
