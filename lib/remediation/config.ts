import { z } from 'zod';
import { refineUnique } from '../config/unique.js';
import { FINDING_TYPES } from '../events/payloads.js';
import { SEVERITIES } from '../events/types.js';
import { JOB_KINDS, JOB_STATES, providerIdSchema } from '../model/snapshot.js';
import { ACTION_NAMES } from '../providers/types.js';

/**
 * Remediation policies (`remediation:` in jobwatch.yml). A policy matches findings and names one action;
 * every guardrail has a safe default, and nothing is enforced unless a policy (or the block) says so.
 *
 * @example
 * remediation:
 *   mode: dry-run                 # default for every policy
 *   blastRadius: { maxJobs: 5, maxTargetPercent: 25 }
 *   policies:
 *     - name: restart-failed-flink
 *       match: { types: [job.failed], providers: [huawei-dli], jobs: { include: ['etl-*'] } }
 *       action: { type: restart, params: { fromSavepoint: true } }
 *       mode: enforce
 *       guards: { budget: { max: 3, windowSeconds: 3600 }, cooldownSeconds: 300, persistPolls: 2 }
 */

export const REMEDIATION_MODES = ['dry-run', 'enforce'] as const;
export type RemediationMode = (typeof REMEDIATION_MODES)[number];

/** Remediation events are never inputs (no loops), so policies cannot match them. */
const TRIGGER_TYPES = FINDING_TYPES;

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof DAYS)[number];

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)');

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as UTC or Asia/Shanghai' },
);

/** A weekly time range; `end` before `start` wraps past midnight (22:00-06:00). */
export const timeRangeSchema = z
  .object({
    days: z
      .array(z.enum(DAYS))
      .min(1)
      .default([...DAYS]),
    start: clockTime,
    end: clockTime,
  })
  .strict()
  .refine((r) => r.start !== r.end, { message: 'start and end must differ' });

export const timeWindowsSchema = z
  .object({
    /** `inside`: act only within the ranges; `outside`: never act within them (e.g. business hours). */
    when: z.enum(['inside', 'outside']),
    timezone: timeZone.default('UTC'),
    ranges: z.array(timeRangeSchema).min(1),
  })
  .strict();

export const policyMatchSchema = z
  .object({
    types: z.array(z.enum(TRIGGER_TYPES as [string, ...string[]])).min(1),
    /** Checked against the provider registry at load, with the action's params (lib/config/schema.ts). */
    providers: z.array(providerIdSchema).min(1).optional(),
    targets: z.array(z.string().min(1)).min(1).optional(),
    severities: z.array(z.enum(SEVERITIES)).min(1).optional(),
    /** Every listed label must be present on the event; values are globs (`*`, `?`). */
    labels: z.record(z.string(), z.string()).optional(),
    /** Resource (job) name globs. */
    jobs: z
      .object({
        include: z.array(z.string()).min(1).default(['*']),
        exclude: z.array(z.string()).default([]),
      })
      .strict()
      .optional(),
    jobKinds: z.array(z.enum(JOB_KINDS)).min(1).optional(),
  })
  .strict();

/** `action: restart`, or `action: { type: restart, params: {...} }` when the action takes parameters. */
export const policyActionSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { type: value } : value),
  z
    .object({
      type: z.enum(ACTION_NAMES),
      /**
       * The action's parameters (e.g. Blink `{ triggerCheckpoint: true }`), checked at load against the schema
       * of every provider the policy can act through (lib/config/schema.ts), and again by the provider.
       */
      params: z.record(z.string(), z.unknown()).default({}),
    })
    .strict(),
);

export const policyGuardsSchema = z
  .object({
    /** At most `max` actions per job within a sliding window; every attempt counts, dry runs do not. */
    budget: z
      .object({ max: z.number().int().min(1).max(100), windowSeconds: z.number().int().min(60) })
      .strict()
      .default({ max: 3, windowSeconds: 3600 }),
    /** Least time between two actions on one job. */
    cooldownSeconds: z.number().int().min(0).default(300),
    /** Consecutive polls the condition must have been seen (detection's `pollsFiring`). */
    persistPolls: z.number().int().min(1).default(1),
    /** Skip restart-like actions when the vendor's own auto-restart is on (DLI `restart_when_exception`). */
    respectVendorAutoRestart: z.boolean().default(true),
    windows: timeWindowsSchema.optional(),
  })
  .strict();

export const policySchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes'),
    description: z.string().optional(),
    match: policyMatchSchema,
    action: policyActionSchema,
    /** Defaults to `remediation.mode`. */
    mode: z.enum(REMEDIATION_MODES).optional(),
    /**
     * Job states this policy may act from. Defaults to the action's own origin states; list a terminal state
     * (FAILED, STOPPED, SUCCEEDED) here to cover it. A job a person stopped or paused is never acted on.
     */
    fromStates: z.array(z.enum(JOB_STATES)).min(1).optional(),
    guards: policyGuardsSchema.default({
      budget: { max: 3, windowSeconds: 3600 },
      cooldownSeconds: 300,
      persistPolls: 1,
      respectVendorAutoRestart: true,
    }),
    verify: z
      .object({
        timeoutSeconds: z.number().int().min(1).max(840).default(300),
        intervalSeconds: z.number().min(0.1).default(10),
      })
      .strict()
      .default({ timeoutSeconds: 300, intervalSeconds: 10 }),
    /**
     * `required`: the remediator posts what it would do and waits; a person approves (signed link, CLI) and
     * only then does it run, through every guardrail, once. An approval older than the window is refused.
     */
    approval: z.enum(['none', 'required']).default('none'),
    approvalWindowSeconds: z.number().int().min(60).max(86_400).default(1800),
    /** Wait between a failed attempt and the next one within the same decision. */
    retryBackoffSeconds: z.number().int().min(0).default(30),
  })
  .strict();

export const blastRadiusSchema = z
  .object({
    /** Most jobs one invocation may act on; above it, none of them is acted on (a person is needed). */
    maxJobs: z.number().int().min(1).default(5),
    /** Most share of one target's jobs, in percent; one job is always allowed. */
    maxTargetPercent: z.number().min(1).max(100).default(25),
  })
  .strict();

export const remediationSchema = z
  .object({
    mode: z.enum(REMEDIATION_MODES).default('dry-run'),
    blastRadius: blastRadiusSchema.default({ maxJobs: 5, maxTargetPercent: 25 }),
    auditRetentionDays: z.number().int().min(1).max(3650).default(90),
    /**
     * A delivered finding observed longer ago than this is not acted on (a late retry, a replayed dead
     * letter). Default: two poll intervals of the finding's target.
     */
    maxEventAgeSeconds: z.number().int().min(30).max(86_400).optional(),
    policies: z.array(policySchema).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    refineUnique(ctx, config.policies, 'name', 'policy name', ['policies']);
  })
  .default({
    mode: 'dry-run',
    blastRadius: { maxJobs: 5, maxTargetPercent: 25 },
    auditRetentionDays: 90,
    policies: [],
  });

export type RemediationConfig = z.infer<typeof remediationSchema>;
export type RemediationPolicy = z.infer<typeof policySchema>;
export type PolicyGuards = z.infer<typeof policyGuardsSchema>;
export type TimeWindows = z.infer<typeof timeWindowsSchema>;
export type BlastRadius = z.infer<typeof blastRadiusSchema>;
