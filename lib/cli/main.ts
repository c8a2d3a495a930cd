import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, configWarnings, loadConfig, parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import type { JobwatchEvent } from '../events/schema.js';
import { createStderrLogger, type Logger } from '../observability/logger.js';
import { ALL_EMULATORS } from '../providers/emulators.js';
import { formatHistory, listApprovals, remediationHistory } from '../remediation/index.js';
import { type DeadLetterRow, listEveryDeadLetter, retryNotificationsNow } from '../runtime/dead-letters.js';
import { pollAll } from '../runtime/pipeline.js';
import { createLocalPipeline, createNotifierFor } from '../runtime/services.js';
import { createSimClock } from '../sandbox/clock.js';
import { startSandbox } from '../sandbox/server.js';
import { SANDBOX_ENV } from '../sandbox/types.js';
import { StateDirError } from '../state/local-dir.js';
import { choiceFlag, commandArgs, JSON_OPTION, numberFlag, UsageError } from './args.js';
import { deliverHeld } from './deliver.js';
import { startDemo } from './demo.js';
import { commandDoctor, DOCTOR_HELP } from './doctor.js';
import { cliLogger } from './log.js';
import { formatEventLine, formatPollLine } from './output.js';
import { cliServices, drainPipeline, runUntilStopped, serveLocalPipeline } from './services.js';
import { waitForStop } from './signals.js';
import {
  ACK_HELP,
  commandAck,
  commandEvents,
  commandSilence,
  commandStatus,
  EVENTS_HELP,
  openStateFor,
  SILENCE_HELP,
  STATUS_HELP,
} from './state-commands.js';
import { openStore, StateInUseError } from './store.js';

/** Exit codes: what a script calling jobwatch can rely on. */
export const EXIT = {
  ok: 0,
  /** Something unexpected failed (a bug, or the state store is unreachable). */
  failure: 1,
  /** Bad command line or invalid configuration. */
  usage: 2,
  /** The poll cycle ran, but at least one vendor API was unreachable (see source.unreachable events). */
  sourceUnreachable: 3,
} as const;

const DEFAULT_CONFIG = 'jobwatch.yml';
/** Machine (JSON) logs of `start`; the terminal gets human lines. */
const LOG_FILE = '.jobwatch/jobwatch.log';

