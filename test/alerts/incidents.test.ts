/**
 * Incidents across restarts, end to end over real sockets: the DLI emulator, its collector and detection,
 * the notifier with the chat sink, and optionally remediation restarting the job. A crash-looping or
 * flapping job (each start a new instance) is one incident: exactly one firing message, no resolve while
 * it is failed, one resolve once it has been healthy for the resolve window.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../lib/alerts/index.js';
import { parseConfig, type TargetConfig } from '../../lib/config/index.js';
import { createSecretResolver } from '../../lib/config/secrets.js';
import { detect, type ResourceState } from '../../lib/detect/index.js';
import { buildEvent, type JobwatchEvent } from '../../lib/events/index.js';
import type { JobState } from '../../lib/model/snapshot.js';
import { silentLogger } from '../../lib/observability/logger.js';
import { huaweiDliProvider } from '../../lib/providers/huawei-dli/index.js';
import type { ProviderContext } from '../../lib/providers/types.js';
import { createRemediator, type Remediator } from '../../lib/remediation/index.js';
import { type ChatSink, startChatSink } from '../../lib/sandbox/chat-sink.js';
import {
  createSimClock,
  SANDBOX_ENV,
  type Sandbox,
  type SimClock,
  startSandbox,
} from '../../lib/sandbox/index.js';
import { createLocalStore } from '../../lib/state/local.js';
import { badDeployPlugin, type DliPhase, type DliWorld, restartFailedPolicy } from '../support/bad-deploy.js';
import { dliProviderOnClock } from '../support/sim-providers.js';
import { SINK_SECRETS, sinkEnv, WEBHOOK_PER_RESOURCE } from './helpers.js';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
const SEC = 1000;
const POLL_MS = 30 * SEC;
const HOUR = 3600 * SEC;
/** The default hysteresis: one poll fires, two clean polls resolve. */
const RESOLVE_POLLS = 2;

interface AmBody {
  status: string;
  groupLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string> }[];
}

/** One job message the chat sink received, with what the job looked like on the poll that sent it. */
interface Heard {
  status: string;
  poll: number;
  jobState: JobState | undefined;
  /** Polls in a row, up to this one, that saw the job RUNNING. */
  healthyPolls: number;
}

interface Scenario {
  world: DliWorld;
  sandbox: Sandbox;
  clock: SimClock;
  sink: ChatSink;
  notifier: Notifier;
  remediator?: Remediator;
  decisions: JobwatchEvent[];
  findings: JobwatchEvent[];
  heard: Heard[];
  /** Polls (collect -> detect -> notify -> remediate), `POLL_MS` apart; `each` runs after every poll. */
  poll(times: number, each?: () => void): Promise<void>;
  stop(): Promise<void>;
}

const running = (atMs: number, startMs = atMs): DliPhase => ({ atMs, status: 'job_running', startMs });
const failed = (atMs: number, startMs: number): DliPhase => ({
  atMs,
  status: 'job_running_exception',
  startMs,
  desc: 'java.lang.OutOfMemoryError',
});

async function startScenario(options: {
  phases: (t0: number) => DliPhase[];
  /** After a restart by remediation: how long until the job fails again (the restart cures nothing). */
  failsAfterRunMs?: number;
  policy?: boolean;
}): Promise<Scenario> {
  // Simulated time moves only when the scenario says: a poll, or a remediation's verification wait (its
  // provider's sleep). A clock driven by the wall clock let a loaded machine skip past a restarted job's
  // few running seconds between two verification reads.
  const clock = createSimClock({ speed: 0, startMs: T0 });
  let world: DliWorld | undefined;
  const plugin = badDeployPlugin(
    options.phases,
    options.failsAfterRunMs === undefined ? {} : { failsAfterRunMs: options.failsAfterRunMs },
    (w) => {
      world = w;
    },
  );
  const sandbox = await startSandbox({ plugins: [plugin], scenario: 'test', clock });
  const sink = await startChatSink({ secrets: SINK_SECRETS, now: () => clock.now() });
  const local = await createLocalStore({ now: () => clock.now() });
  const config = parseConfig(
    {
      targets: sandbox.targets(),
      ...WEBHOOK_PER_RESOURCE,
      ...(options.policy
        ? {
            remediation: { policies: [restartFailedPolicy(0)] },
          }
        : {}),
    },
    'test',
  );
  const target = config.targets[0] as TargetConfig;
  const secrets = createSecretResolver({ env: { ...SANDBOX_ENV, ...sinkEnv(sink) } });
  const ctx: ProviderContext = { now: () => clock.now(), secrets, logger: silentLogger };
  const notifier = createNotifier({
    config,
    store: local.store,
    secrets,
    logger: silentLogger,
    now: () => clock.now(),
    retry: { baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 2000 },
  });
  const decisions: JobwatchEvent[] = [];
  const remediator = options.policy
    ? createRemediator({
        config,
        store: local.store,
        providers: { 'huawei-dli': dliProviderOnClock(clock) },
        publish: async (events) => {
          decisions.push(...events);
          await notifier.handle(events);
        },
        secrets,
        logger: silentLogger,
        now: () => clock.now(),
        sleep: async (ms) => clock.advance(ms),
        invocationId: 'scenario',
      })
    : undefined;

  let state = new Map<string, ResourceState>();
  const findings: JobwatchEvent[] = [];
  const heard: Heard[] = [];
  let polls = 0;
  let healthyPolls = 0;
  return {
    world: world as DliWorld,
    sandbox,
    clock,
    sink,
    notifier,
    ...(remediator ? { remediator } : {}),
    decisions,
    findings,
    heard,
    async poll(times, each) {
      for (let i = 0; i < times; i++) {
        const snapshot = await huaweiDliProvider.collect(target, ctx);
        const jobState = snapshot.jobs.find((j) => j.name === 'bad-deploy')?.state;
        healthyPolls = jobState === 'RUNNING' ? healthyPolls + 1 : 0;
        const out = detect({ target, snapshot, previous: state, nowMs: clock.now() });
        state = out.next;
        const events = out.drafts.map(buildEvent);
        findings.push(...events.filter((e) => e.data.type === 'job.failed'));
        const before = sink.messages.length;
        await notifier.handle(events);
        await remediator?.handle(events);
        for (const message of sink.messages.slice(before)) {
          const body = message.body as AmBody;
          if (body.groupLabels['alertname'] !== 'job.failed') continue;
          heard.push({ status: body.status, poll: polls, jobState, healthyPolls });
        }
        polls++;
        each?.();
        clock.advance(POLL_MS);
      }
    },
    async stop() {
      await notifier.close();
      await sink.stop();
      await sandbox.stop();
      await local.stop();
    },
  };
}

