import { createRequire } from 'node:module';
import { z } from 'zod';
import { mapConcurrent } from '../lib/async/concurrent.js';
import type { TargetConfig } from '../lib/config/schema.js';
import { createSecretResolver } from '../lib/config/secrets.js';
import type { TargetSnapshot } from '../lib/model/snapshot.js';
import { silentLogger } from '../lib/observability/logger.js';
import { resolveBlinkClient } from '../lib/providers/alibaba-blink/collector.js';
import type { BlinkTarget } from '../lib/providers/alibaba-blink/config.js';
import { median } from './measure.js';

const require = createRequire(import.meta.url);
const { ROAClient } = require('@alicloud/pop-core') as {
  ROAClient: new (
    config: Record<string, unknown>,
  ) => {
    request(
      method: string,
      path: string,
      query: object,
      body: string,
      headers: object,
      opts: object,
    ): Promise<unknown>;
  };
};

/** Made once, as every schema in lib/ is: building a zod schema per call is harness work, not the client's. */
const anyAnswer = z.unknown();

/** One GetInstanceCheckpoint call: a running streaming job of the fleet. */
export interface RoaCall {
  project: string;
  job: string;
}

/** `count` calls, one per running streaming job of the snapshot, repeated. */
export function roaCallList(snapshot: TargetSnapshot, count: number): RoaCall[] {
  const running = snapshot.jobs.filter((j) => j.state === 'RUNNING' && j.kind === 'flink-stream');
  if (running.length === 0) throw new Error('roaCallList needs running streaming jobs');
  return Array.from({ length: count }, (_, i) => running[i % running.length]!).map((job) => ({
    project: job.scope.id,
    job: job.name,
  }));
}

/** A full collection of both heap generations (the process must run with `--expose-gc`). */
function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('roaComparison needs node --expose-gc (run bench/roa-point.ts)');
  gc();
}

interface Trial {
  wallMs: number;
  cpuMs: number;
  /** CPU of the forced collection that ends the trial (part of cpuMs). */
  gcCpuMs: number;
  ok: number;
}

/**
 * The same GetInstanceCheckpoint calls at the same concurrency through jobwatch's BlinkClient and through
 * the official ROA client, in `trials` trials whose order alternates (ours first on even trials), so
 * warm-up and machine noise fall on both sides.
 *
 * Each side pays for its own garbage and only its own (issue 17): a full collection before each trial
 * (not measured) leaves no garbage of an earlier stage or of the other client's trial, and a full
 * collection at the end of each trial is measured with it, so the garbage a trial made is charged to the
 * client that made it, whether or not V8 happened to collect it during the trial. Run it in a fresh
 * process (bench/roa-point.ts) so the heap holds only the two clients and the call list.
 *
 * Both sides do the same work around the client: `mapConcurrent` at `concurrency`, one call per item, no
 * limiter (a collector's limiter is not part of either client; `mapConcurrent` already bounds the calls in
 * flight, and until issue 17 our side alone also went through a redundant limiter). Connection reuse is
 * each client's own, as shipped: ours is an undici Agent pool (up to 64 keep-alive connections, idle ones
 * kept as the server's Keep-Alive says: 60 s on the sandbox); pop-core's ROAClient makes a Node
 * `http.Agent({ keepAlive: true, keepAliveMsecs: 3000 })` (no socket cap, free sockets kept until the
 * server closes them; 3 s is the TCP keep-alive probe delay). With `concurrency` calls in flight each side
 * opens `concurrency` connections in the warm-up and reuses them in every trial.
 */
export async function roaComparison(
  target: TargetConfig,
  calls: readonly RoaCall[],
  concurrency: number,
  trials = 5,
) {
  if (target.provider !== 'alibaba-blink') throw new Error('roaComparison needs an alibaba-blink target');
  const secrets = createSecretResolver();
  const ctx = { now: Date.now, secrets, logger: silentLogger };
  const ours = await resolveBlinkClient(target as BlinkTarget, ctx);
  const accessKeyId = await secrets(target.credentials.accessKeyId);
  const accessKeySecret = await secrets(target.credentials.secretAccessKey);
  const official = new ROAClient({
    accessKeyId,
    accessKeySecret,
    endpoint: target.endpoint,
    apiVersion: '2018-11-11',
  });
  const callContext = { now: Date.now };

  const runOurs = (list: readonly RoaCall[]) =>
    mapConcurrent(list, concurrency, (c) =>
      ours
        .call(
          {
            operation: 'GetInstanceCheckpoint',
            method: 'GET',
            segments: ['projects', c.project, 'jobs', c.job, 'instances', -1, 'checkpoints'],
          },
          anyAnswer,
          callContext,
        )
        .then(() => true)
        .catch(() => false),
    );
  const runOfficial = (list: readonly RoaCall[]) =>
    mapConcurrent(list, concurrency, (c) =>
      official
        .request(
          'GET',
          `/api/v2/projects/${encodeURIComponent(c.project)}/jobs/${encodeURIComponent(c.job)}/instances/-1/checkpoints`,
          {},
          '',
          { 'x-acs-region-id': target.region, regionid: target.region },
          { timeout: 15_000 },
        )
        .then(() => true)
        .catch(() => false),
    );
  // Warm both: open the pools' connections and let both sides' code be optimized before measuring.
  const warmUp = calls.slice(0, Math.min(calls.length, 25 * concurrency));
  await runOurs(warmUp);
  await runOfficial(warmUp);

  const results: Record<'ours' | 'official', Trial[]> = { ours: [], official: [] };
  const run = async (which: 'ours' | 'official') => {
    fullGc();
    fullGc();
    // Wall and CPU time only: bench/measure.ts's RSS sampler (a timer every 10 ms reading the RSS) is
    // harness work, about 50 µs per call here, that this section never used but charged to both sides.
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const oks = await (which === 'ours' ? runOurs(calls) : runOfficial(calls));
    const beforeGc = process.cpuUsage();
    fullGc();
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const gc = process.cpuUsage(beforeGc);
    results[which].push({
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      gcCpuMs: (gc.user + gc.system) / 1000,
      ok: oks.filter(Boolean).length,
    });
  };
  for (let trial = 0; trial < trials; trial++) {
    const order: ('ours' | 'official')[] = trial % 2 === 0 ? ['ours', 'official'] : ['official', 'ours'];
    for (const which of order) await run(which);
  }
  const ratios = (pick: (t: Trial) => number) => {
    const list = results.ours.map((o, i) => pick(results.official[i] as Trial) / pick(o));
    return { min: Math.min(...list), median: median(list), max: Math.max(...list) };
  };
  const count = calls.length;
  const row = (name: string, list: Trial[]) => [
    name,
    trials,
    count,
    list.reduce((n, t) => n + t.ok, 0) / trials,
    median(list.map((t) => t.wallMs)),
    median(list.map((t) => t.cpuMs)),
    (median(list.map((t) => t.cpuMs)) * 1000) / count,
    (median(list.map((t) => t.gcCpuMs)) * 1000) / count,
  ];
  return {
    rows: [
      row('jobwatch BlinkClient (undici)', results.ours),
      row('@alicloud/pop-core ROAClient', results.official),
    ],
    cpuRatio: ratios((t) => t.cpuMs),
    wallRatio: ratios((t) => t.wallMs),
  };
}

export const ROA_COLUMNS = [
  'client',
  'trials',
  'calls',
  'ok (mean)',
  'wall ms (median)',
  'CPU ms (median)',
  'CPU µs / call',
  'of which end GC µs / call',
];
