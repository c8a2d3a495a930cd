import type { ProviderId } from '../model/snapshot.js';

/**
 * `empty`: 200 with an empty body. `truncate`: the real answer with its longest list cut to half (a page
 * shorter than its reported total says), for listings that lose items without saying so.
 */
export type FaultKind =
  | 'latency'
  | 'status'
  | 'timeout'
  | 'malformed'
  | 'drift'
  | 'reset'
  | 'empty'
  | 'truncate';

export interface Fault {
  provider?: ProviderId;
  /** Operation name (route's `operation`); all operations when omitted. */
  operation?: string;
  /** Only requests whose decoded path contains this text, e.g. one job's name for a per-job read. */
  pathIncludes?: string;
  kind: FaultKind;
  /** latency: extra delay; timeout: how long to hold the request before destroying it. */
  ms?: number;
  /** status: HTTP status to answer (429, 500, 503…). */
  status?: number;
  retryAfterSeconds?: number;
  /** drift: a body to answer instead of the real one (schema drift); malformed: raw text. */
  body?: unknown;
  /** How many matching requests the fault applies to; forever when omitted. */
  times?: number;
}

/** Per-route fault injection, consulted by the harness before a route's handler runs. */
export class FaultInjector {
  private faults: (Fault & { remaining: number })[] = [];

  inject(fault: Fault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.faults = [];
  }

  /**
   * Faults that apply to this request, consuming one use of each: every matching latency fault, plus the
   * first matching fault of another kind (so faults injected in sequence hit successive requests).
   */
  take(provider: ProviderId, operation: string, path = ''): Fault[] {
    const hits: Fault[] = [];
    let answered = false;
    for (const fault of this.faults) {
      if (fault.remaining <= 0) continue;
      if (fault.provider && fault.provider !== provider) continue;
      if (fault.operation && fault.operation !== operation) continue;
      if (fault.pathIncludes !== undefined && !path.includes(fault.pathIncludes)) continue;
      if (fault.kind !== 'latency') {
        if (answered) continue;
        answered = true;
      }
      fault.remaining -= 1;
      hits.push(fault);
    }
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return hits;
  }
}

/** The JSON body with its longest array (searched depth-first) cut to half its length; other values as is. */
export function truncateLongestList(body: unknown): unknown {
  let longest: unknown[] | undefined;
  const visit = (value: unknown) => {
    if (Array.isArray(value)) {
      if (!longest || value.length > longest.length) longest = value;
      value.forEach(visit);
    } else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  const copy = structuredClone(body);
  visit(copy);
  if (longest) longest.splice(Math.floor(longest.length / 2));
  return copy;
}
