import { z } from 'zod';
import { DIAGNOSIS_CATEGORIES, type DiagnosisCategory } from '../diagnose/types.js';

const severity = z.enum(['critical', 'warning', 'info']);
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Runbook links by diagnosis category, or `default` for any category. Layers merge key by key, so a job's
 * `jobRules` entry can point its own `default` runbook while the target's category runbooks still apply.
 */
export const runbooksSchema = z
  .partialRecord(z.enum([...DIAGNOSIS_CATEGORIES, 'default']), z.url({ protocol: /^https?$/ }))
  .refine((r) => Object.keys(r).length > 0, { message: 'a runbooks block needs at least one link' });

/** Placeholders a console link template may use, each filled URL-encoded from the job. */
export const CONSOLE_URL_PLACEHOLDERS = [
  'provider',
  'targetId',
  'region',
  'scopeId',
  'scopeName',
  'name',
  'vendorId',
  'instanceId',
] as const;
export type ConsoleUrlPlaceholder = (typeof CONSOLE_URL_PLACEHOLDERS)[number];

/**
 * A console deep link template, e.g. `https://console.example.com/{region}/jobs/{vendorId}`: for consoles
 * whose URL scheme jobwatch cannot know (a private console, a changed vendor page). Unknown placeholders
 * are refused at load, so a typo is a config error rather than a broken link at 3 a.m.
 */