/** One firing message, then exactly one resolve, sent only after the job was healthy for the resolve window. */
function expectOneIncident(s: Scenario): void {
  expect(s.heard.map((h) => h.status)).toEqual(['firing', 'resolved']);
  const resolve = s.heard[1] as Heard;
  expect(resolve.jobState).toBe('RUNNING');
  expect(resolve.healthyPolls).toBeGreaterThanOrEqual(RESOLVE_POLLS);
}

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.stop();
  scenario = undefined;
});

describe('a job that keeps failing after restarts is one incident', () => {
  it('crash loop without remediation: every start fails before the next poll sees it running', async () => {
    // The first failure at 45 s; then the vendor restarts the job every 30 s and each new instance dies
    // within 5 s, five times over; a fixed deploy runs for good from 5 min on.
    const phases = (t0: number): DliPhase[] => {
      const out: DliPhase[] = [running(0, t0 - HOUR), failed(t0 + 45 * SEC, t0 - HOUR)];
      for (let k = 1; k <= 5; k++) {
        const start = t0 + 70 * SEC + (k - 1) * POLL_MS;
        out.push(running(start), failed(start + 5 * SEC, start));
      }
      out.push(running(t0 + 5 * 60 * SEC));
      return out;
    };
    scenario = await startScenario({ phases });
    await scenario.poll(16);
    expectOneIncident(scenario);
    // Polls 2 to 9 saw the job FAILED on six different instances: one incident, six occurrences.
    expect(scenario.findings.map((f) => `${f.data.status}:${f.data.occurrence}`)).toEqual([
      'firing:1',
      'firing:2',
      'firing:3',
      'firing:4',
      'firing:5',
      'firing:6',
      'resolved:6',
    ]);
  });

  it('flapping without remediation: RUNNING for one poll between failures, a new instance each start', async () => {
    // Fails at 20 s, runs again (a new instance) at 45 s, fails at 80 s, ... four failures, then it stays up.
    const phases = (t0: number): DliPhase[] => {
      const out: DliPhase[] = [running(0, t0 - HOUR)];
      let runStart = t0 - HOUR;
      for (let k = 0; k < 4; k++) {
        const failAt = t0 + 20 * SEC + 2 * k * POLL_MS;
        out.push(failed(failAt, runStart));
        runStart = failAt + 25 * SEC;
        out.push(running(runStart));
      }
      return out;
    };
    scenario = await startScenario({ phases });
    await scenario.poll(14);
    expectOneIncident(scenario);
    expect(scenario.heard.map((h) => h.poll)).toEqual([1, 9]);
    // FAILED on polls 1, 3, 5 and 7, RUNNING in between; healthy from poll 8, so resolved on poll 9.
    expect(scenario.findings.map((f) => `${f.data.status}:${f.data.occurrence}`)).toEqual([
      'firing:1',
      'firing:2',
      'firing:3',
      'firing:4',
      'resolved:4',
    ]);
  });

  it.each([
    // Each restart dies before the next poll: the crash loop, as remediation sees it.
    ['crash loop', 20 * SEC],
    // Each restart runs for one poll, then fails: flapping, driven by remediation's own restarts.
    ['flapping', 45 * SEC],
  ])(
    '%s with a restart policy: a restart per new failure, still one incident',
    async (_name, failsAfterRunMs) => {
      scenario = await startScenario({
        phases: (t0) => [running(0, t0 - HOUR), failed(t0 + 45 * SEC, t0 - HOUR)],
        failsAfterRunMs,
        policy: true,
      });
      const s = scenario;
      // Until the restart budget is spent (3 restarts, then a give-up that asks for a person).
      for (let i = 0; i < 40 && !s.decisions.some((d) => d.data.type === 'remediation.failed'); i++)
        await s.poll(1);
      const budgetSpent = [...s.decisions];
      // A person fixes the deploy and starts it; it stays up.
      const job = s.world.flink[0] as DliWorld['flink'][number];
      delete job.failsAfterRunMs;
      job.phases.push(running(s.clock.now()));
      await s.poll(6);
      expectOneIncident(s);
      // Remediation learned of every new failure: one restart per occurrence, then it escalated.
      expect(budgetSpent.map((d) => d.data.type)).toEqual([
        'remediation.performed',
        'remediation.performed',
        'remediation.performed',
        'remediation.failed',
      ]);
      expect(s.findings.filter((f) => f.data.status === 'firing').map((f) => f.data.occurrence)).toEqual([
        1, 2, 3, 4,
      ]);
      expect(new Set(s.findings.map((f) => f.data.startsAtMs)).size).toBe(1);
    },
  );
});