const HELP: Record<string, string> = {
  main: `jobwatch: watch Flink, Spark, Hive and SQL jobs on Alibaba Cloud Realtime Compute, Huawei DLI and MRS.

Usage: jobwatch <command> [options]

Commands:
  start                      Run the monitor locally (with no jobwatch.yml: the sandbox demo)
  poll --once                Run one poll cycle over every target and print the events
  config validate [FILE]     Validate a config file (default ./jobwatch.yml)
  sandbox                    Run the vendor API emulators alone and print their endpoints
  alert test <receiver>      Send a test message through one configured receiver
  status                     What is firing, each target's last poll, remediations, silences
  silence add|list|expire    Silence alerts by label matchers (with an end and a comment)
  ack <FINGERPRINT|JOB>      Acknowledge a firing alert: no repeats until it resolves or the ack ends
  events tail [--follow]     The most recent events, and new ones as they come
  doctor                     Check the config: secrets resolve, each target answers, channels
  remediation history        Print the remediation audit trail
  remediation approve|reject Answer an action waiting for approval (remediation approvals lists them)
  deadletters list|replay    Show what could not be delivered, or deliver it now

Run 'jobwatch <command> --help' for a command's options; 'jobwatch --version' prints the version.
Exit codes: 0 ok, 1 unexpected failure, 2 usage or invalid config, 3 a vendor API was unreachable.

Environment:
  JOBWATCH_LOG_LEVEL   debug|info|warn|error: the level of the JSON log lines written to stderr
                       (default warn for one-shot commands, info for 'start' with a config).`,
  start: `Usage: jobwatch start [--config FILE] [--poll-seconds N]

Runs the poll, notify, remediate and flush functions on their schedules in this process, against the
state store in .jobwatch/ (or state.endpoint). Without a config file it starts the built-in sandbox,
a local chat sink and a demo configuration, so you see alerts and a remediation within a minute.

Options:
  --config FILE       Config file (default ./jobwatch.yml, if it exists)
  --poll-seconds N    Poll every N seconds instead of each target's interval (local runs only)
  --duration N        Stop after N seconds (default: run until Ctrl-C)
  --verbose           Also print the machine (JSON) log lines here; they always go to
                      .jobwatch/jobwatch.log
  --webhook-port N    Port of the local webhook function (default 8787 with a config, a free port in
                      the demo; 0 picks a free one)
  -h, --help          This help`,
  poll: `Usage: jobwatch poll --once [--config FILE] [--json] [--target ID]... [--deliver]

Runs one poll cycle (collect, detect, publish) over every target. Events are printed, one per line;
with --json each line is one CloudEvent and nothing else is written to stdout (logs go to stderr).
With a config file detection state is kept in the state store, as in the scheduled function, so a
second run reports only what changed. Without one, the cycle runs against the built-in sandbox
with fresh state, so every run reports the same findings with the same fingerprints.

Options:
  --once          Required: run exactly one cycle
  --config FILE   Config file (default ./jobwatch.yml, if it exists)
  --json          One CloudEvent JSON per line on stdout
  --target ID     Only this target (repeatable)
  --deliver       Also deliver the events to the channels and remediation, as the deployed bus would.
                  Alerts wait for their route's group_wait before they are sent: the command waits
                  for them (and says so) unless --no-wait, which prints what is held and until when.
  --no-wait       With --deliver: do not wait for group_wait`,
  config: `Usage: jobwatch config validate [FILE]

Validates FILE (default ./jobwatch.yml). Each problem is printed with the path of the bad field.
Exit code 0 when valid, 2 when not.`,
  sandbox: `Usage: jobwatch sandbox [--scenario demo|test|fleet] [--latency-ms N] [--duration N]

Starts the emulators of the vendor APIs on loopback and prints their endpoints and a targets: block
to paste into jobwatch.yml (credentials: env:JOBWATCH_SANDBOX_AK / env:JOBWATCH_SANDBOX_SK).

Options:
  --scenario NAME   demo (default: scripted failures), test, or fleet (thousands of jobs)
  --latency-ms N    Added latency per vendor call (default 0)
  --duration N      Stop after N seconds (default: run until Ctrl-C)`,
  alert: `Usage: jobwatch alert test <receiver> [--config FILE]

Sends a test message through the named receiver (a channel in the config).`,
  status: STATUS_HELP,
  doctor: DOCTOR_HELP,
  silence: SILENCE_HELP,
  ack: ACK_HELP,
  events: EVENTS_HELP,
  remediation: `Usage: jobwatch remediation history [--job KEY_OR_NAME] [--limit N] [--config FILE]
       jobwatch remediation approvals [--config FILE]
       jobwatch remediation approve|reject APPROVAL_ID [--by NAME] [--config FILE]

history prints every remediation decision (performed, skipped with its reason, failed), newest first.
approvals lists actions of policies in approval mode (approval: required) and what became of them.
approve runs a waiting action now, in this process, through every guardrail, once; reject drops it.
An answer after the approval's window is refused (exit 2), as is a second answer.`,
  deadletters: `Usage: jobwatch deadletters list [--json] [--config FILE]
       jobwatch deadletters replay [--config FILE]

list prints, oldest first, every dead letter in the state store: events the bus refused (poll,
ingest), events notify or remediate could not take (notify, remediate), and notifications a channel
would not accept (notification). The flush function replays the event kinds every run and retries
notifications at each group interval; each is deleted once delivered.

replay delivers them now, in this process: events go to the notifier and remediation as the bus would
deliver them (an event older than what jobwatch already handled changes nothing), and each undelivered
alert group is sent with what it holds now. Exit code 0 when nothing is left, 1 when some remain.`,
};

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const io: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

