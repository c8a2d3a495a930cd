/** What the chat callback routes (Slack interactivity, Feishu card callbacks) share. */
import type { Config } from '../config/schema.js';
import { notFound, unauthorized } from './errors.js';

/** A channel config of one type with its callbacks configured. */
export type Interactive<C extends { interactive?: unknown }> = C & {
  interactive: NonNullable<C['interactive']>;
};

/** The channels of `type` whose callbacks are on (`interactive` set). */
export function interactiveChannels<C extends { type: string; interactive?: unknown }>(
  config: Config,
  type: C['type'],
): Interactive<C>[] {
  return config.channels.filter(
    (c) => c.type === type && c.interactive !== undefined,
  ) as unknown as Interactive<C>[];
}

/** The receivers a callback route serves; a 404 naming the route when none has callbacks on. */
export function callbackReceivers<C extends { type: string; interactive?: unknown }>(
  config: Config,
  type: C['type'],
  route: string,
): Interactive<C>[] {
  const receivers = interactiveChannels<C>(config, type);
  if (receivers.length === 0) throw notFound(`${route} is not enabled (interactive on a ${type} channel)`);
  return receivers;
}

/**
 * A callback's timestamp header (Unix seconds) must be within `toleranceMs` of now: an older one is a
 * replay, or a clock that is off. Refused with 401 and the platform's auth `scheme`.
 */
export function checkCallbackTime(
  header: string,
  timestamp: string,
  nowMs: number,
  toleranceMs: number,
  scheme: string,
): void {
  if (!/^\d{1,12}$/.test(timestamp)) throw unauthorized(`${header} is not a Unix time in seconds`, scheme);
  if (Math.abs(nowMs - Number(timestamp) * 1000) > toleranceMs)
    throw unauthorized(
      `${header} is more than ${toleranceMs / 60_000} minutes from now (a replayed request, or a clock that is off)`,
      scheme,
    );
}
