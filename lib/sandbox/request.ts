/** A received request as a signature check reads it: one header, the raw query's pairs in the order sent. */
import type { SandboxRequest } from './types.js';

/** One header as the signer saw it (repeated headers joined). */
export function header(req: SandboxRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The raw query string's pairs, decoded, in the order sent. */
export function queryPairs(req: SandboxRequest): [string, string][] {
  if (!req.rawQuery) return [];
  return req.rawQuery.split('&').map((pair) => {
    const at = pair.indexOf('=');
    const key = at < 0 ? pair : pair.slice(0, at);
    const value = at < 0 ? '' : pair.slice(at + 1);
    return [decodeURIComponent(key), decodeURIComponent(value)];
  });
}
