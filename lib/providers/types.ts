import type { z } from 'zod';
import type { TargetConfig } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import type { ContainerHealth, JobKind, JobState, ProviderId, TargetSnapshot } from '../model/snapshot.js';
import type { Logger } from '../observability/logger.js';

/** What a collector or action gets from the runtime: clock, deadline, secrets, logs. */
export interface ProviderContext {
  now: () => number;
  /** Fires shortly before the invocation's deadline; pass it to every HTTP call. */
  signal?: AbortSignal;
  secrets: SecretResolver;
  logger: Logger;
}

export const ACTION_NAMES = [
  'pause',
  'resume',
  'stop',
  'restart',
  'restart-from-checkpoint',
  'kill',
  'cancel',
  'resubmit',
  'restart-queue',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/** The resource an action targets, as events describe it: no vendor types leak into remediation. */
export interface ActionTarget {
  key: string;
  kind: 'job' | 'cluster' | 'queue';
  jobKind?: JobKind;
  vendorId: string;
  instanceId?: string;
  scope: { kind: 'project' | 'cluster' | 'queue'; id: string };
  name: string;
}

export interface ActionRequest {
  action: ActionName;
  resource: ActionTarget;
  /** Action parameters from the policy (e.g. { withSavepoint: true }), validated by the provider. */
  params: Record<string, unknown>;
  /** How long verification may poll before giving up. */
  verifyTimeoutMs: number;
  verifyIntervalMs?: number;
}

export type ActionOutcome =
  | {
      ok: true;
      status: 'verified';
      action: ActionName;
      finalState?: JobState | string;
      message: string;
      durationMs: number;
    }
  | {
      ok: false;
      status: 'rejected' | 'failed' | 'timeout' | 'unsupported';
      action: ActionName;
      finalState?: JobState | string;
      message: string;
      durationMs: number;
      /** True when trying again later could succeed (throttled, 5xx, timeout). */
      retryable: boolean;
    };

/**
 * What the vendor says about a resource right now, read with one call, normalized as the collector does.
 * Remediation reads it just before acting, so an action follows current truth, not a possibly old event.
 */
export type CurrentState =
  | {
      kind: 'job';
      state: JobState;
      vendorState: string;
      stateCause?: 'user' | 'system';
      /** The instance (run, execution) the vendor calls current, when it has such a notion. */
      instanceId?: string;
    }
  | { kind: 'cluster' | 'queue'; health: ContainerHealth; vendorState: string };

export interface ProviderActions {
  /** Which actions this provider can perform on a resource of this kind. */
  supports(resource: Pick<ActionTarget, 'kind' | 'jobKind'>): readonly ActionName[];
  /**
   * One fresh read of the resource's state. Throws when the vendor cannot be read (after the HTTP client's
   * retries) or the resource is of a kind this provider cannot read: no answer is never a state.
   */
  readState(target: TargetConfig, resource: ActionTarget, ctx: ProviderContext): Promise<CurrentState>;
  /** Sends the action, then verifies through the vendor API until the expected state or the timeout. */
  perform(target: TargetConfig, request: ActionRequest, ctx: ProviderContext): Promise<ActionOutcome>;
}

export interface Provider {
  id: ProviderId;
  displayName: string;
  /** zod schema of the provider-specific `options` block of a target. */
  optionsSchema: z.ZodType;
  /** Default endpoint for a region; undefined means the region is unknown and `endpoint` must be set. */
  endpointFor(region: string): string | undefined;
  /** Never throws: vendor failures are `errors` in the snapshot. */
  collect(target: TargetConfig, ctx: ProviderContext): Promise<TargetSnapshot>;
  actions: ProviderActions;
}
