import type { z } from 'zod';
import type { SecretResolver } from '../../config/secrets.js';
import type { JobwatchEvent } from '../../events/schema.js';
import type { FailureKind } from '../../http/errors.js';
import type { Logger } from '../../observability/logger.js';

/**
 * A channel type (`slack`, `webhook`, ...): a string checked against the channel registry
 * (lib/alerts/channels/registry.ts) where a config names it, so a channel registered at run time is one.
 */
export type ChannelType = string;

/** What every channel's config has (its schema spreads `channelBase` from shared.ts). */
export interface ChannelConfigBase {
  type: ChannelType;
  name: string;
  sendResolved: boolean;
  timeoutMs: number;
}

/**
 * One channel type: its strict config schema (`type: z.literal(type)`, `...channelBase`) and its constructor.
 * Registered in lib/alerts/channels/registry.ts (`registerChannel`).
 */
export interface ChannelPlugin<
  T extends ChannelType = ChannelType,
  C extends ChannelConfigBase = ChannelConfigBase,
> {
  type: T;
  configSchema: z.ZodObject;
  create(config: C, deps: ChannelDeps): Channel;
}

/** Why a notification was sent; reasons make messages and tests readable (AM `needsUpdate`). */
export type SendReason =
  | 'first'
  | 'new-firing'
  | 'new-resolved'
  | 'all-resolved'
  | 'repeat'
  | 'digest'
  | 'escalation'
  | 'test';

/** One alert as a channel sees it: everything already chosen, trimmed and free of secrets. */
export interface AlertView {
  fingerprint: string;
  type: string;
  severity: 'critical' | 'warning' | 'info';
  status: 'firing' | 'resolved';
  title: string;
  summary: string;
  provider: string;
  targetId: string;
  region: string;
  resourceName: string;
  resourceKind: string;
  /** Normalized state (e.g. FAILED) when the event carries one. */
  state?: string;
  /** When the resource entered `state` (a stuck job's alert starts later than its state did). */
  stateSinceMs?: number;
  startsAtMs: number;
  endsAtMs?: number;
  lastError?: string;
  /** "restarts 2/5"-style figures derived from the event values. */
  counts: string[];
  /** What the failure is and why (job events): category tag, summary, hint, root cause, evidence lines. */
  diagnosis?: {
    category: string;
    summary: string;
    hint: string;
    /** Multi-line (header and frames); each channel trims it to its own limit. */
    rootCause?: string;
    /** "label: value" lines, the time in state left out (the state line says it). */
    evidence: string[];
  };
  /** The job's health score over the last hour and the line that explains it (firing job events). */
  health?: { score: number; grade: string; summary: string };
  /** What an automatic action did and why, for remediation.* events. */
  remediation?: { action: string; outcome: string; reason?: string; dryRun?: boolean };
  links: { title: string; url: string }[];
  /** Someone works on it (a firing alert sent again while acknowledged): who, and until when. */
  acknowledged?: { by: string; untilMs: number };
  labels: Record<string, string>;
  /** The CloudEvent itself, for the webhook channel. */
  event: JobwatchEvent;
}

/** One notification: a group's firing and resolved alerts (or a digest of several groups). */
export interface AlertGroupMessage {
  receiver: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  reason: SendReason;
  /** 'firing' while anything in the group fires. */
  status: 'firing' | 'resolved';
  firing: AlertView[];
  resolved: AlertView[];
  /** Groups folded into a storm digest: alerts listed above plus a one-line summary per group. */
  digest?: { groupLabels: Record<string, string>; firing: number; resolved: number }[];
  /** Alerts in the group beyond what one message can carry. */
  omitted: number;
  nowMs: number;
}

export type ChannelFailureReason = FailureKind | 'vendor-error' | 'too-large' | 'secret-unavailable';

export type NotifyResult =
  | { ok: true }
  | {
      ok: false;
      /** Whether trying again could help (throttled, 5xx, timeouts, vendor busy codes). */
      retry: boolean;
      reason: ChannelFailureReason;
      /** Safe to log: never contains the webhook URL, signing secret or request body. */
      error: string;
      status?: number;
      retryAfterMs?: number;
    };

export interface Channel {
  name: string;
  type: ChannelType;
  sendResolved: boolean;
  /** Firing alerts carry buttons that call jobwatch back (Slack app, Feishu app), not signed links. */
  interactive?: boolean;
  notify(message: AlertGroupMessage, signal?: AbortSignal): Promise<NotifyResult>;
  /**
   * Tells the receiver that people work on these alerts (by fingerprint); only receivers with an
   * acknowledged state of their own (PagerDuty, Opsgenie) have it.
   */
  acknowledge?(fingerprints: string[], note?: string, signal?: AbortSignal): Promise<NotifyResult>;
  close?(): Promise<void>;
}

export interface ChannelDeps {
  secrets: SecretResolver;
  logger: Logger;
  now: () => number;
  /** Waits between rate-limited sends; injectable for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}
