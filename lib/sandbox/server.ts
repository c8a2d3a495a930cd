import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sleep } from '../async/sleep.js';
import type { ProviderId } from '../model/snapshot.js';
import { createSimClock, type SimClock } from './clock.js';
import { FaultInjector, truncateLongestList } from './faults.js';
import type {
  FleetSpec,
  SandboxEmulator,
  SandboxPlugin,
  SandboxRequest,
  SandboxResponse,
  SandboxRoute,
  ScenarioName,
} from './types.js';

export interface RequestLogEntry {
  provider: ProviderId;
  operation: string;
  method: string;
  path: string;
  status: number;
  atMs: number;
}

export interface SandboxOptions {
  plugins: SandboxPlugin[];
  scenario?: ScenarioName;
  clock?: SimClock;
  fleet?: FleetSpec;
  /** Latency added to every request (ms), for benchmarks. */
  latencyMs?: number;
  host?: string;
  /** Keep the request log bounded for long runs. */
  maxLogEntries?: number;
}

interface CompiledRoute {
  route: SandboxRoute;
  regex: RegExp;
  names: string[];
}

function compile(route: SandboxRoute): CompiledRoute {
  const names: string[] = [];
  const source = route.pattern
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        names.push(segment.slice(1));
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { route, regex: new RegExp(`^${source}/?$`), names };
}

class ProviderServer {
  readonly server: Server;
  endpoint = '';
  private readonly compiled: CompiledRoute[];

