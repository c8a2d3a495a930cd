/**
 * Detection: pure functions from (previous stored state, current snapshot, rules, now) to (event drafts,
 * next state). Provider-agnostic: only `TargetSnapshot` goes in, only model types (`EventInput`) come out;
 * lib/events, the layer above, makes each draft the CloudEvent. No I/O, no clock: the runtime passes `nowMs`.
 *
 * @example
 * const out = detect({ target, defaults: config.defaults.rules, snapshot, previous, nowMs: now() });
 * await bus.publish(out.drafts.map(buildEvent));
 * // then write out.next.get(k) for k of out.changed, and delete out.removed
 */
import type { TargetConfig } from '../config/schema.js';
import type { EventInput } from '../model/event-input.js';
import type { ContainerSnapshot, TargetSnapshot } from '../model/snapshot.js';
import { type EventContext, reconcile } from './conditions.js';
import type { Rules, RulesOverride } from './config.js';
import { evaluateContainer } from './container.js';
import type { DetectContext } from './describe.js';
import { evaluateJob } from './job.js';
import { massDisappearance } from './listing.js';
import { createRulesResolver, thresholdsFor } from './rules.js';
import { evaluateSource } from './source.js';
import { compact, type ResourceState, sameJson } from './state.js';

export type { Rules, RulesOverride } from './config.js';
export { DEFAULT_RULES, mergeRules } from './config.js';
export { BATCH_LIKE_KINDS } from './job.js';
export { resolveRules } from './rules.js';
export { collectionErrorReason } from './source.js';
export type { ConditionState, JobTrack, ResourceState } from './state.js';

export interface DetectInput {
  target: TargetConfig;
  /** `config.defaults.rules`. */
  defaults?: RulesOverride;
  snapshot: TargetSnapshot;
  /** Stored states keyed by resource key, plus `TARGET_STATE_KEY(target.id)` for source health. */
  previous: ReadonlyMap<string, ResourceState>;
  nowMs: number;
}

export interface DetectOutput {
  /** The events this poll found, in order, as drafts: `buildEvent` (lib/events) gives each its envelope and id. */
  drafts: EventInput[];
  /** Every state to keep (unchanged ones included). */
  next: Map<string, ResourceState>;
  /** Keys whose state differs from `previous`: the only ones that need writing. */
  changed: string[];
  /** Keys to delete: resource gone from a complete snapshot with nothing left firing or pending. */
  removed: string[];
}

/** State key of the target itself (source health). */
export const TARGET_STATE_KEY = (targetId: string) => `target:${targetId}`;

