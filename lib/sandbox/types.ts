import type { IncomingHttpHeaders } from 'node:http';
import type { ProviderId } from '../model/snapshot.js';
import type { SimClock } from './clock.js';

export interface SandboxRequest {
  method: string;
  /** Decoded path without query string. */
  path: string;
  /** Raw query string without '?', exactly as sent (signatures are computed over it). */
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Values of `:name` segments of the matched route pattern. */
  params: Record<string, string>;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings and Buffers verbatim. */
  body?: unknown;
}

export interface SandboxRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Path pattern with `:param` segments, e.g. `/v1.0/:projectId/streaming/jobs`. */
  pattern: string;
  /** The vendor operation name, used in the request log and for fault injection. */
  operation: string;
  handler: (request: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;
}

/** Credentials every emulator accepts. They are fake and only valid against the sandbox. */
export const SANDBOX_CREDENTIALS = {
  accessKeyId: 'SANDBOXAKID0000000000',
  accessKeySecret: 'sandbox-secret-key-do-not-use-anywhere-else',
} as const;

/** Environment variables the sandbox's generated config refers to with `env:` references. */
export const SANDBOX_ENV = {
  JOBWATCH_SANDBOX_AK: SANDBOX_CREDENTIALS.accessKeyId,
  JOBWATCH_SANDBOX_SK: SANDBOX_CREDENTIALS.accessKeySecret,
} as const;

export type ScenarioName = 'demo' | 'test' | 'fleet';

export interface FleetSpec {
  /** Free-form sizes read by each plugin, e.g. { blinkJobs: 1000, dliFlinkJobs: 1000 }. */
  [size: string]: number;
}

/**
 * Where the `i`-th job of a fleet is in its checkpoint schedule, in [0, intervalMs): spread evenly (golden
 * ratio steps) and fixed by the job, not by when a poll first reads it. A real fleet's jobs started at
 * unrelated times, so a poll finds their next checkpoints due at every phase; a fleet whose schedules all
 * begin at its first read would have every checkpoint fall due at once, a poll an interval later reading
 * all of them and one a second earlier none (issue 17, the 50k series point).
 */
export function fleetPhaseMs(i: number, intervalMs: number): number {
  return Math.floor(((i * 0.6180339887498949) % 1) * intervalMs);
}

export interface SandboxPluginOptions {
  scenario: ScenarioName;
  clock: SimClock;
  fleet?: FleetSpec;
}

/** One provider's emulator: its routes, its signature check, and the config that points jobwatch at it. */
export interface SandboxEmulator {
  routes: SandboxRoute[];
  /** Returns a vendor-shaped error response when the request is not correctly signed. */
  authenticate?: (request: SandboxRequest) => SandboxResponse | undefined;
  /** `targets:` entries (plain objects, as in jobwatch.yml) for this emulator at `endpoint`. */
  targets(endpoint: string): Record<string, unknown>[];
  /** Vendor-shaped response for injected 5xx / 429 faults. */
  errorBody?: (status: number, operation: string) => unknown;
}

export interface SandboxPlugin {
  provider: ProviderId;
  create(options: SandboxPluginOptions): SandboxEmulator;
}