async function readConfig(path: string | undefined, required: boolean): Promise<Config | undefined> {
  const file = path ?? DEFAULT_CONFIG;
  if (!existsSync(file)) {
    if (path || required) throw new UsageError(`config file not found: ${file}`);
    return undefined;
  }
  return loadConfig(file);
}

function logLevel(quiet: boolean): Logger {
  return createStderrLogger(quiet ? 'warn' : ((process.env.JOBWATCH_LOG_LEVEL as 'info') ?? 'warn'));
}

async function commandStart(args: string[]): Promise<number> {
  const { values } = commandArgs(args, {
    'poll-seconds': { type: 'string' },
    duration: { type: 'string' },
    'webhook-port': { type: 'string' },
    verbose: { type: 'boolean' },
  });
  if (values.help) return help('start');
  const verbose = Boolean(values.verbose);
  const durationSeconds = numberFlag('duration', values.duration, { min: 1, max: 31_536_000 });
  const durationMs = durationSeconds === undefined ? undefined : durationSeconds * 1000;
  const webhookPort = numberFlag('webhook-port', values['webhook-port'], { min: 0, max: 65_535 });
  const pollSeconds = numberFlag('poll-seconds', values['poll-seconds'], { min: 1, max: 86_400 });
  const config = await readConfig(values.config, false);
  if (!config) return startDemo({ io, durationMs, webhookPort: webhookPort ?? 0, verbose });
  for (const warning of configWarnings(config)) io.err(`jobwatch: warning: ${warning}`);

  const logged = cliLogger({ verbose, file: LOG_FILE });
  const now = Date.now;
  const opened = await openStore(config, { now, exclusive: true });
  io.out(`jobwatch: ${config.targets.length} target(s), state in ${opened.describe}. Ctrl-C to stop.`);
  if (!verbose) io.out(`machine logs: ${LOG_FILE} (or --verbose to see them here)`);
  const runtime = await serveLocalPipeline({
    config,
    opened,
    logger: logged.logger,
    now,
    webhookPort: webhookPort ?? 8787,
    flushEveryMs: 10_000,
    ...(pollSeconds ? { pollEveryMs: () => pollSeconds * 1000 } : {}),
    onReport: (report) => {
      const atMs = Date.now();
      io.out(formatPollLine(report, { atMs }));
      for (const event of report.events) io.out(formatEventLine(event, { atMs }));
    },
  });
  io.out(`webhook function (ingest and operator API) on ${runtime.webhookUrl}`);
  const lost = await runUntilStopped(runtime, durationMs);
  await opened.close();
  await logged.close();
  if (lost) {
    io.err(`jobwatch: stopped: ${lost.message}`);
    return EXIT.failure;
  }
  return EXIT.ok;
}

