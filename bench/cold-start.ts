import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readZipEntries } from '../scripts/zip.js';
import { median } from './measure.js';

export interface ColdStartRow {
  fn: string;
  zipBytes: number;
  bundleBytes: number;
  /** Files in the zip other than the bundle and the config (a shipped source map would show here). */
  otherFiles: string[];
  importMsMedian: number;
  importMsMin: number;
  importMsMax: number;
  /**
   * CPU time of the same imports (user + system): on a shared machine the wall time also counts waiting
   * for a core, which CPU time does not, so this one is comparable across loads.
   */
  importCpuMsMedian: number;
}

/**
 * What ships, measured: runs `serverless package --stage ci` (unless `packaged` is false and the zips are
 * already in .serverless/), unpacks each zip under .bench/zips/ (inside the project, so `@aws-sdk/*`
 * resolves from node_modules as the Lambda runtime provides it) and imports its handler in fresh Node
 * processes with `--enable-source-maps`, as serverless.yml's NODE_OPTIONS makes Lambda run it.
 */
export function coldStart(options: { runs?: number; packageFirst?: boolean } = {}): ColdStartRow[] {
  const runs = options.runs ?? 7;
  if (options.packageFirst !== false) {
    const result = spawnSync('npx', ['serverless', 'package', '--stage', 'ci'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    });
    if (result.status !== 0) throw new Error(`serverless package failed (${result.status})`);
  }
  const artifacts = join(process.cwd(), '.serverless');
  const root = join(process.cwd(), '.bench', 'zips');
  rmSync(root, { recursive: true, force: true });
  const rows: ColdStartRow[] = [];
  for (const file of readdirSync(artifacts)
    .filter((f) => f.endsWith('.zip'))
    .sort()) {
    const fn = file.replace(/\.zip$/, '');
    const zip = readFileSync(join(artifacts, file));
    const dir = join(root, fn);
    let bundleBytes = 0;
    const otherFiles: string[] = [];
    for (const entry of readZipEntries(zip)) {
      const path = join(dir, entry.name);
      mkdirSync(dirname(path), { recursive: true });
      const content = entry.read();
      writeFileSync(path, content);
      if (entry.name === `functions/${fn}.mjs`) bundleBytes = content.length;
      else if (!/^jobwatch(\.example)?\.yml$/.test(entry.name)) otherFiles.push(entry.name);
    }
    const probe = join(dir, 'probe.mjs');
    writeFileSync(
      probe,
      `const c = process.cpuUsage(); const t = performance.now(); await import('./functions/${fn}.mjs'); const w = performance.now() - t; const u = process.cpuUsage(c); process.stdout.write(w + ' ' + (u.user + u.system) / 1000);`,
    );
    const times: number[] = [];
    const cpuTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      const [wallMs, cpuMs] = execFileSync(process.execPath, ['--enable-source-maps', probe], {
        cwd: dir,
        env: { ...process.env, AWS_REGION: 'us-east-1', NODE_OPTIONS: '' },
      })
        .toString()
        .split(' ')
        .map(Number);
      times.push(wallMs as number);
      cpuTimes.push(cpuMs as number);
    }
    rows.push({
      fn,
      zipBytes: zip.length,
      bundleBytes,
      otherFiles,
      importMsMedian: median(times),
      importMsMin: Math.min(...times),
      importMsMax: Math.max(...times),
      importCpuMsMedian: median(cpuTimes),
    });
  }
  return rows;
}
