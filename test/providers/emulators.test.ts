import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMULATORS_BY_PROVIDER } from '../../lib/providers/emulators.js';
import { PROVIDERS_BY_ID } from '../../lib/providers/registry.js';

/** Provider folders: lib/providers/<id>/ with a config.ts and an index.ts (huawei/ is shared code). */
const PROVIDER_FOLDERS = readdirSync(resolve(import.meta.dirname, '../../lib/providers'), {
  withFileTypes: true,
})
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .filter((name) =>
    ['config.ts', 'index.ts'].every((f) =>
      existsSync(resolve(import.meta.dirname, '../../lib/providers', name, f)),
    ),
  );

describe('emulator registry', () => {
  it('has one emulator per registered provider, each for the provider it is filed under', () => {
    expect(Object.keys(EMULATORS_BY_PROVIDER).sort()).toEqual(Object.keys(PROVIDERS_BY_ID).sort());
    expect(Object.keys(EMULATORS_BY_PROVIDER).sort()).toEqual([...PROVIDER_FOLDERS].sort());
    for (const [id, emulator] of Object.entries(EMULATORS_BY_PROVIDER)) expect(emulator.provider).toBe(id);
  });

  it('production providers carry no emulator', () => {
    for (const provider of Object.values(PROVIDERS_BY_ID)) expect(provider).not.toHaveProperty('sandbox');
  });
});

const ROOT = resolve(import.meta.dirname, '../..');

/** Relative modules a file loads at run time: `import type` and all-type specifier lists are erased. */
function runtimeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const found: string[] = [];
  const statement = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:\{([^}]*)\}|[^'";]*?)\s*from\s*'(\.[^']+)'/g;
  for (const m of source.matchAll(statement)) {
    const [, , typeOnly, names, specifier] = m;
    if (typeOnly) continue;
    if (names?.split(',').every((n) => n.trim() === '' || /^type\s/.test(n.trim()))) continue;
    found.push(specifier as string);
  }
  for (const m of source.matchAll(/(?:^|\n)\s*import\s*'(\.[^']+)'/g)) found.push(m[1] as string);
  for (const m of source.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)) found.push(m[1] as string);
  return found.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

/** Every module reachable at run time from the Lambda handlers, as paths relative to the repository. */
function productionClosure(): Set<string> {
  const entries = readdirSync(join(ROOT, 'functions'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(ROOT, 'functions', f));
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...runtimeImports(file));
  }
  return new Set([...seen].map((f) => relative(ROOT, f)));
}

describe('production code never loads an emulator', () => {
  it('nothing the Lambda handlers load (transitively) is an emulator, the sandbox harness or the demo', () => {
    const closure = productionClosure();
    expect(closure.has('lib/runtime/pipeline.ts')).toBe(true);
    expect(closure.has('lib/providers/registry.ts')).toBe(true);
    const emulatorCode = [...closure].filter(
      (f) =>
        /^lib\/providers\/[^/]+\/sandbox\.ts$/.test(f) ||
        f === 'lib/providers/emulators.ts' ||
        f.startsWith('lib/sandbox/') ||
        f.startsWith('lib/cli/'),
    );
    expect(emulatorCode).toEqual([]);
  });
});
