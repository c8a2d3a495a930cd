import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
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
  /** Source maps kept beside the packages (`.serverless/sourcemaps/`), never inside a zip. */
  sourceMaps: Record<string, string>;
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
  const sourceMaps: PackagedService['sourceMaps'] = {};
  for (const file of await readdir(artifacts)) {
    if (file === 'sourcemaps') {
      for (const map of await readdir(join(artifacts, file), { recursive: true })) {
        if (!map.endsWith('.map')) continue;
        sourceMaps[map] = await readFile(join(artifacts, file, map), 'utf8');
        texts.push({ where: `sourcemaps/${map}`, text: sourceMaps[map]! });
      }
      continue;
    }
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
  return { dir, template, texts, zips, sourceMaps };
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
      else reject(new Error(`${args.slice(0, 2).join(' ')} exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}

export function resourcesOfType(template: CfnTemplate, type: string) {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/**
 * Runs one packaged handler (the bundle from a zip, unchanged) in a child Node the way Lambda would: the
 * package extracted as LAMBDA_TASK_ROOT, `@aws-sdk/*` provided by the "runtime" (a link to ours), the
 * environment serverless.yml sets, and AWS endpoints pointed at local servers through the SDK's standard
 * AWS_ENDPOINT_URL_* variables. Dummy credentials exist in the child's environment only.
 */
export async function invokePackagedHandler(options: {
  files: Record<string, string>;
  fn: string;
  event: unknown;
  env: Record<string, string>;
}): Promise<unknown> {
  const root = await mkdtemp(join(tmpdir(), 'jobwatch-task-'));
  for (const [name, content] of Object.entries(options.files)) {
    await mkdir(join(root, name, '..'), { recursive: true });
    await writeFile(join(root, name), content);
  }
  await mkdir(join(root, 'node_modules'));
  await symlink(join(REPO, 'node_modules/@aws-sdk'), join(root, 'node_modules/@aws-sdk'), 'dir');
  const script = `
    const { handler } = await import(${JSON.stringify(join(root, `functions/${options.fn}.mjs`))});
    const context = {
      functionName: 'jobwatch-ci-${options.fn}', awsRequestId: 'req-1', invokedFunctionArn: 'arn:aws:lambda:local:0:function:x',
      memoryLimitInMB: '256', logGroupName: '/aws/lambda/x', logStreamName: 's', callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => 20000,
    };
    const result = await handler(JSON.parse(process.env.TEST_EVENT), context);
    process.stdout.write('\\nRESULT ' + JSON.stringify(result) + '\\n');
    process.exit(0);
  `;
  const output = await run(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      LAMBDA_TASK_ROOT: root,
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local-test',
      AWS_SECRET_ACCESS_KEY: 'local-test',
      TEST_EVENT: JSON.stringify(options.event),
      ...options.env,
    },
  }).finally(() => rm(root, { recursive: true, force: true }));
  const line = output.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`handler printed no result:\n${output.slice(-3000)}`);
  return JSON.parse(line.slice('RESULT '.length));
}
