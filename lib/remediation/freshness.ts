/**
 * Remediation acts on current truth only. An event can arrive late (a retry, a dead-letter replay), twice,
 * or after the finding it reports has resolved; by then a person may have fixed the job. Three checks run
 * before anything is done, each a skip with its reason in the audit trail when it fails:
 *
 * - age: a delivered event observed longer ago than `remediation.maxEventAgeSeconds` (default two poll
 *   intervals of its target) is stale;
 * - resolved: a finding whose resolve remediation has seen (same fingerprint, an incident that started at
 *   the same time or later) is over;
 * - current state: just before a vendor action, one fresh read of the resource must still match what the
 *   event saw (same state, same instance). A failed read is never permission to act.
 */
import type { Config, TargetConfig } from '../config/schema.js';
import { payloadOf } from '../events/payloads.js';
import type { JobwatchEvent } from '../events/schema.js';
import type {
  ActionName,
  ActionTarget,
  CurrentState,
  Provider,
  ProviderContext,
} from '../providers/types.js';
import type { Store } from '../state/store.js';
import { cleanVendorText } from '../text/scrub.js';
import { compactDuration } from '../text/units.js';
import { type Facts, type GuardVerdict, stateGuard } from './guards.js';

const PASS: GuardVerdict = { pass: true };

/** How old a delivered event may be: the configured age, else two poll intervals of its target. */
export function maxEventAgeMs(config: Config, target: TargetConfig | undefined): number {
  const configured = config.remediation.maxEventAgeSeconds;
  if (configured !== undefined) return configured * 1000;
  const intervalSeconds = target?.pollIntervalSeconds ?? config.defaults.pollIntervalSeconds;
  return 2 * intervalSeconds * 1000;
}

/**
 * Skips an event observed more than `maxAgeMs` ago. The age is measured from `observedAtMs`, when
 * jobwatch saw the finding; an event without it (made before that field existed) has no measurable age,
 * and the resolved and current-state checks still apply to it.
 */
export function eventAgeGuard(event: JobwatchEvent, maxAgeMs: number, nowMs: number): GuardVerdict {
  const observedAtMs = event.data.observedAtMs;
  if (observedAtMs === undefined) return PASS;
  const ageMs = nowMs - observedAtMs;
  if (ageMs <= maxAgeMs) return PASS;
  return {
    pass: false,
    code: 'stale-event',
    reason: `stale event: observed ${compactDuration(ageMs)} ago (${new Date(observedAtMs).toISOString()}), older than the ${compactDuration(maxAgeMs)} allowed; a late or replayed finding is not acted on`,
  };
}

const resolvedPk = (fingerprint: string) => `remediation#resolved#${fingerprint}`;
const startKey = (startsAtMs: number) => String(startsAtMs).padStart(15, '0');
const RESOLVED_RETENTION_SEC = 30 * 24 * 3600;

/** What remediation remembers of a resolve: one item per resolved incident of a fingerprint. */
interface ResolvedMark {
  startsAtMs: number;
  endsAtMs?: number;
  /** When the resolve reached remediation. */
  seenAtMs: number;
}

/** Remembers that the incident `event` reports (fingerprint + startsAtMs) is over. Idempotent. */
export async function recordResolved(store: Store, event: JobwatchEvent, nowMs: number): Promise<void> {
  const { fingerprint, startsAtMs, endsAtMs } = event.data;
  await store.put<ResolvedMark>({
    pk: resolvedPk(fingerprint),
    sk: startKey(startsAtMs),
    data: { startsAtMs, ...(endsAtMs === undefined ? {} : { endsAtMs }), seenAtMs: nowMs },
    expiresAtSec: Math.floor(nowMs / 1000) + RESOLVED_RETENTION_SEC,
  });
}

/**
 * Skips a finding whose fingerprint has resolved at or after its incident's start: the same incident
 * resolved, or a later one started (and then resolved), so this one is over too. Keyed on the event's
 * fingerprint and startsAtMs only, so a new incident of the same condition (a later start) is acted on.
 */
