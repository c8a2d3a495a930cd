import { createRequire } from 'node:module';
import { z } from 'zod';
import type { TargetConfig } from '../lib/config/schema.js';
import { createSecretResolver } from '../lib/config/secrets.js';
import type { TargetSnapshot } from '../lib/model/snapshot.js';
import { silentLogger } from '../lib/observability/logger.js';
import { createLimiter } from '../lib/providers/alibaba-blink/client.js';
import { resolveBlinkClient } from '../lib/providers/alibaba-blink/collector.js';
import { mapConcurrent } from '../lib/providers/shared.js';
import { measure } from './measure.js';

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

/**
 * The same GetInstanceCheckpoint calls (one per running streaming job, repeated to `count`), at the same
 * concurrency, through jobwatch's BlinkClient and through the official ROA client.
 */
export async function roaComparison(
  target: TargetConfig,
  snapshot: TargetSnapshot,
  count: number,
  concurrency: number,
) {
  if (target.provider !== 'alibaba-blink') throw new Error('roaComparison needs an alibaba-blink target');
  const running = snapshot.jobs.filter((j) => j.state === 'RUNNING' && j.kind === 'flink-stream');
  const calls = Array.from({ length: count }, (_, i) => running[i % running.length]!).map((job) => ({
    project: job.scope.id,
    job: job.name,
  }));
  const secrets = createSecretResolver();
  const ctx = { now: Date.now, secrets, logger: silentLogger };
  const ours = await resolveBlinkClient(target, ctx);
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
            z.unknown(),
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

  const a = await measure(() => runOurs(calls));
  const b = await measure(() => runOfficial(calls));
  const okA = a.result.filter(Boolean).length;
  const okB = b.result.filter(Boolean).length;
  const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
  return {
    rows: [
      ['jobwatch BlinkClient (undici)', count, okA, a.wallMs, a.cpuMs, rate(count, a.wallMs)],
      ['@alicloud/pop-core ROAClient', count, okB, b.wallMs, b.cpuMs, rate(count, b.wallMs)],
    ],
    ratio: b.wallMs / a.wallMs,
    cpuRatio: b.cpuMs / a.cpuMs,
  };
}
