import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ICruiseResult, IViolation } from 'dependency-cruiser';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The import graph of lib/ and functions/ against .dependency-cruiser.cjs: one direction between layers,
 * no emulator in production code, no cycles. Type-only imports count.
 */

interface KnownViolation {
  rule: string;
  from: string;
  to: string;
  reason: string;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG_FILE = `${ROOT}.dependency-cruiser.cjs`;
const rules = createRequire(import.meta.url)(CONFIG_FILE) as {
  MAY_IMPORT: Record<string, string[]>;
  CONFIG_COMPOSITION: { from: string; to: string };
  KNOWN_VIOLATIONS: KnownViolation[];
};

const key = (v: { rule: string; from: string; to: string }) => `${v.rule}: ${v.from} -> ${v.to}`;

/**
 * Issue 16's acceptance order, top to bottom (folders of one tier are peers): functions -> hosts -> runtime ->
 * {alerts, remediation, ingest} -> events -> detect -> model. Nothing in a tier imports a tier above it.
 */
const ORDER: string[][] = [
  ['functions'],
  ['aws', 'local'],
  ['runtime'],
  ['alerts', 'remediation', 'ingest'],
  ['events'],
  ['detect'],
  ['model'],
];
const tierOf = (folder: string) => ORDER.findIndex((tier) => tier.includes(folder));
/** What providers may import of ours (issue 16: providers -> model, http, config; plus neutral helpers). */
const PROVIDERS_MAY_USE = [
  'model',
  'http',
  'config',
  'diagnose',
  'observability',
  'text',
  'async',
  'sandbox',
];
const folderOf = (path: string) =>
  path.startsWith('functions/') ? 'functions' : (path.split('/')[1] as string);

let result: ICruiseResult;

beforeAll(async () => {
  const options = { ...(await extractDepcruiseOptions(CONFIG_FILE)), baseDir: ROOT };
  const tsConfig = extractTSConfig(`${ROOT}tsconfig.json`);
  const output = await cruise(['lib', 'functions'], options, {}, { tsConfig });
  result = output.output as ICruiseResult;
}, 120_000);

function violations(): { rule: string; from: string; to: string }[] {
  return result.summary.violations.map((v: IViolation) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

describe('import graph', () => {
  it('reads every file (a resolver problem would make the other checks pass on nothing)', () => {
    const sources = result.modules.map((m) => m.source);
    expect(sources).toContain('functions/poll.ts');
    expect(sources).toContain('lib/runtime/pipeline.ts');
    expect(sources.length).toBeGreaterThan(150);
    const unresolved = result.modules
      .flatMap((m) => m.dependencies.map((d) => ({ from: m.source, to: d.module, ok: !d.couldNotResolve })))
      .filter((d) => !d.ok && d.to.startsWith('.'));
    expect(unresolved).toEqual([]);
  });

  it('places every folder of lib/ in the layer table', () => {
    const folders = new Set(
      result.modules
        .map((m) => m.source.split('/'))
        .flatMap((p) => (p[0] === 'lib' && p.length > 2 ? [p[1]] : [])),
    );
    expect([...folders].filter((f) => !((f as string) in rules.MAY_IMPORT))).toEqual([]);
  });

  it('has a layer table without cycles, so no two folders can import each other', () => {
    const order: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (folder: string, path: string[]): void => {
      if (state.get(folder) === 'done') return;
      if (state.get(folder) === 'visiting') throw new Error(`layer cycle: ${[...path, folder].join(' -> ')}`);
      state.set(folder, 'visiting');
      for (const below of rules.MAY_IMPORT[folder] ?? []) visit(below, [...path, folder]);
      state.set(folder, 'done');
      order.push(folder);
    };
    for (const folder of Object.keys(rules.MAY_IMPORT)) visit(folder, []);
    expect(order).toHaveLength(Object.keys(rules.MAY_IMPORT).length);
  });

  it('follows the acceptance order: no import from a lower tier to a higher one (actual imports)', () => {
    const upward = new Set<string>();
    for (const m of result.modules) {
      for (const d of m.dependencies) {
        if (!/^(lib|functions)\//.test(d.resolved)) continue;
        const [from, to] = [tierOf(folderOf(m.source)), tierOf(folderOf(d.resolved))];
        if (from !== -1 && to !== -1 && from > to) upward.add(`${m.source} -> ${d.resolved}`);
      }
    }
    expect([...upward].sort()).toEqual([]);
  });

  it('keeps detection free of events and the webhook ingest free of the runtime (actual imports)', () => {
    const imports = (from: string, to: string) =>
      result.modules
        .filter((m) => m.source.startsWith(`lib/${from}/`))
        .flatMap((m) => m.dependencies.filter((d) => d.resolved.startsWith(`lib/${to}/`)))
        .map((d) => d.resolved);
    expect(imports('detect', 'events')).toEqual([]);
    expect(imports('ingest', 'runtime')).toEqual([]);
    const providerImports = result.modules
      .filter((m) => m.source.startsWith('lib/providers/'))
      .flatMap((m) => m.dependencies.map((d) => d.resolved))
      .filter((to) => to.startsWith('lib/') && !to.startsWith('lib/providers/'))
      .filter((to) => !PROVIDERS_MAY_USE.includes(folderOf(to)));
    expect([...new Set(providerImports)]).toEqual([]);
  });

  it('has a layer table in the acceptance order: no folder may import a higher tier', () => {
    const upward = Object.entries(rules.MAY_IMPORT).flatMap(([folder, allowed]) =>
      allowed
        .filter((below) => tierOf(folder) !== -1 && tierOf(below) !== -1 && tierOf(folder) > tierOf(below))
        .map((below) => `${folder} -> ${below}`),
    );
    expect(upward).toEqual([]);
    expect(rules.MAY_IMPORT.detect).not.toContain('events');
    expect(rules.MAY_IMPORT.ingest).not.toContain('runtime');
  });

  it('has no folder-level cycle besides the config schema composing the sections (actual imports)', () => {
    const composes = (from: string, to: string) =>
      new RegExp(rules.CONFIG_COMPOSITION.from).test(from) &&
      new RegExp(rules.CONFIG_COMPOSITION.to).test(to);
    const edges = new Map<string, Set<string>>();
    for (const m of result.modules) {
      for (const d of m.dependencies) {
        if (!/^(lib|functions)\//.test(d.resolved) || composes(m.source, d.resolved)) continue;
        const [a, b] = [folderOf(m.source) as string, folderOf(d.resolved) as string];
        if (a !== b) edges.set(a, (edges.get(a) ?? new Set()).add(b));
      }
    }
    // Tarjan's strongly connected components: any component of two or more folders is a folder cycle.
    let counter = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const cycles: string[][] = [];
    const connect = (v: string): void => {
      index.set(v, counter);
      low.set(v, counter++);
      stack.push(v);
      for (const w of edges.get(v) ?? []) {
        if (!index.has(w)) {
          connect(w);
          low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
        } else if (stack.includes(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop() as string;
          component.push(w);
        } while (w !== v);
        if (component.length > 1) cycles.push(component.sort());
      }
    };
    for (const v of edges.keys()) if (!index.has(v)) connect(v);
    expect(cycles).toEqual([]);
  });

  it('breaks no rule other than the known violations listed in the config', () => {
    const known = new Set(rules.KNOWN_VIOLATIONS.map(key));
    expect(
      violations()
        .map(key)
        .filter((v) => !known.has(v)),
    ).toEqual([]);
  });

  it('lists only known violations that still occur (the list only shrinks)', () => {
    const actual = new Set(violations().map(key));
    expect(rules.KNOWN_VIOLATIONS.map(key).filter((v) => !actual.has(v))).toEqual([]);
  });

  it('gives each known violation its reason', () => {
    expect(rules.KNOWN_VIOLATIONS.filter((v) => v.reason.trim().length < 10)).toEqual([]);
  });
});