export async function resolvedGuard(store: Store, event: JobwatchEvent): Promise<GuardVerdict> {
  const { fingerprint, startsAtMs } = event.data;
  const [latest] = await store.query<ResolvedMark>(resolvedPk(fingerprint), {
    descending: true,
    limit: 1,
    consistent: true,
  });
  if (!latest || latest.data.startsAtMs < startsAtMs) return PASS;
  const when =
    latest.data.endsAtMs === undefined ? '' : ` at ${new Date(latest.data.endsAtMs).toISOString()}`;
  return {
    pass: false,
    code: 'already-resolved',
    reason:
      latest.data.startsAtMs === startsAtMs
        ? `already resolved: this ${event.data.type} finding cleared${when}`
        : `already resolved: a later ${event.data.type} finding on this resource started and cleared${when}`,
  };
}

/** What the vendor says, in words for the audit: "RUNNING (job_running)". */
function described(current: CurrentState): string {
  const state = current.kind === 'job' ? current.state : current.health;
  return current.vendorState && current.vendorState !== state ? `${state} (${current.vendorState})` : state;
}

/**
 * Whether the vendor's answer still matches the event: the job is in the state the finding saw, on the same
 * instance, and not stopped by a person since; a queue or cluster is still not healthy. An answer without a
 * state is no evidence, so it is treated as a failed read.
 */
export function currentStateVerdict(input: {
  event: JobwatchEvent;
  facts: Facts;
  current: CurrentState;
  action: ActionName;
  fromStates: Parameters<typeof stateGuard>[3];
}): GuardVerdict {
  const { event, facts, current } = input;
  const type = event.data.type;
  if (current.kind !== 'job') {
    if (current.health === 'UNKNOWN')
      return {
        pass: false,
        code: 'vendor-read-failed',
        reason: `vendor-read-failed: the vendor's answer tells no health for this ${current.kind} (${current.vendorState}); not acting without evidence`,
      };
    if (current.health === 'HEALTHY')
      return {
        pass: false,
        code: 'state-changed',
        reason: `state-changed: vendor says ${described(current)} now; the ${type} finding saw it ${healthSeen(event) ?? 'unhealthy'}`,
      };
    return PASS;
  }
  if (current.state === 'UNKNOWN')
    return {
      pass: false,
      code: 'vendor-read-failed',
      reason: `vendor-read-failed: the vendor's answer tells no job state (${current.vendorState}); not acting without evidence`,
    };
  if (facts.state !== undefined && current.state !== facts.state)
    return {
      pass: false,
      code: 'state-changed',
      reason: `state-changed: vendor says ${described(current)} now; the ${type} finding saw ${facts.state}`,
    };
  const eventInstance = event.data.resource.instanceId;
  if (eventInstance !== undefined && current.instanceId !== undefined && current.instanceId !== eventInstance)
    return {
      pass: false,
      code: 'state-changed',
      reason: `state-changed: vendor says instance ${current.instanceId} is current (${described(current)}); the ${type} finding was about instance ${eventInstance}`,
    };
  // The same guard the event passed, now on what the vendor says (e.g. a person stopped the job since).
  const fresh: Facts = {
    state: current.state,
    vendorState: current.vendorState,
    ...(current.stateCause ? { stateCause: current.stateCause } : {}),
  };
  return stateGuard('job', fresh, input.action, input.fromStates);
}

/**
 * Reads the resource once and checks it still matches the event. A read that throws is a skip
 * (`vendor-read-failed`) with the scrubbed error: missing evidence is never permission to act.
 */
export async function confirmCurrentState(input: {
  provider: Provider;
  target: TargetConfig;
  resource: ActionTarget;
  event: JobwatchEvent;
  facts: Facts;
  action: ActionName;
  fromStates: Parameters<typeof stateGuard>[3];
  ctx: ProviderContext;
}): Promise<GuardVerdict> {
  let current: CurrentState;
  try {
    current = await input.provider.actions.readState(input.target, input.resource, input.ctx);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      pass: false,
      code: 'vendor-read-failed',
      reason: `vendor-read-failed: the job's current state could not be read (${cleanVendorText(message, 200) ?? 'error'}); not acting without it`,
    };
  }
  return currentStateVerdict({ ...input, current });
}

/** The health a container finding reported, from its typed payload. */
function healthSeen(event: JobwatchEvent): string | undefined {
  const payload = payloadOf(event.data);
  return payload.type === 'cluster.unhealthy' || payload.type === 'queue.unhealthy'
    ? payload.values.health
    : undefined;
}
