import { issueSummary } from '../config/path.js';
import type { ProviderTarget } from '../config/target.js';
import type { TargetSnapshot } from '../model/snapshot.js';
import { rejectedOutcome, unsupportedOutcome } from './actions-shared.js';
import type { Provider, ProviderActions, ProviderContext, ProviderDescriptor } from './types.js';

/**
 * A target handed to a provider that is not its own. The runtime picks the provider by `target.provider`,
 * so this is a wiring mistake, never a vendor answer: every entry point throws it the same way, and the
 * callers (the poll's collectSafely, the executor) already turn a throw into a failed snapshot or outcome.
 */
export class WrongProviderError extends TypeError {
  override name = 'WrongProviderError';
  constructor(provider: string, target: { id: string; provider: string }) {
    super(`target ${target.id} is a ${target.provider} target, not a ${provider} one`);
  }
}

/** What a provider folder implements for its own target type. */
export interface ProviderParts<T extends ProviderTarget> {
  collect(target: T, ctx: ProviderContext): Promise<TargetSnapshot>;
  actions: ProviderActions<T>;
}

/**
 * A provider from its descriptor (config.ts) and its collector and actions, typed over its own target. The
 * one check that a target belongs to this provider lives here, for collect, readState and perform alike, and
 * so does the check of an action's params against the descriptor's schema, the one the config loader uses:
 * what `config validate` accepts is what the action accepts.
 */
export function defineProvider<Options>(
  descriptor: ProviderDescriptor<Options>,
  parts: ProviderParts<ProviderTarget<Options>>,
): Provider {
  const own = (target: ProviderTarget): ProviderTarget<Options> => {
    if (target.provider !== descriptor.id) throw new WrongProviderError(descriptor.id, target);
    return target as ProviderTarget<Options>;
  };
  return {
    ...descriptor,
    collect: async (target, ctx) => parts.collect(own(target), ctx),
    actions: {
      supports: (resource) => parts.actions.supports(resource),
      readState: async (target, resource, ctx) => parts.actions.readState(own(target), resource, ctx),
      perform: async (target, request, ctx) => {
        const mine = own(target);
        const { action } = request;
        const schema = descriptor.actionParams[action];
        if (!schema) {
          const offered = Object.keys(descriptor.actionParams).join(', ') || 'none';
          const message = `${descriptor.id} does not perform ${action}; it performs: ${offered}`;
          return unsupportedOutcome({ action, message, durationMs: 0 });
        }
        const params = schema.safeParse(request.params ?? {});
        if (!params.success) {
          const problems = issueSummary(params.error.issues);
          return rejectedOutcome({ action, message: `invalid params: ${problems}`, durationMs: 0 });
        }
        return parts.actions.perform(mine, { ...request, params: params.data }, ctx);
      },
    },
  };
}
