/**
 * Adding a provider is one folder plus one registry line, and adding a channel is one folder plus one line:
 * a throwaway provider (with a tiny emulator on a real socket) and a throwaway channel (posting to a real
 * HTTP sink) are registered through the registries' public API only, and then config validation, a poll,
 * a remediation and a notification run through them with nothing else changed.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineChannel, registerChannel } from '../../lib/alerts/channels/registry.js';
import { channelBase } from '../../lib/alerts/channels/shared.js';
import { ConfigError, parseConfig } from '../../lib/config/load.js';
import { createSecretResolver } from '../../lib/config/secrets.js';
import type { ProviderTarget } from '../../lib/config/target.js';
import type { JobState } from '../../lib/model/snapshot.js';
import { silentLogger } from '../../lib/observability/logger.js';
import { defineProvider } from '../../lib/providers/define.js';
import { PROVIDERS_BY_ID, registerProvider } from '../../lib/providers/registry.js';
import { emptySnapshot } from '../../lib/providers/shared.js';
import type { ProviderContext, ProviderDescriptor } from '../../lib/providers/types.js';
import { createLocalPipeline } from '../../lib/runtime/services.js';
import { createSimClock } from '../../lib/sandbox/clock.js';
import { createLocalStore } from '../../lib/state/local.js';

const T0 = Date.UTC(2030, 0, 1);
const TOKEN = 'acme-test-token-0123456789';

// ---- The throwaway provider: "Acme Batch", one project of jobs behind a small JSON API ----------------

interface AcmeJob {
  name: string;
  state: 'RUNNING' | 'FAILED';
}

/** The emulator: GET /projects/{p}/jobs, POST /projects/{p}/jobs/{name}/restart; bearer token checked. */
async function startAcmeEmulator() {
  const jobs = new Map<string, AcmeJob>([['nightly', { name: 'nightly', state: 'RUNNING' }]]);
  const restarts: { job: string; body: unknown }[] = [];
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply(401, { error: 'bad token' });
    const list = /^\/projects\/([^/]+)\/jobs$/.exec(req.url ?? '');
    if (req.method === 'GET' && list) return reply(200, { jobs: [...jobs.values()] });
    const restart = /^\/projects\/([^/]+)\/jobs\/([^/]+)\/restart$/.exec(req.url ?? '');
    const job = restart && jobs.get(decodeURIComponent(restart[2] as string));
    if (req.method === 'POST' && job) {
      restarts.push({ job: job.name, body: JSON.parse(body || '{}') });
      job.state = 'RUNNING';
      return reply(200, { accepted: true });
    }
    return reply(404, { error: 'not found' });
  });
  const url = await listen(server);
  return { url, jobs, restarts, server };
}

const acmeOptionsSchema = z.object({ project: z.string().min(1) }).strict();
type AcmeTarget = ProviderTarget<z.infer<typeof acmeOptionsSchema>>;

const acmeDescriptor: ProviderDescriptor<z.infer<typeof acmeOptionsSchema>> = {
  id: 'acme-batch',
  displayName: 'Acme Batch (test)',
  optionsSchema: acmeOptionsSchema,
  endpointFor: () => undefined,
  actionParams: { restart: z.object({ fromCheckpoint: z.boolean().optional() }).strict() },
};

