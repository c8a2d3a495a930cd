import type { TargetConfig } from '../config/schema.js';
import type { EventType } from '../model/catalog.js';
import { globToRegExp } from '../text/glob.js';
import type { Thresholds } from './conditions.js';
import { DEFAULT_RULES, mergeRules, type Rules, type RulesOverride } from './config.js';

/**
 * The rules for one job: DEFAULT_RULES <- config defaults <- the target's rules <- the first `jobRules`
 * entry whose glob matches the job name. Without a job name (clusters, queues, the target itself) the
 * per-job layer is skipped.
 *
 * @example resolveRules(target, config.defaults.rules, 'orders-etl').stuck.pendingMaxSeconds
 */
export function resolveRules(
  target: Pick<TargetConfig, 'rules' | 'jobRules'>,
  defaults: RulesOverride | undefined,
  jobName?: string,
): Rules {
  return createRulesResolver(target, defaults)(jobName);
}

/**
 * resolveRules for many jobs of one target: globs are compiled once and jobs matching the same `jobRules`
 * entry share one (read-only) Rules object.
 */
export function createRulesResolver(
  target: Pick<TargetConfig, 'rules' | 'jobRules'>,
  defaults: RulesOverride | undefined,
): (jobName: string | undefined) => Rules {
  const jobRules = target.jobRules ?? [];
  const globs = jobRules.map((r) => globToRegExp(r.match));
  const cache = new Map<number, Rules>();
  return (jobName) => {
    const index = jobName === undefined || globs.length === 0 ? -1 : firstMatch(globs, jobName);
    let rules = cache.get(index);
    if (!rules) {
      rules = mergeRules(DEFAULT_RULES, defaults, target.rules, jobRules[index]?.rules);
      cache.set(index, rules);
    }
    return rules;
  };
}

/** Index of the first glob that matches, or -1 (a loop: this runs for every job of every poll). */
function firstMatch(globs: readonly RegExp[], name: string): number {
  for (let i = 0; i < globs.length; i++) if ((globs[i] as RegExp).test(name)) return i;
  return -1;
}

/**
 * Fire/resolve poll counts for a condition. Metric rules use their own `forPolls` for both directions (never
 * fewer than the general hysteresis); a metric condition whose rule was removed uses the general values.
 */
export function thresholdsFor(rules: Rules, type: EventType, discriminator: string | undefined): Thresholds {
  const { firePolls, resolvePolls } = rules.hysteresis;
  // The state change itself was already confirmed over firePolls polls.
  if (type === 'job.state_changed') return { firePolls: 1, resolvePolls };
  if (type === 'metric.threshold') {
    const rule = metricRuleByDiscriminator(rules, discriminator);
    if (rule)
      return {
        firePolls: Math.max(firePolls, rule.forPolls),
        resolvePolls: Math.max(resolvePolls, rule.forPolls),
      };
  }
  return { firePolls, resolvePolls };
}

/** `thresholdsFor` bound to one (shared, read-only) Rules object, made once per Rules rather than per resource. */
export function thresholdsOf(
  rules: Rules,
): (type: EventType, discriminator: string | undefined) => Thresholds {
  // The jobs of a target mostly share one Rules object: the last one answers without a WeakMap lookup.
  if (rules === lastRules && lastBound !== undefined) return lastBound;
  let bound = boundThresholds.get(rules);
  if (!bound) {
    // The answers depend on the Rules alone: each (type, discriminator) is worked out once.
    const known = new Map<string, Thresholds>();
    bound = (type, discriminator) => {
      const key = discriminator === undefined ? type : `${type}|${discriminator}`;
      let thresholds = known.get(key);
      if (!thresholds) {
        thresholds = Object.freeze(thresholdsFor(rules, type, discriminator));
        if (known.size < 1000) known.set(key, thresholds);
      }
      return thresholds;
    };
    boundThresholds.set(rules, bound);
  }
  lastRules = rules;
  lastBound = bound;
  return bound;
}

let lastRules: Rules | undefined;
let lastBound: ((type: EventType, discriminator: string | undefined) => Thresholds) | undefined;

const boundThresholds = new WeakMap<
  Rules,
  (type: EventType, discriminator: string | undefined) => Thresholds
>();

/** Metric conditions are discriminated by metric name; a second rule on the same metric gets `name#index`. */
export function metricDiscriminators(rules: Rules): string[] {
  // Rules objects are shared read-only by every job they apply to: work the names out once per metrics list.
  const known = discriminatorsByMetrics.get(rules.metrics);
  if (known) return known;
  const counts = new Map<string, number>();
  for (const rule of rules.metrics) counts.set(rule.name, (counts.get(rule.name) ?? 0) + 1);
  const names = rules.metrics.map((rule, i) =>
    (counts.get(rule.name) ?? 0) > 1 ? `${rule.name}#${i}` : rule.name,
  );
  discriminatorsByMetrics.set(rules.metrics, names);
  return names;
}

const discriminatorsByMetrics = new WeakMap<Rules['metrics'], string[]>();

function metricRuleByDiscriminator(rules: Rules, discriminator: string | undefined) {
  const names = metricDiscriminators(rules);
  const index = names.indexOf(discriminator ?? '');
  return index >= 0 ? rules.metrics[index] : undefined;
}
