/**
 * Acknowledging firing alerts: the one implementation behind `jobwatch ack`, `POST /api/acks` and the
 * action links. Finds what fires (by fingerprint, or every firing alert of a job), writes an ack per
 * alert and a log entry, and forwards the acknowledgement to receivers with an acknowledged state of their
 * own (PagerDuty, Opsgenie) that were told about the alert.
 */
import type { Config } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import type { JobwatchEvent } from '../events/schema.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import type { Store } from '../state/store.js';
import { ACK_LOG_PK, ACK_LOG_RETENTION_SEC, ACK_PK, type Ack, AckError, type AckInput } from './acks.js';
import { createChannel } from './channels/registry.js';
import { GROUP_PK, type GroupState } from './notifier.js';

export interface AckResult {
  acks: Ack[];
  /** Per receiver that keeps its own acknowledged state: whether forwarding worked. */
  forwarded: { receiver: string; ok: boolean; error?: string }[];
}

export interface AckDeps {
  store: Store;
  config: Pick<Config, 'channels'>;
  /** Without it nothing is forwarded (the caller cannot read secrets). */
  secrets?: SecretResolver;
  logger?: Logger;
}

export async function acknowledgeAlerts(
  deps: AckDeps,
  input: AckInput,
  via: Ack['via'],
  nowMs: number,
): Promise<AckResult> {
  const latest = await latestAlerts(deps.store);
  const firing = [...latest.values()].filter((a) => a.event.data.status === 'firing');
  const byFingerprint = firing.filter((a) => a.event.data.fingerprint === input.alert);
  const matched =
    byFingerprint.length > 0
      ? byFingerprint
      : firing.filter(
          (a) => a.event.data.resource.name === input.alert || a.event.data.resource.key === input.alert,
        );
  if (matched.length === 0)
    throw new AckError(`nothing firing matches '${input.alert.slice(0, 100)}' (a fingerprint or job name)`);

  const acks = matched.map(
    ({ event }): Ack => ({
      fingerprint: event.data.fingerprint,
      startsAtMs: event.data.startsAtMs,
      untilMs: nowMs + input.durationMs,
      createdBy: input.createdBy,
      comment: input.comment,
      createdAtMs: nowMs,
      targetId: event.data.targetId,
      resourceName: event.data.resource.name,
      title: event.data.title,
      via,
    }),
  );
  await deps.store.putMany([
    ...acks.map((ack) => ({
      pk: ACK_PK,
      sk: ack.fingerprint,
      data: ack,
      expiresAtSec: Math.floor(ack.untilMs / 1000) + 24 * 3600,
    })),
    ...acks.map((ack) => ({
      pk: ACK_LOG_PK,
      sk: `${String(nowMs).padStart(15, '0')}#${ack.fingerprint}`,
      data: ack,
      expiresAtSec: Math.floor(nowMs / 1000) + ACK_LOG_RETENTION_SEC,
    })),
  ]);

  const note = `acknowledged in jobwatch by ${input.createdBy}${input.comment ? `: ${input.comment}` : ''}`;
  const forwarded = deps.secrets
    ? await forward({ ...deps, secrets: deps.secrets }, matched, note, nowMs)
    : [];
  return { acks, forwarded };
}

interface KnownAlert {
  event: JobwatchEvent;
  atMs: number;
  /** Receivers whose groups hold the alert. */
  receivers: Set<string>;
}

async function latestAlerts(store: Store): Promise<Map<string, KnownAlert>> {
  const groups = await store.query<GroupState>(GROUP_PK, { consistent: true });
  const latest = new Map<string, KnownAlert>();
  for (const group of groups)
    for (const alert of Object.values(group.data.alerts)) {
      const fp = alert.event.data.fingerprint;
      const known = latest.get(fp);
      if (!known || alert.atMs > known.atMs)
        latest.set(fp, { ...alert, receivers: new Set([...(known?.receivers ?? []), group.data.receiver]) });
      else known.receivers.add(group.data.receiver);
    }
  return latest;
}

/**
 * Tells incident tools (PagerDuty, Opsgenie) that were told about these alerts that people work on them.
 * Chat buttons acknowledge first and forward afterwards, outside the platform's 3-second answer.
 */
export async function forwardAcknowledgement(
  deps: AckDeps & { secrets: SecretResolver },
  fingerprints: readonly string[],
  note: string,
  nowMs: number,
): Promise<AckResult['forwarded']> {
  const latest = await latestAlerts(deps.store);
  const matched = fingerprints.flatMap((fp) => {
    const known = latest.get(fp);
    return known ? [known] : [];
  });
  return forward(deps, matched, note, nowMs);
}

async function forward(
  deps: AckDeps & { secrets: SecretResolver },
  matched: readonly KnownAlert[],
  note: string,
  nowMs: number,
): Promise<AckResult['forwarded']> {
  const forwarded: AckResult['forwarded'] = [];
  const receivers = new Set(matched.flatMap((a) => [...a.receivers]));
  for (const config of deps.config.channels) {
    if (!receivers.has(config.name) || (config.type !== 'pagerduty' && config.type !== 'opsgenie')) continue;
    const channel = createChannel(config, {
      secrets: deps.secrets,
      logger: deps.logger ?? silentLogger,
      now: () => nowMs,
    });
    const fps = matched.filter((a) => a.receivers.has(config.name)).map((a) => a.event.data.fingerprint);
    const result = (await channel.acknowledge?.(fps, note)) ?? { ok: true as const };
    await channel.close?.();
    forwarded.push(
      result.ok
        ? { receiver: config.name, ok: true }
        : { receiver: config.name, ok: false, error: result.error },
    );
    if (!result.ok)
      deps.logger?.warn('acknowledgement not forwarded', { receiver: config.name, error: result.error });
  }
  return forwarded;
}