async function commandPoll(args: string[]): Promise<number> {
  const { values } = commandArgs(args, {
    once: { type: 'boolean' },
    ...JSON_OPTION,
    target: { type: 'string', multiple: true },
    deliver: { type: 'boolean' },
    'no-wait': { type: 'boolean' },
  });
  if (values.help) return help('poll');
  if (!values.once) throw new UsageError('poll needs --once (the scheduled runtime is `jobwatch start`)');
  const logger = logLevel(Boolean(values.json));
  const print = (event: JobwatchEvent) =>
    io.out(values.json ? JSON.stringify(event) : formatEventLine(event, { atMs: Date.now() }));

  let config = await readConfig(values.config, false);
  let stopSandbox: (() => Promise<void>) | undefined;
  let advanceSandbox: ((ms: number) => void) | undefined;
  let now = Date.now;
  if (!config) {
    const sandboxRun = await pollSandboxSetup(logger);
    config = sandboxRun.config;
    stopSandbox = sandboxRun.stop;
    advanceSandbox = sandboxRun.advance;
    now = sandboxRun.now;
  }
  const unknown = (values.target ?? []).filter((id) => !config.targets.some((t) => t.id === id));
  if (unknown.length) throw new UsageError(`unknown target(s): ${unknown.join(', ')}`);
  const targets = config.targets.filter((t) => !values.target || values.target.includes(t.id));

  const opened = await openStore(config, { now, ...(stopSandbox ? { dir: null } : {}) });
  try {
    const deps = cliServices(config, opened.store, { logger, now });
    let reports: Awaited<ReturnType<typeof pollAll>>;
    const printReports = (done: typeof reports) => {
      for (const report of done) for (const event of report.events) print(event);
      if (!values.json) for (const report of done) io.out(formatPollLine(report, { atMs: Date.now() }));
    };
    // Human lines go to stderr with --json, so stdout stays one CloudEvent per line.
    const say = values.json ? io.err : io.out;
    if (values.deliver) {
      const pipeline = createLocalPipeline(deps);
      reports = await pipeline.poll(targets.map((t) => t.id));
      printReports(reports);
      await deliverHeld({
        pipeline,
        store: opened.store,
        now,
        wait: stopSandbox ? async (ms) => advanceSandbox?.(ms) : undefined,
        holdOnly: Boolean(values['no-wait']),
        say,
      });
    } else {
      const stdoutBus: EventBus = { publish: async (events) => ({ published: events.length, failed: [] }) };
      reports = await pollAll(targets, { ...deps, bus: stdoutBus });
      printReports(reports);
    }
    if (reports.every((r) => r.ok)) return EXIT.ok;
    // Our own configuration (an unresolved secret reference) is a config error, not a vendor outage.
    return reports.every((r) => r.ok || r.configOnly) ? EXIT.usage : EXIT.sourceUnreachable;
  } finally {
    await opened.close();
    await stopSandbox?.();
  }
}

/**
 * `poll --once` with no config runs against the sandbox's demo fleet, aged a few minutes so that its
 * scripted failures have happened; a silent baseline poll first gives detection its history.
 */
async function pollSandboxSetup(logger: Logger) {
  Object.assign(process.env, SANDBOX_ENV);
  const clock = createSimClock({ speed: 0 });
  const sandbox = await startSandbox({
    plugins: ALL_EMULATORS,
    scenario: 'demo',
    clock,
  });
  const config = parseConfig({ targets: sandbox.targets() }, 'built-in sandbox');
  logger.info('polling the built-in sandbox', { endpoints: sandbox.endpoints() });
  clock.advance(SANDBOX_AGE_MS);
  return {
    config,
    now: () => clock.now(),
    advance: (ms: number) => clock.advance(ms),
    stop: () => sandbox.stop(),
  };
}

/** How far the sandbox's demo scenario is advanced before `poll --once` looks at it. */
const SANDBOX_AGE_MS = 3 * 60_000;

async function commandConfig(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h'))
    return help('config');
  if (sub !== 'validate') {
    throw new UsageError(
      sub === undefined ? 'config needs a subcommand: validate' : `unknown config subcommand '${sub}'`,
    );
  }
  const file = rest[0] ?? DEFAULT_CONFIG;
  try {
    const config = await loadConfig(file);
    io.out(
      `${file}: valid (${config.targets.length} targets, ${config.channels.length} channels, ${config.remediation.policies.length} remediation policies)`,
    );
    for (const warning of configWarnings(config)) io.err(`${file}: warning: ${warning}`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return EXIT.usage;
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      io.err(`config file not found: ${file}`);
      return EXIT.usage;
    }
    throw error;
  }
}

async function commandSandbox(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      scenario: { type: 'string', default: 'demo' },
      'latency-ms': { type: 'string' },
      duration: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return help('sandbox');
  const scenario = choiceFlag('scenario', values.scenario, ['demo', 'test', 'fleet'] as const);
  const latencyMs = numberFlag('latency-ms', values['latency-ms'], { min: 0, max: 60_000 }) ?? 0;
  const durationSeconds = numberFlag('duration', values.duration, { min: 1, max: 31_536_000 });
  const sandbox = await startSandbox({
    plugins: ALL_EMULATORS,
    scenario,
    clock: createSimClock({ speed: 1 }),
    latencyMs,
  });
  for (const [provider, endpoint] of Object.entries(sandbox.endpoints()))
    io.out(`${provider.padEnd(14)} ${endpoint}`);
  io.out('\n# targets for jobwatch.yml (export the two variables below first)');
  for (const [name, value] of Object.entries(SANDBOX_ENV)) io.out(`# export ${name}=${value}`);
  io.out((await import('yaml')).stringify({ targets: sandbox.targets() }));
  await waitForStop(durationSeconds === undefined ? undefined : durationSeconds * 1000);
  await sandbox.stop();
  return EXIT.ok;
}

