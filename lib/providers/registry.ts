/**
 * The provider registry: every provider jobwatch can watch. The config schema (targets, and the provider
 * names in routes, policies and the webhook block), the action-parameter validation at load, the poll and
 * the executor all read it; nothing else lists providers.
 *
 * Adding a provider: its folder `lib/providers/<id>/` (config.ts exporting the descriptor, index.ts
 * exporting `defineProvider(...)`) and its line in BUILT_IN below; its emulator is one line in
 * emulators.ts, kept apart so no emulator reaches a production bundle. test/providers/registry.test.ts
 * fails when a provider folder is not registered here or its emulator is missing.
 */
import { PluginEntries } from '../config/registry-schema.js';
import { PROVIDER_ID_PATTERN, type ProviderId } from '../model/snapshot.js';
import { alibabaBlinkProvider } from './alibaba-blink/index.js';
import { alibabaFlinkProvider } from './alibaba-flink/index.js';
import { huaweiDliProvider } from './huawei-dli/index.js';
import { huaweiMrsProvider } from './huawei-mrs/index.js';
import type { Provider } from './types.js';

export type { Provider } from './types.js';

const BUILT_IN: readonly Provider[] = [
  alibabaBlinkProvider,
  alibabaFlinkProvider,
  huaweiDliProvider,
  huaweiMrsProvider,
];

/**
 * Every registered provider by id, live: a provider registered later appears here too. Passed as
 * `providers` to the poll, the executor and doctor.
 */
export const PROVIDERS_BY_ID: Readonly<Record<ProviderId, Provider>> = Object.create(null);

const registered = new PluginEntries<Provider>(
  PROVIDERS_BY_ID as Record<ProviderId, Provider>,
  (provider) => provider,
);

/**
 * Makes a provider known to config validation, the poll and remediation. Throws on an id of the wrong
 * shape or one already taken. Returns the function that removes it again (tests).
 */
export function registerProvider(provider: Provider): () => void {
  if (!PROVIDER_ID_PATTERN.test(provider.id))
    throw new Error(`provider id '${provider.id}' must be lowercase letters, digits and dashes`);
  if (registered.has(provider.id)) throw new Error(`provider '${provider.id}' is already registered`);
  return registered.add(provider.id, provider);
}

/** Registered providers in registration order (built-ins first). */
export function registeredProviders(): readonly Provider[] {
  return registered.values();
}

export function providerById(id: string): Provider | undefined {
  return registered.get(id);
}

/** Changes whenever a provider is registered or removed; schemas built from the registry cache on it. */
export function providerRegistryVersion(): number {
  return registered.version;
}

for (const provider of BUILT_IN) registerProvider(provider);
