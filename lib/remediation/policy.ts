import type { JobwatchEvent } from '../events/schema.js';
import { createJobFilter, globToRegExp } from '../text/glob.js';
import type { RemediationConfig, RemediationMode, RemediationPolicy } from './config.js';

/** Every condition listed in `match` must hold; an omitted condition matches everything. */
export function policyMatches(policy: RemediationPolicy, event: JobwatchEvent): boolean {
  const { match } = policy;
  const data = event.data;
  if (!match.types.includes(data.type)) return false;
  if (match.providers && !match.providers.includes(data.provider)) return false;
  if (match.targets && !match.targets.includes(data.targetId)) return false;
  if (match.severities && !match.severities.includes(data.severity)) return false;
  if (match.jobKinds && (!data.resource.jobKind || !match.jobKinds.includes(data.resource.jobKind)))
    return false;
  if (match.jobs && !createJobFilter(match.jobs)(data.resource.name)) return false;
  if (match.labels) {
    for (const [name, pattern] of Object.entries(match.labels)) {
      const value = data.labels[name];
      if (value === undefined || !globToRegExp(pattern).test(value)) return false;
    }
  }
  return true;
}

/** Policies are tried in order and the first that matches decides, so one finding gets one action. */
export function findPolicy(config: RemediationConfig, event: JobwatchEvent): RemediationPolicy | undefined {
  return config.policies.find((policy) => policyMatches(policy, event));
}

export function modeOf(config: RemediationConfig, policy: RemediationPolicy): RemediationMode {
  return policy.mode ?? config.mode;
}
