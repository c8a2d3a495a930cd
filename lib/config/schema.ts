import { z } from 'zod';
import { alertingIssues, alertingSchema } from '../alerts/config.js';
import { jobRulesSchema, rulesOverrideSchema } from '../detect/config.js';
import { webhookIssues, webhookSchema } from '../ingest/config.js';
import { blinkEndpointFor, blinkOptionsSchema } from '../providers/alibaba-blink/config.js';
import { flinkEndpointFor, flinkOptionsSchema } from '../providers/alibaba-flink/config.js';
import { dliEndpointFor, dliOptionsSchema } from '../providers/huawei-dli/config.js';
import { mrsEndpointFor, mrsOptionsSchema } from '../providers/huawei-mrs/config.js';
import { remediationSchema } from '../remediation/config.js';
import { credentialsSchema } from './refs.js';

const targetBase = {
  /** Unique, stable name: it is part of every event's source and of state keys. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes'),
  region: z.string().min(1),
  /** Overrides the endpoint derived from the region (private endpoints, the sandbox). */
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  credentials: credentialsSchema,
  /** Job names to watch (globs); everything by default. */
  jobs: z
    .object({ include: z.array(z.string()).default(['*']), exclude: z.array(z.string()).default([]) })
    .strict()
    .default({ include: ['*'], exclude: [] }),
  pollIntervalSeconds: z.number().int().min(30).max(3600).optional(),
  labels: z.record(z.string(), z.string()).default({}),
  rules: rulesOverrideSchema.optional(),
  jobRules: jobRulesSchema.default([]),
};

const blinkTarget = z
  .object({ provider: z.literal('alibaba-blink'), options: blinkOptionsSchema, ...targetBase })
  .strict();
const flinkTarget = z
  .object({ provider: z.literal('alibaba-flink'), options: flinkOptionsSchema, ...targetBase })
  .strict();
const dliTarget = z
  .object({ provider: z.literal('huawei-dli'), options: dliOptionsSchema, ...targetBase })
  .strict();
const mrsTarget = z
  .object({ provider: z.literal('huawei-mrs'), options: mrsOptionsSchema, ...targetBase })
  .strict();

const ENDPOINTS = {
  'alibaba-blink': blinkEndpointFor,
  'alibaba-flink': flinkEndpointFor,
  'huawei-dli': dliEndpointFor,
  'huawei-mrs': mrsEndpointFor,
} as const;

export const targetSchema = z
  .discriminatedUnion('provider', [blinkTarget, flinkTarget, dliTarget, mrsTarget])
  .superRefine((target, ctx) => {
    if (!target.endpoint && !ENDPOINTS[target.provider](target.region)) {
      ctx.addIssue({
        code: 'custom',
        path: ['region'],
        message: `unknown ${target.provider} region '${target.region}': set \`endpoint\` explicitly`,
      });
    }
  });

export const configSchema = z
  .object({
    version: z.literal(1).default(1),
    /** DynamoDB table; locally an embedded dynalite under .jobwatch/ is used when no endpoint is given. */
    state: z
      .object({
        tableName: z.string().min(3).default('jobwatch'),
        endpoint: z.url().optional(),
        region: z.string().optional(),
      })
      .strict()
      .default({ tableName: 'jobwatch' }),
    defaults: z
      .object({
        pollIntervalSeconds: z.number().int().min(30).max(3600).default(60),
        rules: rulesOverrideSchema.optional(),
      })
      .strict()
      .default({ pollIntervalSeconds: 60 }),
    targets: z.array(targetSchema).default([]),
    remediation: remediationSchema,
    webhook: webhookSchema.optional(),
    ...alertingSchema.shape,
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.targets.forEach((target, i) => {
      if (seen.has(target.id))
        ctx.addIssue({
          code: 'custom',
          path: ['targets', i, 'id'],
          message: `duplicate target id '${target.id}'`,
        });
      seen.add(target.id);
    });
    for (const issue of [...alertingIssues(config), ...webhookIssues(config)])
      ctx.addIssue({ code: 'custom', ...issue });
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.infer<typeof configSchema>;
export type TargetConfig = Config['targets'][number];
export type TargetOf<P extends TargetConfig['provider']> = Extract<TargetConfig, { provider: P }>;