export function detect(input: DetectInput): DetectOutput {
  const { target, previous, nowMs } = input;
  const rulesFor = createRulesResolver(target, input.defaults);
  const targetRules = rulesFor(undefined);
  // Jobs and containers are evaluated on the snapshot as it came: what the listing guard below may change
  // (completeness, one more error) is read only by the source's evaluation and by the handling of gone keys.
  let snapshot: TargetSnapshot = input.snapshot;
  const context: DetectContext = {
    target,
    snapshot,
    nowMs,
    containers: new Map(snapshot.containers.map((c): [string, ContainerSnapshot] => [c.key, c])),
  };
  const drafts: EventInput[] = [];
  const next = new Map<string, ResourceState>();
  const changed: string[] = [];
  let kept = 0;
  const removed: string[] = [];
  // Compared where each state is kept (not in a second pass over every key): the keys in `next`'s order.
  const keep = (key: string, state: ResourceState) => {
    next.set(key, state);
    const before = previous.get(key);
    if (before === undefined) changed.push(key);
    else {
      kept++;
      if (!sameJson(before, state)) changed.push(key);
    }
  };
  const prior = (key: string): ResourceState | undefined => {
    const state = previous.get(key);
    return isResourceState(state) ? state : undefined;
  };

  // `next` holds every resource seen so far: a key listed twice is evaluated once. One lookup of the stored
  // state per job (not one to evaluate and one to compare).
  for (const job of snapshot.jobs) {
    if (next.has(job.key)) continue;
    const rules = rulesFor(job.name);
    const before = previous.get(job.key);
    const result = evaluateJob(job, isResourceState(before) ? before : undefined, rules, context);
    for (const draft of result.drafts) drafts.push(draft);
    next.set(job.key, result.state);
    if (before === undefined) changed.push(job.key);
    else {
      kept++;
      if (!sameJson(before, result.state)) changed.push(job.key);
    }
  }
  for (const container of snapshot.containers) {
    if (next.has(container.key)) continue;
    const result = evaluateContainer(container, prior(container.key), targetRules, context);
    for (const draft of result.drafts) drafts.push(draft);
    keep(container.key, result.state);
  }

  const targetKey = TARGET_STATE_KEY(target.id);
  // Many known jobs missing without a total that confirms it: an incomplete listing, not a fleet gone. When
  // every stored key was listed again (the usual poll) no job vanished, and there is nothing to count.
  const everyKeySeen = previous.size === kept + (previous.has(targetKey) ? 1 : 0);
  const unconfirmed = everyKeySeen
    ? undefined
    : massDisappearance(previous, input.snapshot, targetRules.massDisappearance);
  if (unconfirmed) {
    snapshot = { ...input.snapshot, complete: false, errors: [...input.snapshot.errors, unconfirmed] };
    context.snapshot = snapshot;
  }
  const source = evaluateSource(targetKey, prior(targetKey), targetRules, context);
  for (const draft of source.drafts) drafts.push(draft);
  if (Object.keys(source.state.conditions).length > 0) keep(targetKey, source.state);
  else if (previous.has(targetKey)) removed.push(targetKey);

  // Every stored key seen again (the usual poll): no pass over them to find the gone ones.
  const targetDropped = previous.has(targetKey) && !next.has(targetKey) ? 1 : 0;
  const gone =
    previous.size === kept + targetDropped
      ? []
      : [...previous.keys()].filter((key) => key !== targetKey && !next.has(key)).sort();
  for (const key of gone) {
    const state = previous.get(key) as ResourceState;
    // A stored item this version cannot read is dropped rather than allowed to fail the whole poll.
    if (!isResourceState(state)) {
      removed.push(key);
      continue;
    }
    // An incomplete listing cannot tell "gone" from "not read": keep the state untouched.
    if (!snapshot.complete) {
      keep(key, state);
      continue;
    }
    const result = resolveGone(state, input, context, rulesFor);
    for (const draft of result.drafts) drafts.push(draft);
    if (Object.keys(result.state.conditions).length > 0) keep(key, result.state);
    else removed.push(key);
  }
  return { drafts, next, changed, removed };
}

function isResourceState(value: unknown): value is ResourceState {
  const state = value as Partial<ResourceState> | undefined;
  return (
    typeof state === 'object' &&
    state !== null &&
    typeof state.ref?.key === 'string' &&
    typeof state.conditions === 'object' &&
    state.conditions !== null
  );
}

/** A resource missing from a complete snapshot: its conditions count as absent and resolve as usual. */
function resolveGone(
  state: ResourceState,
  input: DetectInput,
  context: DetectContext,
  rulesFor: (jobName: string | undefined) => Rules,
): { state: ResourceState; drafts: EventInput[] } {
  const rules = rulesFor(state.ref.kind === 'job' ? state.ref.name : undefined);
  const eventContext: EventContext = {
    provider: input.snapshot.provider,
    targetId: input.target.id,
    region: input.snapshot.region,
    ref: state.ref,
    labels: state.labels,
    ...(state.consoleUrl ? { consoleUrl: state.consoleUrl } : {}),
    baseValues: { gone: true, targetJobCount: input.snapshot.jobs.length },
  };
  const reconciled = reconcile({
    previous: state.conditions,
    findings: [],
    thresholds: (type, discriminator) => thresholdsFor(rules, type, discriminator),
    context: eventContext,
    nowMs: context.nowMs,
    resolvedTitle: (c) => `Resolved: ${c.title ?? c.type} (${state.ref.kind} no longer listed)`,
    resolvedReason: `the ${state.ref.kind} is no longer listed by ${input.snapshot.provider}`,
  });
  return { state: compact({ ...state, conditions: reconciled.conditions }), drafts: reconciled.drafts };
}
