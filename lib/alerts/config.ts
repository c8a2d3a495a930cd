import { z } from 'zod';
import { refineUnique } from '../config/unique.js';
import { SEVERITIES, type Severity } from '../events/types.js';
import { type ProviderId, providerIdSchema } from '../model/snapshot.js';
import { channelConfigSchema } from './channels/registry.js';
import { matcherSchema } from './matchers.js';
import { configSilenceSchema } from './silences.js';

/**
 * Alerting configuration: channels (receivers), the routing tree, silences, inhibition and maintenance
 * windows. Durations carry their unit in the name, as everywhere in jobwatch.yml.
 */

/** Route options every route inherits from its parent unless it sets them (AM `DefaultRouteOpts`). */
export const DEFAULT_ROUTE_OPTIONS = {
  groupBy: ['alertname', 'target'],
  groupWaitSeconds: 30,
  groupIntervalSeconds: 300,
  repeatIntervalSeconds: 4 * 3600,
  /** Messages a route may send to one receiver per flush; the rest fold into one digest message. */
  stormCap: 10,
} as const;

const routeFields = {
  receiver: z.string().min(1).optional(),
  /** Label names to group by; `['...']` groups by every label (one alert per group). */
  groupBy: z.array(z.string().min(1)).optional(),
  groupWaitSeconds: z.number().min(0).max(3600).optional(),
  groupIntervalSeconds: z.number().min(1).max(86_400).optional(),
  repeatIntervalSeconds: z
    .number()
    .min(60)
    .max(30 * 86_400)
    .optional(),
  stormCap: z.number().int().min(1).max(1000).optional(),
  /**
   * Escalation: a critical alert on this route still firing and not acknowledged `afterMinutes` after it
   * started is also sent to `receiver`; steps go in order (e.g. on-call after 15, the manager after 45).
   * State is in the store, so it survives restarts; it stops when the alert is acknowledged or resolves.
   */
  escalate: z
    .array(
      z
        .object({
          afterMinutes: z
            .number()
            .int()
            .min(1)
            .max(7 * 24 * 60),
          receiver: z.string().min(1),
        })
        .strict(),
    )
    .max(5)
    .optional(),
  /** All must match: label matchers like `team="data"` or `{name, op, value}`. */
  matchers: z.array(matcherSchema).default([]),
  /** Shorthands for the common matchers; each is "any of". Provider ids are checked against the registry at load. */
  providers: z.array(providerIdSchema).optional(),
  types: z.array(z.string().min(1)).optional(),
  severities: z.array(z.enum(SEVERITIES)).optional(),
  /** Job (resource) name globs (`etl-*`). */
  jobs: z.array(z.string().min(1)).optional(),
  /** Keep matching sibling routes after this one matched. */
  continue: z.boolean().default(false),
};

export interface RouteConfig {
  receiver?: string | undefined;
  groupBy?: string[] | undefined;
  groupWaitSeconds?: number | undefined;
  groupIntervalSeconds?: number | undefined;
  repeatIntervalSeconds?: number | undefined;
  stormCap?: number | undefined;
  escalate?: { afterMinutes: number; receiver: string }[] | undefined;
  matchers: z.output<typeof matcherSchema>[];
  providers?: ProviderId[] | undefined;
  types?: string[] | undefined;
  severities?: Severity[] | undefined;
  jobs?: string[] | undefined;
  continue: boolean;
  routes: RouteConfig[];
}

export const routeSchema: z.ZodType<RouteConfig, unknown> = z.lazy(() =>
  z.object({ ...routeFields, routes: z.array(routeSchema).default([]) }).strict(),
) as unknown as z.ZodType<RouteConfig, unknown>;

