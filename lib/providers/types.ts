import type { z } from 'zod';
import type { SecretResolver } from '../config/secrets.js';
import type { ProviderTarget } from '../config/target.js';
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

/** One provider's actions over its own targets (`T`); the registry's providers take any target. */
export interface ProviderActions<T extends ProviderTarget = ProviderTarget> {
  /** Which actions this provider can perform on a resource of this kind. */
  supports(resource: Pick<ActionTarget, 'kind' | 'jobKind'>): readonly ActionName[];
  /**
   * One fresh read of the resource's state. Throws when the vendor cannot be read (after the HTTP client's
   * retries) or the resource is of a kind this provider cannot read: no answer is never a state.
   */
  readState(target: T, resource: ActionTarget, ctx: ProviderContext): Promise<CurrentState>;
  /** Sends the action, then verifies through the vendor API until the expected state or the timeout. */
  perform(target: T, request: ActionRequest, ctx: ProviderContext): Promise<ActionOutcome>;
}

/**
 * The parameters each action takes, as a strict object schema per action (Cloud Custodian's per-action
 * schema). An action without an entry is one this provider never performs. The config loader validates every
 * remediation policy's `params` against these, and the provider's actions parse them with the same schema.
 */
export type ActionParamSchemas = Partial<Record<ActionName, z.ZodObject>>;

/**
 * What the config schema needs of a provider (its `config.ts`): no client, collector or action code.
 * `Options` is the parsed type of the target's `options` block.
 */
export interface ProviderDescriptor<Options = unknown> {
  id: ProviderId;
  displayName: string;
  /** zod schema of the provider-specific `options` block of a target. */
  optionsSchema: z.ZodType<Options>;
  /** Default endpoint for a region; undefined means the region is unknown and `endpoint` must be set. */
  endpointFor(region: string): string | undefined;
  actionParams: ActionParamSchemas;
}

/** A provider as the runtime uses it: descriptor, collector, actions. Built with `defineProvider`. */
export interface Provider<T extends ProviderTarget = ProviderTarget> extends ProviderDescriptor {
  /** Never throws for vendor failures: those are `errors` in the snapshot. */
  collect(target: T, ctx: ProviderContext): Promise<TargetSnapshot>;
  actions: ProviderActions<T>;
}
