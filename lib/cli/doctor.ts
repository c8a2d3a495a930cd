/**
 * `jobwatch doctor`: is this config going to work? Every secret reference resolves, every target answers
 * signed requests, and (only when asked) every channel takes a test message. One line per check.
 */

import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { findSecretReferences } from '../config/refs.js';
import type { Config } from '../config/schema.js';
import { createSecretResolver } from '../config/secrets.js';
import { collectionErrorReason } from '../detect/index.js';
import type { CollectionError } from '../model/snapshot.js';
import { silentLogger } from '../observability/logger.js';
import { PROVIDERS_BY_ID } from '../providers/registry.js';
import { createNotifierFor } from '../runtime/services.js';
import { commandArgs, JSON_OPTION, UsageError } from './args.js';
import { humanDuration } from './output.js';
import { openStore } from './store.js';

type Io = { out: (line: string) => void; err: (line: string) => void };
export type CheckVerdict = 'ok' | 'misconfigured' | 'auth error' | 'unreachable' | 'error' | 'skipped';

export interface Check {
  verdict: CheckVerdict;
  what: string;
  detail: string;
}

export const DOCTOR_HELP = `Usage: jobwatch doctor [--config FILE] [--send-test] [--json]

Checks a config before you rely on it, one line per check:
  every secret reference resolves (env:, ssm:, secretsmanager:), naming the reference, never the value;
  every target answers signed requests (one collection cycle each, 30 s at most; nothing is stored or sent);
  with --send-test, every channel takes a test message (nothing is sent to chat without it).
Verdicts: ok, misconfigured (which field or reference), auth error (the vendor's code), unreachable (why).
Exit code 0 when every check passed, 2 when something is misconfigured, 3 when a vendor refused or
could not be reached.`;

/** Collecting a target in doctor is bounded: a hung vendor is a finding, not a hang. */
const TARGET_DEADLINE_MS = 30_000;

function verdictOf(error: CollectionError): CheckVerdict {
  if (error.kind === 'config') return 'misconfigured';
  if (error.kind === 'auth') return 'auth error';
  if (error.kind === 'unreachable' || error.kind === 'timeout') return 'unreachable';
  return 'error';
}

export async function runDoctor(config: Config, options: { sendTest: boolean }): Promise<Check[]> {
  const checks: Check[] = [];
  const secrets = createSecretResolver();
  for (const { path, reference } of findSecretReferences(config)) {
    try {
      await secrets(reference);
      checks.push({ verdict: 'ok', what: `secret ${reference}`, detail: `resolves (${path})` });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      checks.push({ verdict: 'misconfigured', what: `secret ${reference}`, detail: `${path}: ${why}` });
    }
  }
  const results = await Promise.all(
    config.targets.map(async (target): Promise<Check> => {
      const provider = PROVIDERS_BY_ID[target.provider];
      const what = `target ${target.id}`;
      if (!provider)
        return { verdict: 'misconfigured', what, detail: `provider ${target.provider} is not available` };
      const started = performance.now();
      const snapshot = await provider.collect(target, {
        now: Date.now,
        secrets,
        logger: silentLogger,
        signal: AbortSignal.timeout(TARGET_DEADLINE_MS),
      });
      const calls = Object.values(snapshot.apiCalls).reduce((sum, n) => sum + n, 0);
      const took = humanDuration(performance.now() - started);
      const first = snapshot.errors[0];
      if (!first)
        return {
          verdict: 'ok',
          what,
          detail: `${snapshot.jobs.length} jobs, ${snapshot.containers.length} clusters/queues read in ${calls} calls, ${took}`,
        };
      const reasons = [...new Set(snapshot.errors.map(collectionErrorReason))];
      const operation = first.kind === 'config' ? '' : ` (${first.operation})`;
      return { verdict: verdictOf(first), what, detail: `${reasons.slice(0, 3).join('; ')}${operation}` };
    }),
  );
  checks.push(...results);

  if (config.state.endpoint) {
    const opened = await openStore(config, { now: Date.now }).catch((error: unknown) => error as Error);
    if (opened instanceof Error)
      checks.push({ verdict: 'unreachable', what: 'state store', detail: opened.message });
    else {
      try {
        await opened.store.query('doctor#probe', { limit: 1 });
        checks.push({ verdict: 'ok', what: 'state store', detail: opened.describe });
      } catch (error) {
        checks.push({
          verdict: 'unreachable',
          what: 'state store',
          detail: `${opened.describe}: ${(error as Error).name}`,
        });
      } finally {
        await opened.close();
      }
    }
  }

  for (const channel of config.channels) {
    const what = `channel ${channel.name}`;
    if (!options.sendTest) {
      checks.push({ verdict: 'skipped', what, detail: 'no message sent (--send-test sends one)' });
      continue;
    }
    const opened = await openStore(config, { now: Date.now, dir: null });
    try {
      const notifier = createNotifierFor({
        config,
        store: opened.store,
        providers: PROVIDERS_BY_ID,
        secrets,
        logger: silentLogger,
        now: Date.now,
      });
      const report = await notifier.test(channel.name);
      const failure = report.details.find((d) => d.outcome !== 'sent');
      checks.push(
        failure
          ? {
              verdict: failure.reason === 'secret-unavailable' ? 'misconfigured' : 'error',
              what,
              detail: failure.error ?? String(failure.reason),
            }
          : { verdict: 'ok', what, detail: 'test message sent' },
      );
      await notifier.close();
    } finally {
      await opened.close();
    }
  }
  return checks;
}

export async function commandDoctor(args: string[], io: Io): Promise<number> {
  const { values } = commandArgs(args, { 'send-test': { type: 'boolean' }, ...JSON_OPTION });
  if (values.help) {
    io.out(DOCTOR_HELP);
    return 0;
  }
  const file = values.config ?? 'jobwatch.yml';
  if (!values.config && !existsSync(file))
    throw new UsageError("no jobwatch.yml here: pass --config FILE (the demo needs no doctor: 'npm start')");
  const config = await loadConfig(file);
  const checks = await runDoctor(config, { sendTest: Boolean(values['send-test']) });
  const width = Math.max(...checks.map((c) => c.what.length), 0);
  for (const check of checks)
    io.out(
      values.json
        ? JSON.stringify(check)
        : `${check.verdict.padEnd(13)} ${check.what.padEnd(width)}  ${check.detail}`,
    );
  const failed = checks.filter((c) => c.verdict !== 'ok' && c.verdict !== 'skipped');
  if (!values.json)
    io.out(
      failed.length === 0
        ? `\nall ${checks.length} checks passed`
        : `\n${failed.length} of ${checks.length} checks failed`,
    );
  if (failed.some((c) => c.verdict === 'misconfigured')) return 2;
  return failed.length > 0 ? 3 : 0;
}