export const inhibitRuleSchema = z
  .object({
    /** Alerts that mute (e.g. an unhealthy cluster)… */
    sourceMatchers: z.array(matcherSchema).min(1),
    /** …mute these alerts (e.g. its jobs)… */
    targetMatchers: z.array(matcherSchema).min(1),
    /** …when these labels are equal on both. */
    equal: z.array(z.string().min(1)).default([]),
  })
  .strict();
export type InhibitRule = z.infer<typeof inhibitRuleSchema>;

/**
 * The default inhibit rule: a firing `cluster.unhealthy` or `queue.unhealthy` mutes the alerts of the
 * jobs that run on it. Detection labels a job event with `container: <cluster or queue name>` when that
 * container is unhealthy, and a container's own events read `container` as their name, so
 * "equal: [target, container]" pairs them within one target.
 */
export const DEFAULT_INHIBIT_RULES: InhibitRule[] = [
  {
    sourceMatchers: [{ name: 'alertname', op: '=~', value: 'cluster\\.unhealthy|queue\\.unhealthy' }],
    targetMatchers: [{ name: 'kind', op: '=', value: 'job' }],
    equal: ['target', 'container'],
  },
];

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (24h)');

export const maintenanceWindowSchema = z
  .object({
    name: z.string().min(1),
    /** IANA time zone the times are in, e.g. Asia/Shanghai. */
    timeZone: z.string().refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'unknown IANA time zone'),
    /** Days the window starts on; every day when omitted. */
    weekdays: z.array(z.enum(DAY_NAMES)).default([...DAY_NAMES]),
    /** Local start and end; an end at or before the start runs past midnight. */
    start: clock,
    end: clock,
    /** Alerts muted during the window; all alerts when empty. */
    matchers: z.array(matcherSchema).default([]),
  })
  .strict();
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;

export const alertingSchema = z.object({
  channels: z
    .array(channelConfigSchema)
    .default([])
    .superRefine((channels, ctx) => refineUnique(ctx, channels, 'name', 'channel name')),
  route: routeSchema.optional(),
  silences: z.array(configSilenceSchema).default([]),
  inhibitRules: z.array(inhibitRuleSchema).default(DEFAULT_INHIBIT_RULES),
  maintenanceWindows: z.array(maintenanceWindowSchema).default([]),
});

export type AlertingConfig = z.infer<typeof alertingSchema>;

/** A problem a schema cannot see alone, with the path of the field it is about. */
export interface AlertingProblem {
  path: (string | number)[];
  message: string;
}

/** Problems a schema cannot see alone: receivers that no channel defines. One sentence each. */
export function alertingIssues(config: AlertingConfig): AlertingProblem[] {
  const names = new Set(config.channels.map((c) => c.name));
  const problems: AlertingProblem[] = [];
  const walk = (route: RouteConfig, path: (string | number)[]) => {
    if (route.receiver && !names.has(route.receiver))
      problems.push({
        path: [...path, 'receiver'],
        message: `no channel named '${route.receiver}' (channels: ${[...names].join(', ') || 'none'})`,
      });
    route.escalate?.forEach((step, i) => {
      if (!names.has(step.receiver))
        problems.push({
          path: [...path, 'escalate', i, 'receiver'],
          message: `no channel named '${step.receiver}' (channels: ${[...names].join(', ') || 'none'})`,
        });
      const before = route.escalate?.[i - 1];
      if (before && step.afterMinutes <= before.afterMinutes)
        problems.push({
          path: [...path, 'escalate', i, 'afterMinutes'],
          message: `escalation steps go in order: ${step.afterMinutes} is not after ${before.afterMinutes}`,
        });
    });
    route.routes.forEach((child, i) => {
      walk(child, [...path, 'routes', i]);
    });
  };
  if (config.route) walk(config.route, ['route']);
  return problems;
}

/** The same problems as one line each: `route.routes[0].receiver: no channel named …`. */
export function alertingProblems(config: AlertingConfig): string[] {
  return alertingIssues(config).map(
    (p) =>
      `${p.path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('')}: ${p.message}`,
  );
}