  constructor(
    readonly provider: ProviderId,
    readonly emulator: SandboxEmulator,
    private readonly sandbox: Sandbox,
  ) {
    this.compiled = emulator.routes.map(compile);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`sandbox error: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
    this.server.keepAliveTimeout = 60_000;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawQuery = (req.url ?? '').includes('?')
      ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1)
      : '';
    let match: { route: SandboxRoute; params: Record<string, string> } | undefined;
    for (const candidate of this.compiled) {
      if (candidate.route.method !== method) continue;
      const m = candidate.regex.exec(url.pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      candidate.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] ?? '');
      });
      match = { route: candidate.route, params };
      break;
    }
    const operation = match?.route.operation ?? `${method} ${url.pathname}`;
    const request: SandboxRequest = {
      method,
      path: decodeURIComponent(url.pathname),
      rawQuery,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks),
      params: match?.params ?? {},
    };

    if (this.sandbox.latencyMs > 0) await sleep(this.sandbox.latencyMs);
    let response: SandboxResponse | undefined;
    const faults = this.sandbox.faults.take(this.provider, operation, request.path);
    for (const fault of faults) {
      if (fault.kind === 'latency') await sleep(fault.ms ?? 1000);
      if (fault.kind === 'timeout') {
        this.sandbox.holding({ provider: this.provider, operation, path: request.path });
        await sleep(fault.ms ?? 30_000);
        this.sandbox.record(this.provider, operation, request, 0);
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'reset') {
        this.sandbox.record(this.provider, operation, request, 0);
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'status') {
        const status = fault.status ?? 500;
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
        response = {
          status,
          headers,
          body: fault.body ?? this.emulator.errorBody?.(status, operation) ?? '',
        };
      }
      if (fault.kind === 'malformed') {
        response = {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: String(fault.body ?? '{"oops":'),
        };
      }
      if (fault.kind === 'drift') response = { status: 200, body: fault.body ?? { unexpected: true } };
      if (fault.kind === 'empty') response = { status: 200, headers: { 'content-type': 'application/json' } };
    }
    const truncate = !response && faults.some((fault) => fault.kind === 'truncate');
    if (!response) {
      if (!match) {
        response = {
          status: 404,
          body: this.emulator.errorBody?.(404, operation) ?? { message: 'no such route' },
        };
      } else {
        response = this.emulator.authenticate?.(request) ?? (await match.route.handler(request));
        if (
          truncate &&
          response.status < 300 &&
          typeof response.body === 'object' &&
          !Buffer.isBuffer(response.body)
        )
          response = { ...response, body: truncateLongestList(response.body) };
      }
    }
    this.sandbox.record(this.provider, operation, request, response.status);
    const body = response.body;
    const payload =
      body === undefined
        ? ''
        : Buffer.isBuffer(body) || typeof body === 'string'
          ? body
          : JSON.stringify(body);
    const headers: Record<string, string> = { ...response.headers };
    if (
      !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type') &&
      typeof body === 'object' &&
      !Buffer.isBuffer(body)
    )
      headers['content-type'] = 'application/json;charset=utf-8';
    res.writeHead(response.status, headers);
    res.end(payload);
  }
}

/** A request a `timeout` fault holds (the vendor hangs): logged only when the sandbox lets go of it. */
export interface HeldRequest {
  provider: ProviderId;
  operation: string;
  path: string;
}

/** The vendor emulators on loopback: one origin per provider, like the real endpoints. */
export class Sandbox {
  readonly clock: SimClock;
  readonly faults = new FaultInjector();
  readonly requests: RequestLogEntry[] = [];
  latencyMs: number;
  private readonly servers: ProviderServer[] = [];
  private readonly maxLogEntries: number;
  private readonly holdListeners = new Set<(held: HeldRequest) => void>();

  constructor(private readonly options: SandboxOptions) {
    this.clock = options.clock ?? createSimClock({ speed: 1 });
    this.latencyMs = options.latencyMs ?? 0;
    this.maxLogEntries = options.maxLogEntries ?? 100_000;
    for (const plugin of options.plugins) {
      const emulator = plugin.create({
        scenario: options.scenario ?? 'test',
        clock: this.clock,
        ...(options.fleet ? { fleet: options.fleet } : {}),
      });
      this.servers.push(new ProviderServer(plugin.provider, emulator, this));
    }
  }

  async start(): Promise<this> {
    const host = this.options.host ?? '127.0.0.1';
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve, reject) => {
            s.server.once('error', reject);
            s.server.listen(0, host, () => {
              const { port } = s.server.address() as AddressInfo;
              s.endpoint = `http://${host}:${port}`;
              resolve();
            });
          }),
      ),
    );
    return this;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.server.closeAllConnections();
            s.server.close(() => resolve());
          }),
      ),
    );
  }

  endpoints(): Partial<Record<ProviderId, string>> {
    return Object.fromEntries(this.servers.map((s) => [s.provider, s.endpoint]));
  }

  /** `targets:` entries for every emulator, ready to drop into a config. */
  targets(): Record<string, unknown>[] {
    return this.servers.flatMap((s) => s.emulator.targets(s.endpoint));
  }

  /** Calls per operation since the last reset, optionally for one provider. */
  callCounts(provider?: ProviderId): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const entry of this.requests) {
      if (provider && entry.provider !== provider) continue;
      counts[entry.operation] = (counts[entry.operation] ?? 0) + 1;
    }
    return counts;
  }

  resetLog(): void {
    this.requests.length = 0;
  }

  /**
   * Calls `listener` each time a timeout fault starts holding a request, so a test can let a deadline fall
   * while the route hangs (not on a wall-clock guess of when the route is reached). Returns the unsubscribe.
   */
  onHold(listener: (held: HeldRequest) => void): () => void {
    this.holdListeners.add(listener);
    return () => this.holdListeners.delete(listener);
  }

  holding(held: HeldRequest): void {
    for (const listener of this.holdListeners) listener(held);
  }

  record(provider: ProviderId, operation: string, request: SandboxRequest, status: number): void {
    if (this.requests.length >= this.maxLogEntries) this.requests.shift();
    this.requests.push({
      provider,
      operation,
      method: request.method,
      path: request.path,
      status,
      atMs: this.clock.now(),
    });
  }
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  return new Sandbox(options).start();
}