export const consoleUrlTemplateSchema = z
  .string()
  .regex(
    /^https?:\/\/[^\s{}]+/,
    'must be an http(s) URL template such as https://console.example.com/{vendorId}',
  )
  .superRefine((template, ctx) => {
    for (const [, name] of template.matchAll(/\{([^}]*)\}/g))
      if (!(CONSOLE_URL_PLACEHOLDERS as readonly string[]).includes(name ?? ''))
        ctx.addIssue({
          code: 'custom',
          message: `unknown placeholder {${name}}; use ${CONSOLE_URL_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
        });
  });

export const metricRuleSchema = z
  .object({
    /** Vendor metric name as the collector reports it, e.g. `delay`, `fetched_delay`, `tps`. */
    name: z.string().min(1),
    above: z.number().optional(),
    below: z.number().optional(),
    /** Consecutive polls the breach must last before firing (and the clear before resolving). */
    forPolls: z.number().int().min(1).default(3),
    severity: severity.default('warning'),
  })
  .strict()
  .refine((m) => m.above !== undefined || m.below !== undefined, {
    message: 'a metric rule needs `above` or `below`',
  });

/** A finding rule's knobs, all optional: on or off, its own settings, the severity of what it fires. */
function ruleKnobs<S extends z.ZodRawShape>(shape: S) {
  return z
    .object({ enabled: z.boolean(), ...shape, severity })
    .partial()
    .strict();
}

/** Every rule knob, all optional: used for defaults, per-target and per-job overrides alike. */
export const rulesOverrideSchema = z
  .object({
    hysteresis: z
      .object({
        /** Polls a condition must be seen before it fires. */
        firePolls: z.number().int().min(1),
        /** Polls a condition must be absent before it resolves. */
        resolvePolls: z.number().int().min(1),
      })
      .partial()
      .strict(),
    jobFailed: ruleKnobs({}),
    stateChanged: z.object({ enabled: z.boolean() }).partial().strict(),
    stuck: ruleKnobs({
      /** Longest time a job may stay PENDING (submitted, accepted, starting). */
      pendingMaxSeconds: z.number().positive(),
      /** Longest time a batch-like job may stay RUNNING; unset means no limit. */
      runningMaxSeconds: z.number().positive(),
      /** Longest time a RUNNING job's progress figure may stay unchanged; unset means not checked. */
      noProgressSeconds: z.number().positive(),
    }),
    checkpoint: ruleKnobs({
      /** New failed checkpoints (by id) in one poll that fire checkpoint.failed. */
      failuresToFire: z.number().int().min(1),
      /** Override of the stall limit; default max(interval, timeout) x (tolerated failures + 2). */
      stallAfterSeconds: z.number().positive(),
    }),
    failover: ruleKnobs({ burstCount: z.number().int().min(1), windowSeconds: z.number().positive() }),
    metrics: z.array(metricRuleSchema),
    runbooks: runbooksSchema,
    /** The job's console link, from a template instead of the provider's built-in link. */
    consoleUrlTemplate: consoleUrlTemplateSchema,
    /**
     * Labels added to the job's events, by layer (defaults, target, job glob), merged key by key: `owner`
     * (who is responsible) and `env` (prod, staging, test) are shown in messages, and routes match them.
     */
    labels: z.record(z.string().regex(LABEL_NAME, 'must be a label name'), z.string()),
    /**
     * Labels taken from the job's own vendor tags (DLI job tags, Flink deployment labels): label name ->
     * tag key. Default `{owner: owner, env: env}`; `{}` turns it off. `labels` above wins over a tag.
     */
    tagLabels: z.record(z.string().regex(LABEL_NAME, 'must be a label name'), z.string().min(1)),
    /** cluster.unhealthy / queue.unhealthy: UNHEALTHY is critical, DEGRADED a warning. */
    containerHealth: z.object({ enabled: z.boolean() }).partial().strict(),
    sourceUnreachable: z
      .object({
        enabled: z.boolean(),
        /** Consecutive failing polls after which source.unreachable escalates from warning to critical. */
        criticalAfterPolls: z.number().int().min(1),
      })
      .partial()
      .strict(),
    /**
     * Guard against a listing that drops jobs without saying so: when more than `maxVanishedShare` of the
     * known jobs vanish in one poll and no reported total confirms it, the listing counts as incomplete.
     */
    massDisappearance: z
      .object({
        enabled: z.boolean(),
        /** Share of the known jobs (0 < share <= 1) that may vanish in one poll unconfirmed. */
        maxVanishedShare: z.number().gt(0).max(1),
        /** Known jobs below which the guard stays off (a small fleet may well lose half of it). */
        minKnownJobs: z.number().int().min(1),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

export type RulesOverride = z.infer<typeof rulesOverrideSchema>;
/** A rules block as written in jobwatch.yml (before schema defaults apply). */
export type RulesOverrideInput = z.input<typeof rulesOverrideSchema>;

export interface Rules {
  hysteresis: { firePolls: number; resolvePolls: number };
  jobFailed: { enabled: boolean; severity: 'critical' | 'warning' | 'info' };
  stateChanged: { enabled: boolean };
  stuck: {
    enabled: boolean;
    pendingMaxSeconds: number;
    runningMaxSeconds?: number;
    noProgressSeconds?: number;
    severity: 'critical' | 'warning' | 'info';
  };
  checkpoint: {
    enabled: boolean;
    failuresToFire: number;
    stallAfterSeconds?: number;
    severity: 'critical' | 'warning' | 'info';
  };
  failover: {
    enabled: boolean;
    burstCount: number;
    windowSeconds: number;
    severity: 'critical' | 'warning' | 'info';
  };
  metrics: z.infer<typeof metricRuleSchema>[];
  containerHealth: { enabled: boolean };
  sourceUnreachable: { enabled: boolean; criticalAfterPolls: number };
  massDisappearance: { enabled: boolean; maxVanishedShare: number; minKnownJobs: number };
  /** Console link template (see `consoleUrlTemplateSchema`); the provider's link by default. */
  consoleUrlTemplate?: string;
  /** Runbook link per diagnosis category (or `default`); none by default. */
  runbooks?: Partial<Record<DiagnosisCategory | 'default', string>>;
  /** Labels for the job's events (owner, env, ...); none by default. */
  labels?: Record<string, string>;
  /** Label name -> vendor tag key: labels read from the job's own vendor tags. */
  tagLabels: Record<string, string>;
}

export const DEFAULT_RULES: Rules = {
  hysteresis: { firePolls: 1, resolvePolls: 2 },
  jobFailed: { enabled: true, severity: 'critical' },
  stateChanged: { enabled: false },
  stuck: { enabled: true, pendingMaxSeconds: 900, severity: 'warning' },
  checkpoint: { enabled: true, failuresToFire: 1, severity: 'warning' },
  failover: { enabled: true, burstCount: 3, windowSeconds: 600, severity: 'critical' },
  metrics: [],
  containerHealth: { enabled: true },
  sourceUnreachable: { enabled: true, criticalAfterPolls: 3 },
  massDisappearance: { enabled: true, maxVanishedShare: 0.5, minKnownJobs: 4 },
  tagLabels: { owner: 'owner', env: 'env' },
};

/** Per-job overrides inside a target: the first matching glob wins after the target's own rules. */
export const jobRulesSchema = z.array(
  z.object({ match: z.string().min(1), rules: rulesOverrideSchema }).strict(),
);

/** Maps an override replaces whole: `tagLabels: {}` turns tag labels off rather than keeping the defaults. */
const REPLACED_MAPS: ReadonlySet<string> = new Set(['tagLabels']);

/** Layers overrides onto the defaults; nested objects merge, arrays (metrics) and `tagLabels` replace. */
export function mergeRules(base: Rules, ...overrides: (RulesOverride | undefined)[]): Rules {
  const result = structuredClone(base) as unknown as Record<string, unknown>;
  for (const override of overrides) {
    if (!override) continue;
    for (const [key, value] of Object.entries(override)) {
      if (value === undefined) continue;
      const current = result[key];
      result[key] =
        Array.isArray(value) ||
        typeof value !== 'object' ||
        value === null ||
        typeof current !== 'object' ||
        REPLACED_MAPS.has(key)
          ? structuredClone(value)
          : { ...(current as object), ...(value as object) };
    }
  }
  return result as unknown as Rules;
}
