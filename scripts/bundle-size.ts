/**
 * `npm run bundle-size`: packages the service (`serverless package --stage ci`, offline) and prints each
 * function's zipped size with its contents; exits 1 when any package is over 400 KiB zipped.
 * `--no-package` reads the existing .serverless/ artifacts instead.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readZipEntries } from './zip.js';

/** Issue 17: each zipped handler at most 400 KiB (source maps are kept out of the zips). */
export const MAX_ZIPPED_BYTES = 400 * 1024;

export interface BundleReport {
  fn: string;
  zippedBytes: number;
  files: { name: string; bytes: number }[];
}

export function reportBundles(artifactDir: string): BundleReport[] {
  return readdirSync(artifactDir)
    .filter((file) => file.endsWith('.zip'))
    .sort()
    .map((file) => {
      const zip = readFileSync(join(artifactDir, file));
      return {
        fn: file.replace(/\.zip$/, ''),
        zippedBytes: zip.length,
        files: readZipEntries(zip).map((e) => ({ name: e.name, bytes: e.uncompressedBytes })),
      };
    });
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function formatTable(reports: BundleReport[]): string {
  const rows = [['function', 'zipped', 'of 400 KiB', 'bundle (.mjs)', 'source map', 'other files']];
  for (const r of reports) {
    const bundle = r.files.filter((f) => f.name.endsWith('.mjs') || f.name.endsWith('.js'));
    const maps = r.files.filter((f) => f.name.endsWith('.map'));
    const other = r.files.filter((f) => !bundle.includes(f) && !maps.includes(f));
    const sum = (files: { bytes: number }[]) => files.reduce((n, f) => n + f.bytes, 0);
    rows.push([
      r.fn,
      kb(r.zippedBytes),
      `${((r.zippedBytes / MAX_ZIPPED_BYTES) * 100).toFixed(0)} %`,
      kb(sum(bundle)),
      kb(sum(maps)),
      other.map((f) => f.name).join(', ') || '-',
    ]);
  }
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows
    .map((row, i) => {
      const line = row.map((cell, col) =>
        col === 0 || col === 5 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!),
      );
      return i === 0 ? `${line.join('  ')}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line.join('  ');
    })
    .join('\n');
}

async function main() {
  const serviceDir = process.cwd();
  if (!process.argv.includes('--no-package')) {
    const result = spawnSync('npx', ['serverless', 'package', '--stage', 'ci'], {
      cwd: serviceDir,
      stdio: 'inherit',
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
  const reports = reportBundles(join(serviceDir, '.serverless'));
  if (reports.length === 0) {
    console.error('no packages in .serverless/: run `npx serverless package --stage ci` first');
    process.exit(1);
  }
  console.log(formatTable(reports));
  const over = reports.filter((r) => r.zippedBytes > MAX_ZIPPED_BYTES);
  if (over.length > 0) {
    console.error(`over 400 KiB zipped: ${over.map((r) => r.fn).join(', ')}`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