async function commandAlert(args: string[]): Promise<number> {
  const { values, positionals } = commandArgs(args, {}, true);
  if (values.help || positionals[0] !== 'test' || !positionals[1]) {
    help('alert');
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const config = (await readConfig(values.config, true)) as Config;
  const receiver = positionals[1];
  if (!config.channels.some((c) => c.name === receiver))
    throw new UsageError(
      `unknown receiver '${receiver}'; configured: ${config.channels.map((c) => c.name).join(', ') || 'none'}`,
    );
  const now = Date.now;
  const opened = await openStore(config, { now });
  try {
    const notifier = createNotifierFor(cliServices(config, opened.store, { logger: logLevel(false), now }));
    const report = await notifier.test(receiver);
    if (report.failed === 0) {
      io.out(`${receiver}: sent a test message`);
      return EXIT.ok;
    }
    for (const detail of report.details) {
      const attempts =
        detail.attempts === undefined
          ? ''
          : ` (after ${detail.attempts} attempt${detail.attempts === 1 ? '' : 's'})`;
      io.err(`${receiver}: not sent${attempts}: ${detail.error ?? detail.reason ?? 'unknown reason'}`);
    }
    return EXIT.failure;
  } finally {
    await opened.close();
  }
}

async function commandRemediation(args: string[]): Promise<number> {
  const { values, positionals } = commandArgs(
    args,
    { job: { type: 'string' }, limit: { type: 'string' }, by: { type: 'string' } },
    true,
  );
  const sub = positionals[0];
  if (sub === 'approvals' && !values.help) return listApprovalsCommand(values.config);
  if ((sub === 'approve' || sub === 'reject') && !values.help && positionals.length === 2)
    return answerApprovalCommand(sub, positionals[1] as string, values);
  if (values.help || sub !== 'history') {
    help('remediation');
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const limit = numberFlag('limit', values.limit, { min: 1, max: 10_000 }) ?? 100;
  const { opened } = await openStateFor(values.config);
  try {
    const records = await remediationHistory(opened.store, {
      ...(values.job ? { jobKey: values.job } : {}),
      limit,
    });
    io.out(formatHistory(records));
    return EXIT.ok;
  } finally {
    await opened.close();
  }
}

async function listApprovalsCommand(configPath: string | undefined): Promise<number> {
  const { opened } = await openStateFor(configPath);
  try {
    const approvals = await listApprovals(opened.store);
    if (approvals.length === 0) io.out('No approvals recorded.');
    for (const a of approvals)
      io.out(
        `${a.id}  ${a.state.padEnd(8)}  ${a.action} ${a.targetId}/${a.jobName}  policy ${a.policy}  asked ${new Date(a.requestedAtMs).toISOString()}  until ${new Date(a.expiresAtMs).toISOString()}${a.decidedBy ? `  by ${a.decidedBy}` : ''}`,
      );
    return EXIT.ok;
  } finally {
    await opened.close();
  }
}

/** Approve or reject in this process: the decision goes to the audit trail and the configured channels. */
async function answerApprovalCommand(
  verdict: 'approve' | 'reject',
  id: string,
  values: { config?: string | undefined; by?: string | undefined },
): Promise<number> {
  const { config, opened } = await openStateFor(values.config);
  const by = `${values.by ?? process.env.USER ?? 'someone'} (cli)`;
  try {
    const pipeline = createLocalPipeline(
      cliServices(config, opened.store, { logger: logLevel(false), now: Date.now }),
    );
    const answer = await pipeline.remediator.answerApproval({ id, verdict, by });
    if (answer.ok) io.out(answer.message);
    else io.err(`jobwatch: ${answer.message}`);
    if (answer.ok && answer.state === 'approved') {
      const report = await pipeline.remediator.runApproved(id);
      for (const d of report.decisions) io.out(`${d.decision}: ${d.reason}`);
    }
    // A refused answer may have published a decision too (an expired approval says so to the channels):
    // it is delivered before the store closes, whatever the exit code.
    await drainPipeline(pipeline);
    return answer.ok ? EXIT.ok : EXIT.usage;
  } finally {
    await opened.close();
  }
}

async function commandDeadletters(args: string[]): Promise<number> {
  const { values, positionals } = commandArgs(args, JSON_OPTION, true);
  const sub = positionals[0];
  if (values.help || (sub !== 'list' && sub !== 'replay')) {
    help('deadletters');
    return values.help ? EXIT.ok : EXIT.usage;
  }
  // Replaying sends through the configured channels, so it needs the config; listing does not.
  const config = (await readConfig(values.config, sub === 'replay')) ?? parseConfig({}, 'defaults');
  const now = Date.now;
  const opened = await openStore(config, { now });
  try {
    if (sub === 'replay') {
      const pipeline = createLocalPipeline(
        cliServices(config, opened.store, { logger: logLevel(false), now }),
      );
      const notifications = await retryNotificationsNow(opened.store, now());
      const events = await pipeline.replayDeadLetters();
      await drainPipeline(pipeline);
      io.out(
        `replayed ${events.replayed} event(s), retried ${notifications.due} alert group(s), dropped ${notifications.obsolete} record(s) of groups that are gone`,
      );
    }
    const rows = await listEveryDeadLetter(opened.store);
    if (sub === 'list' && values.json) for (const row of rows) io.out(JSON.stringify(row));
    else if (sub === 'list') for (const row of rows) io.out(formatDeadLetterRow(row));
    if (!values.json) io.out(rows.length === 0 ? 'no dead letters' : `${rows.length} dead letter(s)`);
    return sub === 'replay' && rows.length > 0 ? EXIT.failure : EXIT.ok;
  } finally {
    await opened.close();
  }
}

function formatDeadLetterRow(row: DeadLetterRow): string {
  return `${new Date(row.atMs).toISOString()} ${row.kind.padEnd(12)} ${row.subject}: ${row.reason}`;
}

function help(topic: string): number {
  io.out(HELP[topic] ?? HELP.main ?? '');
  return EXIT.ok;
}

/** Each command by name; version and help are answered by main itself. */
const COMMANDS = new Map<string, (args: string[]) => Promise<number>>([
  ['start', commandStart],
  ['poll', commandPoll],
  ['config', commandConfig],
  ['sandbox', commandSandbox],
  ['alert', commandAlert],
  ['remediation', commandRemediation],
  ['doctor', (args) => commandDoctor(args, io)],
  ['status', (args) => commandStatus(args, io)],
  ['silence', (args) => commandSilence(args, io)],
  ['ack', (args) => commandAck(args, io)],
  ['events', (args) => commandEvents(args, io)],
  ['deadletters', commandDeadletters],
]);

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const run = command === undefined ? undefined : COMMANDS.get(command);
    if (run) return await run(rest);
    switch (command) {
      case '--version':
      case '-v':
      case 'version':
        io.out(`jobwatch ${packageVersion()}`);
        return EXIT.ok;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        return help('main');
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return EXIT.usage;
    }
    if (error instanceof StateInUseError) {
      io.err(`jobwatch: ${error.message}`);
      return EXIT.usage;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`jobwatch: ${(error as Error).message}\nRun 'jobwatch --help' for usage.`);
      return EXIT.usage;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      const port = (error as { port?: number }).port;
      io.err(
        `jobwatch: port ${port ?? ''} is already in use (another jobwatch start?). Pass --webhook-port N with a free port, or --webhook-port 0 to pick one.`,
      );
      return EXIT.usage;
    }
    if (error instanceof StateDirError) {
      io.err(`jobwatch: ${error.message}`);
      return EXIT.failure;
    }
    io.err(`jobwatch: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return EXIT.failure;
  }
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
}