async function acmeCall(target: AcmeTarget, ctx: ProviderContext, path: string, init: RequestInit = {}) {
  const token = await ctx.secrets(target.credentials.secretAccessKey);
  const response = await fetch(`${target.endpoint}/projects/${target.options.project}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  if (!response.ok) throw new Error(`acme answered ${response.status}`);
  return (await response.json()) as { jobs?: AcmeJob[] };
}

async function listAcme(target: AcmeTarget, ctx: ProviderContext): Promise<AcmeJob[]> {
  return (await acmeCall(target, ctx, '/jobs')).jobs ?? [];
}

const acmeProvider = defineProvider(acmeDescriptor, {
  async collect(target, ctx) {
    const snapshot = emptySnapshot(target, ctx.now());
    const scope = { kind: 'project' as const, id: target.options.project };
    for (const job of await listAcme(target, ctx)) {
      snapshot.jobs.push({
        type: 'job',
        key: `acme-batch/${target.region}/project:${scope.id}/job:${job.name}`,
        provider: 'acme-batch',
        targetId: target.id,
        region: target.region,
        scope,
        name: job.name,
        vendorId: job.name,
        labels: {},
        kind: 'spark-batch',
        state: job.state,
        vendorState: job.state,
        ...(job.state === 'FAILED' ? { stateCause: 'system' as const, lastError: 'exit code 1' } : {}),
      });
    }
    return snapshot;
  },
  actions: {
    supports: (resource) => (resource.kind === 'job' ? ['restart'] : []),
    async readState(target, resource, ctx) {
      const job = (await listAcme(target, ctx)).find((j) => j.name === resource.vendorId);
      const state: JobState = job?.state ?? 'UNKNOWN';
      return { kind: 'job', state, vendorState: state, stateCause: 'system' };
    },
    async perform(target, request, ctx) {
      const startedMs = ctx.now();
      await acmeCall(target, ctx, `/jobs/${request.resource.vendorId}/restart`, {
        method: 'POST',
        body: JSON.stringify(request.params),
      });
      const job = (await listAcme(target, ctx)).find((j) => j.name === request.resource.vendorId);
      return {
        ok: true,
        status: 'verified',
        action: request.action,
        finalState: job?.state ?? 'UNKNOWN',
        message: `restarted ${request.resource.name}`,
        durationMs: ctx.now() - startedMs,
      };
    },
  },
});

// ---- The throwaway channel: "Acme Chat", one JSON POST per notification ------------------------------

const acmeChatSchema = z
  .object({ type: z.literal('acme-chat'), ...channelBase, room: z.string().min(1) })
  .strict();

const acmeChat = defineChannel('acme-chat', acmeChatSchema, (config, deps) => ({
  name: config.name,
  type: config.type,
  sendResolved: config.sendResolved,
  async notify(message) {
    const response = await fetch(await deps.secrets(config.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        room: config.room,
        status: message.status,
        firing: message.firing.map((a) => `${a.type} ${a.resourceName} (${a.provider})`),
      }),
    });
    return response.ok
      ? { ok: true }
      : {
          ok: false,
          retry: response.status >= 500,
          reason: 'server-error',
          error: `HTTP ${response.status}`,
        };
  },
}));

async function startSink() {
  const received: unknown[] = [];
  const server = createServer(async (req, res) => {
    received.push(JSON.parse(await readBody(req)));
    res.writeHead(204);
    res.end();
  });
  return { url: await listen(server), received, server };
}

// ---- Shared test plumbing ------------------------------------------------------------------------------

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let emulator: Awaited<ReturnType<typeof startAcmeEmulator>>;
let sink: Awaited<ReturnType<typeof startSink>>;
const unregister: (() => void)[] = [];

beforeAll(async () => {
  unregister.push(registerProvider(acmeProvider), registerChannel(acmeChat));
  emulator = await startAcmeEmulator();
  sink = await startSink();
});
afterAll(async () => {
  for (const undo of unregister) undo();
  emulator?.server.close();
  sink?.server.close();
});

function acmeConfig(overrides: { params?: Record<string, unknown>; options?: Record<string, unknown> } = {}) {
  return {
    targets: [
      {
        id: 'acme-prod',
        provider: 'acme-batch',
        region: 'moon-1',
        endpoint: emulator.url,
        credentials: { accessKeyId: 'env:ACME_ID', secretAccessKey: 'env:ACME_TOKEN' },
        options: overrides.options ?? { project: 'etl' },
      },
    ],
    channels: [{ name: 'acme-room', type: 'acme-chat', url: 'env:ACME_CHAT_URL', room: 'ops' }],
    route: { receiver: 'acme-room', groupWaitSeconds: 0, groupIntervalSeconds: 1, providers: ['acme-batch'] },
    remediation: {
      policies: [
        {
          name: 'restart-acme',
          match: { types: ['job.failed'], providers: ['acme-batch'] },
          action: { type: 'restart', params: overrides.params ?? { fromCheckpoint: true } },
          mode: 'enforce',
          guards: { cooldownSeconds: 0 },
        },
      ],
    },
  };
}

function problemsOf(input: unknown): string[] {
  try {
    parseConfig(input, 'plug-ins');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('a provider and a channel registered through the public registration API', () => {
  it('are validated by the config schema like the built-in ones', () => {
    expect(problemsOf(acmeConfig())).toEqual([]);
    expect(problemsOf(acmeConfig({ options: {} }))).toEqual([
      expect.stringContaining('targets[0].options.project'),
    ]);
    const badParams = problemsOf(acmeConfig({ params: { savepoint: true } }));
    expect(badParams).toEqual([
      expect.stringMatching(
        /^remediation\.policies\[0\]\.action\.params\.savepoint: .*acme-batch restart.*fromCheckpoint/,
      ),
    ]);
    const badRoom = problemsOf({
      ...acmeConfig(),
      channels: [{ name: 'r', type: 'acme-chat', url: 'env:X' }],
    });
    expect(badRoom).toEqual([expect.stringContaining('channels[0].room')]);
  });

  it('poll through the provider, remediate through its action and notify through the channel', async () => {
    const clock = createSimClock({ startMs: T0, speed: 0 });
    const local = await createLocalStore({ now: clock.now });
    try {
      const config = parseConfig(acmeConfig(), 'plug-ins');
      const pipeline = createLocalPipeline({
        config,
        store: local.store,
        providers: PROVIDERS_BY_ID,
        secrets: createSecretResolver({
          env: { ACME_ID: 'acme', ACME_TOKEN: TOKEN, ACME_CHAT_URL: `${sink.url}/hooks/ops` },
        }),
        logger: silentLogger,
        now: clock.now,
      });
      const healthy = await pipeline.poll();
      expect(healthy[0]?.events ?? []).toEqual([]);

      (emulator.jobs.get('nightly') as AcmeJob).state = 'FAILED';
      clock.advance(60_000);
      const failed = await pipeline.poll();
      expect(failed[0]?.events.map((e) => `${e.data.type} ${e.data.provider}`)).toContain(
        'job.failed acme-batch',
      );
      await pipeline.settle();
      clock.advance(60_000);
      await pipeline.notifier.flush();

      expect(emulator.restarts).toEqual([{ job: 'nightly', body: { fromCheckpoint: true } }]);
      expect(sink.received).toContainEqual({
        room: 'ops',
        status: 'firing',
        firing: ['job.failed nightly (acme-batch)'],
      });
    } finally {
      await local.store.close();
      await local.stop();
    }
  }, 30_000);
});
