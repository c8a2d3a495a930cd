import { rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { resolve } from 'node:path';
import { firingEvent } from '../alerts/chat-actions.js';
import { parseConfig } from '../config/load.js';
import { ALL_EMULATORS } from '../providers/emulators.js';
import { startChatSink } from '../sandbox/chat-sink.js';
import { createSimClock } from '../sandbox/clock.js';
import { startSandbox } from '../sandbox/server.js';
import { SANDBOX_ENV } from '../sandbox/types.js';
import type { Store } from '../state/store.js';
import { DEMO_OPERATOR_TOKEN, DEMO_SINK_SECRETS, demoConfig, demoEnv } from './demo-config.js';
import { cliLogger } from './log.js';
import { formatEventLine, formatPollLine } from './output.js';
import { runUntilStopped, serveLocalPipeline } from './services.js';
import { openStore, runningServer, StateInUseError } from './store.js';

/** Where the demo keeps its state; the read commands look here when there is no jobwatch.yml. */
export const DEMO_STATE_DIR = '.jobwatch/demo';

/** How often the demo polls and flushes: fast enough to see a failure, an alert and a fix in a minute. */
const DEMO_POLL_MS = 5_000;
const DEMO_FLUSH_MS = 2_000;
/** Width of the name column of the endpoint list, so the addresses line up. */
const COLUMN = 24;

/**
 * `npm start` with no jobwatch.yml: the vendor emulators, a local chat sink that prints what the
 * channels post, and a demo config with a dry-run policy and one enforced restart.
 */
export async function startDemo(options: {
  io: { out: (line: string) => void };
  durationMs?: number;
  /** The webhook function's port; 0 picks a free one. */
  webhookPort?: number;
  /** Poll summaries and the machine log lines on the terminal too. */
  verbose?: boolean;
}): Promise<number> {
  const { io } = options;
  const sink = await startChatSink({
    secrets: DEMO_SINK_SECRETS,
    print: (line) => io.out(`  chat ▸ ${line}`),
  });
  Object.assign(process.env, SANDBOX_ENV, demoEnv(sink.endpoints));
  const clock = createSimClock({ speed: 1 });
  const sandbox = await startSandbox({
    plugins: ALL_EMULATORS,
    scenario: 'demo',
    clock,
  });
  // The webhook's port is chosen before the config is built: the messages' action links point at it.
  const webhookPort = options.webhookPort || (await freePort());
  const config = parseConfig(
    demoConfig(sandbox.targets(), `http://127.0.0.1:${webhookPort}`),
    'built-in demo',
  );

  const dir = resolve(DEMO_STATE_DIR);
  const running = await runningServer(dir);
  if (running)
    throw new StateInUseError(
      `a jobwatch demo is already running here (pid ${running.pid}); look at it with 'jobwatch status', or stop it first`,
    );
  // Each demo starts from a clean slate; 'jobwatch status' and 'remediation history' read this folder.
  await rm(dir, { recursive: true, force: true });
  const opened = await openStore(config, { dir, now: clock.now, exclusive: true });
  const logger = cliLogger({ verbose: Boolean(options.verbose) }).logger;

  io.out('jobwatch demo: no jobwatch.yml found, so jobwatch is watching its built-in sandbox.');
  for (const [provider, endpoint] of Object.entries(sandbox.endpoints()))
    io.out(`  ${`sandbox ${provider}`.padEnd(COLUMN)} ${endpoint}`);
  io.out(`  ${'chat sink'.padEnd(COLUMN)} ${sink.url}   (Slack, DingTalk, Feishu, WeCom, webhook)`);
  io.out(`  ${'state'.padEnd(COLUMN)} ${opened.describe}`);

  let linkShown = false;
  let linkLooking = false;
  let approvalShown = false;
  const runtime = await serveLocalPipeline({
    config,
    opened,
    logger,
    now: clock.now,
    webhookPort,
    pollEveryMs: () => DEMO_POLL_MS,
    flushEveryMs: DEMO_FLUSH_MS,
    onReport: (report) => {
      const atMs = Date.now();
      if (options.verbose) io.out(formatPollLine(report, { atMs }));
      for (const event of report.events) io.out(formatEventLine(event, { atMs }));
      if (!approvalShown) {
        const approve = approvalLink(sink.messages);
        if (approve) {
          approvalShown = true;
          io.out(
            `  approve the restart: ${approve}   (a remediation waiting for a person: open it, then press Approve)`,
          );
        }
      }
      if (!linkShown && !linkLooking) {
        linkLooking = true;
        void firingActionLink(sink.messages, opened.store)
          .then((link) => {
            if (!link) return;
            linkShown = true;
            io.out(
              `  act from the alert: ${link}   (open it: a confirm page; nothing happens until you press the button)`,
            );
          })
          .catch(() => undefined)
          .finally(() => {
            linkLooking = false;
          });
      }
    },
  });
  io.out(
    `  ${'webhook + operator'.padEnd(COLUMN)} ${runtime.webhookUrl}   (try: curl -H 'authorization: Bearer ${DEMO_OPERATOR_TOKEN}' ${runtime.webhookUrl}/api/events?limit=3)`,
  );
  io.out(
    `  ${'status page'.padEnd(COLUMN)} ${runtime.webhookUrl}/status   (sign in with the operator token ${DEMO_OPERATOR_TOKEN})`,
  );
  io.out(
    `Polling every ${DEMO_POLL_MS / 1000} s. Expect a failure, its alert, and a remediation within a minute. Ctrl-C to stop.\n`,
  );
  const lost = await runUntilStopped(runtime, options.durationMs, () => io.out('\nstopping…'));
  await opened.close();
  await sandbox.stop();
  await sink.stop();
  if (lost) {
    process.stderr.write(`jobwatch: stopped: ${lost.message}\n`);
    return 1;
  }
  return 0;
}

/**
 * A signed action link (Acknowledge) from the newest message that has one whose alert is still firing, so
 * the reader's click finds something to act on.
 */
export async function firingActionLink(
  messages: readonly { body: unknown }[],
  store: Store,
): Promise<string | undefined> {
  for (const message of [...messages].reverse()) {
    const links = JSON.stringify(message.body).match(/https?:\/\/127\.0\.0\.1:\d+\/act\?t=[\w.-]+/g) ?? [];
    for (const link of links) {
      const fingerprint = tokenFingerprint(link);
      if (fingerprint && (await firingEvent(store, fingerprint))) return link;
    }
  }
  return undefined;
}

/** The first Approve link of a remediation waiting for approval in the messages the chat sink received. */
export function approvalLink(messages: readonly { body: unknown }[]): string | undefined {
  for (const message of messages) {
    const links = JSON.stringify(message.body).match(/https?:\/\/127\.0\.0\.1:\d+\/act\?t=[\w.-]+/g) ?? [];
    const approve = links.find((link) => tokenClaims(link)?.a === 'approve');
    if (approve) return approve;
  }
  return undefined;
}

/** The alert fingerprint a link's token names (its payload is base64url JSON before the signature). */
function tokenFingerprint(link: string): string | undefined {
  const f = tokenClaims(link)?.f;
  return typeof f === 'string' ? f : undefined;
}

/** A link token's claims (its payload is base64url JSON before the signature; `f` subject, `a` action). */
function tokenClaims(link: string): { f?: unknown; a?: unknown } | undefined {
  try {
    const token = new URL(link).searchParams.get('t') ?? '';
    return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      f?: unknown;
      a?: unknown;
    };
  } catch {
    return undefined;
  }
}

/** A free loopback port (the kernel's pick), released for the webhook to take. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => server.once('error', fail).listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}
