import { createRequire } from 'node:module';
import { z } from 'zod';
import { createLimiter, mapConcurrent } from '../lib/async/concurrent.js';
import type { TargetConfig } from '../lib/config/schema.js';
import { createSecretResolver } from '../lib/config/secrets.js';
import type { TargetSnapshot } from '../lib/model/snapshot.js';
import { silentLogger } from '../lib/observability/logger.js';
import { resolveBlinkClient } from '../lib/providers/alibaba-blink/collector.js';
import type { BlinkTarget } from '../lib/providers/alibaba-blink/config.js';
import { measure, median } from './measure.js';

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

/**
 * The same GetInstanceCheckpoint calls (one per running streaming job, repeated to `count`), at the same
 * concurrency, through jobwatch's BlinkClient and through the official ROA client, in `trials` trials whose
 * order alternates (ours first on even trials), so warm-up and machine noise fall on both sides.
 */
export async function roaComparison(
  target: TargetConfig,
  snapshot: TargetSnapshot,
  count: number,
  concurrency: number,
  trials = 5,
) {
  if (target.provider !== 'alibaba-blink') throw new Error('roaComparison needs an alibaba-blink target');
  const running = snapshot.jobs.filter((j) => j.state === 'RUNNING' && j.kind === 'flink-stream');
  const calls = Array.from({ length: count }, (_, i) => running[i % running.length]!).map((job) => ({
    project: job.scope.id,
    job: job.name,
  }));
  const secrets = createSecretResolver();
  const ctx = { now: Date.now, secrets, logger: silentLogger };
  const ours = await resolveBlinkClient(target as BlinkTarget, ctx);
  const limit = createLimiter(concurrency);
  const accessKeyId = await secrets(target.credentials.accessKeyId);
  const accessKeySecret = await secrets(target.credentials.secretAccessKey);
  const official = new ROAClient({
    accessKeyId,
    accessKeySecret,
    endpoint: target.endpoint,
    apiVersion: '2018-11-11',
  });

  // Warm both pools before measuring.
  const runOurs = (list: typeof calls) =>
    mapConcurrent(list, concurrency, (c) =>
      limit(() =>
        ours
          .call(
            {
              operation: 'GetInstanceCheckpoint',
              method: 'GET',
              segments: ['projects', c.project, 'jobs', c.job, 'instances', -1, 'checkpoints'],
            },
            anyAnswer,
            { now: Date.now },
          )
          .then(() => true)
          .catch(() => false),
      ),
    );
  const runOfficial = (list: typeof calls) =>
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
  await runOurs(calls.slice(0, concurrency));
  await runOfficial(calls.slice(0, concurrency));

  const ours_: { wallMs: number; cpuMs: number; ok: number }[] = [];
  const official_: { wallMs: number; cpuMs: number; ok: number }[] = [];
  const run = async (which: 'ours' | 'official') => {
    const m = await measure(() => (which === 'ours' ? runOurs(calls) : runOfficial(calls)));
    (which === 'ours' ? ours_ : official_).push({
      wallMs: m.wallMs,
      cpuMs: m.cpuMs,
      ok: m.result.filter(Boolean).length,
    });
  };
  for (let trial = 0; trial < trials; trial++) {
    const order: ('ours' | 'official')[] = trial % 2 === 0 ? ['ours', 'official'] : ['official', 'ours'];
    for (const which of order) await run(which);
  }
  const cpuRatios = ours_.map((o, i) => (official_[i] as { cpuMs: number }).cpuMs / o.cpuMs);
  const wallRatios = ours_.map((o, i) => (official_[i] as { wallMs: number }).wallMs / o.wallMs);
  const row = (name: string, list: typeof ours_) => [
    name,
    trials,
    count,
    list.reduce((n, t) => n + t.ok, 0) / trials,
    median(list.map((t) => t.wallMs)),
    median(list.map((t) => t.cpuMs)),
    (median(list.map((t) => t.cpuMs)) * 1000) / count,
  ];
  return {
    rows: [row('jobwatch BlinkClient (undici)', ours_), row('@alicloud/pop-core ROAClient', official_)],
    cpuRatio: { min: Math.min(...cpuRatios), median: median(cpuRatios), max: Math.max(...cpuRatios) },
    wallRatio: { min: Math.min(...wallRatios), median: median(wallRatios), max: Math.max(...wallRatios) },
  };
}
