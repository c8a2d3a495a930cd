import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readZipEntries } from '../../scripts/zip.js';

export const REPO = resolve(import.meta.dirname, '../..');

/** What the service needs to package: copied, so a test's jobwatch.yml never touches the shared tree. */
const SERVICE_FILES = [
  'serverless.yml',
  'package.json',
  'tsconfig.json',
  'jobwatch.example.yml',
  'scripts',
  'lib',
  'functions',
];

export interface PackagedService {
  dir: string;
  template: CfnTemplate;
  /** Every text the run produced: template files, every file in every zip, and the CLI's own output. */
  texts: { where: string; text: string }[];
  zips: Record<string, { bytes: number; files: Record<string, string> }>;
}

export interface CfnTemplate {
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON that tests walk directly.
  Resources: Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: unknown }>;
  Outputs?: Record<string, unknown>;
}

/**
 * Runs the real `serverless package --stage ci` (osls + serverless-esbuild) offline in a copy of the service,
 * with `jobwatch.yml` set to `config` (or none, to use the example), and `env` added to the child's
 * environment only.
 */
export async function packageService(options: {
  config?: string;
  env?: Record<string, string>;
}): Promise<PackagedService> {
  const dir = await mkdtemp(join(tmpdir(), 'jobwatch-package-'));
  for (const file of SERVICE_FILES) await cp(join(REPO, file), join(dir, file), { recursive: true });
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  if (options.config !== undefined) await writeFile(join(dir, 'jobwatch.yml'), options.config);
  const home = join(dir, '.home');
  await mkdir(home);

  // No AWS credentials or profile leak into the run: packaging must work without them.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^AWS_(PROFILE|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(key),
    ),
  );
  const output = await run(
    process.execPath,
    [join(REPO, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'ci'],
    {
      cwd: dir,
      env: { ...env, ...options.env, HOME: home, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    },
  );

  const artifacts = join(dir, '.serverless');
  const texts: PackagedService['texts'] = [{ where: 'serverless output', text: output }];
  const zips: PackagedService['zips'] = {};
  for (const file of await readdir(artifacts)) {
    const content = await readFile(join(artifacts, file));
    if (file.endsWith('.zip')) {
      const files: Record<string, string> = {};
      for (const entry of readZipEntries(content)) {
        files[entry.name] = entry.read().toString('utf8');
        texts.push({ where: `${file}:${entry.name}`, text: files[entry.name]! });
      }
      zips[file.replace(/\.zip$/, '')] = { bytes: content.length, files };
    } else {
      texts.push({ where: file, text: content.toString('utf8') });
    }
  }
  const template = JSON.parse(
    await readFile(join(artifacts, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as CfnTemplate;
  return { dir, template, texts, zips };
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(output);
      else reject(new Error(`serverless package exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}

export function resourcesOfType(template: CfnTemplate, type: string) {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}
