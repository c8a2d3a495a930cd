import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { build } from 'esbuild';

export interface ColdStartRow {
  fn: string;
  bundleKb: number;
  zippedKb: number;
  importMsMedian: number;
  importMsMax: number;
}

/**
 * Bundles each handler the way serverless-esbuild does (minified ESM, @aws-sdk left to the runtime), then
 * imports it in fresh Node processes: what a cold start pays before the handler runs.
 */
export async function coldStart(runs = 5): Promise<ColdStartRow[]> {
  // Inside the project, so the externals (@aws-sdk) resolve from node_modules as the Lambda runtime provides them.
  const out = join(process.cwd(), '.bench');
  mkdirSync(out, { recursive: true });
  const handlers = readdirSync('functions').filter((f) => f.endsWith('.ts'));
  const rows: ColdStartRow[] = [];
  for (const file of handlers) {
    const name = basename(file, '.ts');
    const outfile = join(out, `${name}.mjs`);
    await build({
      entryPoints: [join('functions', file)],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      outfile,
      external: ['@aws-sdk/*'],
      banner: {
        js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
    const bytes = statSync(outfile).size;
    const zipped = deflateRawSync(readFileSync(outfile)).length;
    const probe = join(out, `probe-${name}.mjs`);
    writeFileSync(
      probe,
      `const t = performance.now(); await import(${JSON.stringify(outfile)}); process.stdout.write(String(performance.now() - t));`,
    );
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      times.push(
        Number(
          execFileSync(process.execPath, [probe], {
            cwd: process.cwd(),
            env: { ...process.env, AWS_REGION: 'us-east-1' },
          }).toString(),
        ),
      );
    }
    times.sort((a, b) => a - b);
    rows.push({
      fn: name,
      bundleKb: bytes / 1024,
      zippedKb: zipped / 1024,
      importMsMedian: times[Math.floor(times.length / 2)] ?? 0,
      importMsMax: times[times.length - 1] ?? 0,
    });
  }
  return rows;
}
