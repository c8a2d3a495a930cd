/**
 * Nothing catches a provider or channel folder that was added but not registered, unless this does: every
 * folder with a provider's file set is in the provider registry (and its emulator in the emulator registry),
 * every channel folder is in the channel registry, and each registered provider is consistent with itself.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHANNEL_TYPES, registeredChannels } from '../../lib/alerts/channels/registry.js';
import type { ProviderTarget as TargetConfig } from '../../lib/config/target.js';
import type { JobKind } from '../../lib/model/snapshot.js';
import { silentLogger } from '../../lib/observability/logger.js';
import { WrongProviderError } from '../../lib/providers/define.js';
import { EMULATORS_BY_PROVIDER } from '../../lib/providers/emulators.js';
import { PROVIDERS_BY_ID, registeredProviders } from '../../lib/providers/registry.js';
import type { ActionTarget, Provider, ProviderContext } from '../../lib/providers/types.js';
import { startChatSink } from '../../lib/sandbox/chat-sink.js';
import { streamJobTarget } from './harness.js';

const ROOT = resolve(import.meta.dirname, '../..');

function foldersWith(dir: string, files: string[]): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((d) => d.isDirectory() && files.every((f) => existsSync(join(ROOT, dir, d.name, f))))
    .map((d) => d.name)
    .sort();
}

/** The values a folder's index.ts exports. */
async function exportsOf(dir: string, folder: string): Promise<unknown[]> {
  return Object.values(await import(pathToFileURL(join(ROOT, dir, folder, 'index.ts')).href));
}

describe('every plug-in folder is registered', () => {
  it('each provider folder (config.ts + index.ts) exports the provider registered under its name', async () => {
    const folders = foldersWith('lib/providers', ['config.ts', 'index.ts']);
    expect(folders.length).toBeGreaterThanOrEqual(4);
    for (const folder of folders) {
      const registered = PROVIDERS_BY_ID[folder];
      expect(registered, `lib/providers/${folder} is not in lib/providers/registry.ts`).toBeDefined();
      expect(await exportsOf('lib/providers', folder)).toContain(registered);
    }
    expect(
      registeredProviders()
        .map((p) => p.id)
        .sort(),
    ).toEqual(folders);
  });

  it('each provider folder with an emulator (sandbox.ts) is in the emulator registry', () => {
    for (const folder of foldersWith('lib/providers', ['config.ts', 'index.ts', 'sandbox.ts']))
      expect(EMULATORS_BY_PROVIDER[folder]?.provider, `lib/providers/emulators.ts misses ${folder}`).toBe(
        folder,
      );
  });

  it('each channel folder (index.ts) has its config schema in the channel registry', async () => {
    const folders = foldersWith('lib/alerts/channels', ['index.ts']);
    const schemas = registeredChannels().map((c) => c.configSchema);
    for (const folder of folders) {
      const exported = await exportsOf('lib/alerts/channels', folder);
      expect(
        exported.some((value) => schemas.includes(value as never)),
        `lib/alerts/channels/${folder} is not in lib/alerts/channels/registry.ts`,
      ).toBe(true);
    }
    expect(registeredChannels()).toHaveLength(folders.length);
  });

  it('the chat sink emulates exactly the built-in channel types', async () => {
    const sink = await startChatSink();
    try {
      expect(Object.keys(sink.endpoints).sort()).toEqual([...CHANNEL_TYPES].sort());
    } finally {
      await sink.stop();
    }
  });
});

const RESOURCES: Pick<ActionTarget, 'kind' | 'jobKind'>[] = [
  { kind: 'cluster' },
  { kind: 'queue' },
  ...(['flink-stream', 'flink-batch', 'spark-batch', 'sql', 'hive', 'mapreduce', 'other'] as JobKind[]).map(
    (jobKind) => ({ kind: 'job' as const, jobKind }),
  ),
];

describe.each(registeredProviders().map((p) => [p.id, p] as [string, Provider]))('%s', (_id, provider) => {
  it('declares the params of every action it supports, as a strict object', () => {
    const supported = new Set(RESOURCES.flatMap((r) => provider.actions.supports(r)));
    expect([...supported].sort()).toEqual(Object.keys(provider.actionParams).sort());
    for (const schema of Object.values(provider.actionParams))
      expect(schema?.safeParse({ surely_not_a_param: 1 }).success).toBe(false);
  });

  it('refuses a target of another provider the one way: collect, readState and perform throw', async () => {
    const other = registeredProviders().find((p) => p.id !== provider.id) as Provider;
    // Never parsed or read: the provider must refuse it before looking inside.
    const target = { id: 'other', provider: other.id, region: 'anywhere', options: {} } as TargetConfig;
    const ctx: ProviderContext = { now: () => 0, secrets: async () => 'x', logger: silentLogger };
    const resource = streamJobTarget('1', { kind: 'project', id: 'p' }, 'k');
    const message = `target other is a ${other.id} target, not a ${provider.id} one`;
    await expect(provider.collect(target, ctx)).rejects.toThrow(new WrongProviderError(provider.id, target));
    await expect(provider.collect(target, ctx)).rejects.toThrow(message);
    await expect(provider.actions.readState(target, resource, ctx)).rejects.toThrow(message);
    const request = { action: 'stop' as const, resource, params: {}, verifyTimeoutMs: 1 };
    await expect(provider.actions.perform(target, request, ctx)).rejects.toThrow(message);
  });
});
