import { z } from 'zod';
import { alertingIssues, alertingSchema, type RouteConfig } from '../alerts/config.js';
import { jobRulesSchema, rulesOverrideSchema } from '../detect/config.js';
import { webhookIssues, webhookSchema } from '../ingest/config.js';
import {
  type Provider,
  providerById,
  providerRegistryVersion,
  registeredProviders,
} from '../providers/registry.js';
import { remediationSchema } from '../remediation/config.js';
import { credentialsSchema } from './refs.js';
import { registryBacked } from './registry-schema.js';
import type { ProviderTarget } from './target.js';
import { refineUnique } from './unique.js';

export type { ProviderTarget, TargetBase } from './target.js';

/** The fields every target has; each provider adds `provider: <its id>` and its `options` schema. */
const targetBaseFields = {
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
const targetBaseSchema = z.object(targetBaseFields);

/** A validated target of any registered provider; its `options` are known only to its provider. */
export type TargetConfig = z.infer<typeof targetBaseSchema> & { provider: string; options: unknown };
/** Providers see targets as ProviderTarget (config/target.ts): every TargetConfig must be one. */
const fitsProviders: (target: TargetConfig) => ProviderTarget = (target) => target;
void fitsProviders;

/** One strict branch per registered provider: its id, its `options` schema and the common target fields. */
function buildTargetSchema(): z.ZodType<TargetConfig> {
  const branches = registeredProviders().map((provider) =>
    z
      .object({ provider: z.literal(provider.id), options: provider.optionsSchema, ...targetBaseFields })
      .strict(),
  );
  return z
    .discriminatedUnion('provider', branches as [(typeof branches)[number], ...(typeof branches)[number][]])
    .superRefine((target, ctx) => {
      if (!target.endpoint && !providerById(target.provider)?.endpointFor(target.region)) {
        ctx.addIssue({
          code: 'custom',
          path: ['region'],
          message: `unknown ${target.provider} region '${target.region}': set \`endpoint\` explicitly`,
        });
      }
    }) as z.ZodType<TargetConfig>;
}

/** A target of any registered provider, validated by that provider's schemas (lib/providers/registry.ts). */
export const targetSchema = registryBacked(providerRegistryVersion, buildTargetSchema);

type Path = (string | number)[];
type Problem = { path: Path; message: string } | { path: Path; values: string[]; input: string };

/** Provider names outside `targets:` (routes, policies, webhook blocks) that no registered provider has. */
function unknownProviders(config: Config): Problem[] {
  const ids = registeredProviders().map((p) => p.id);
  const problems: Problem[] = [];
  const check = (id: string, path: Path) => {
    if (!providerById(id)) problems.push({ path, values: ids, input: id });
  };
  const walk = (route: RouteConfig, path: Path) => {
    route.providers?.forEach((id, i) => {
      check(id, [...path, 'providers', i]);
    });
    route.routes.forEach((child, i) => {
      walk(child, [...path, 'routes', i]);
    });
  };
  if (config.route) walk(config.route, ['route']);
  config.remediation.policies.forEach((policy, i) => {
    policy.match.providers?.forEach((id, j) => {
      check(id, ['remediation', 'policies', i, 'match', 'providers', j]);
    });
  });
  for (const block of ['alibabaCloudMonitor', 'alibabaArms'] as const) {
    const provider = config.webhook?.[block]?.provider;
    if (provider !== undefined) check(provider, ['webhook', block, 'provider']);
  }
  return problems;
}

/**
 * Each policy's action params, checked against the schema of every provider the policy can act through
 * (Cloud Custodian validates each action's schema the same way): the providers it names, else those of
 * the targets it can match, else every registered provider. A provider that does not perform the action
 * is not asked (the executor reports it as unsupported); when none of the named providers performs it,
 * that is the problem reported.
 */
function actionParamProblems(config: Config): Problem[] {
  const problems: Problem[] = [];
  config.remediation.policies.forEach((policy, i) => {
    const path: Path = ['remediation', 'policies', i, 'action'];
    const action = policy.action.type;
    const candidates = policyProviders(config, policy.match);
    const performing = candidates.filter((p) => p.actionParams[action]);
    if (policy.match.providers && candidates.length > 0 && performing.length === 0) {
      const names = candidates.map((p) => p.id).join(', ');
      problems.push({
        path: [...path, 'type'],
        message: `no provider this policy matches (${names}) performs ${action}`,
      });
      return;
    }
    for (const provider of performing) {
      const schema = provider.actionParams[action] as z.ZodObject;
      const parsed = schema.safeParse(policy.action.params);
      if (parsed.success) continue;
      const allowed = Object.keys(schema.shape);
      const accepts = allowed.length > 0 ? `accepts ${allowed.join(', ')}` : 'takes no params';
      for (const issue of parsed.error.issues) {
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
        for (const key of keys)
          problems.push({
            path: [
              ...path,
              'params',
              ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
              ...(key ? [key] : []),
            ],
            message: `${key ? `'${key}' is not a param of` : `${issue.message} for`} ${provider.id} ${action}, which ${accepts}${performing.length > 1 && !policy.match.providers ? ' (limit the policy with match.providers)' : ''}`,
          });
      }
    }
  });
  return problems;
}

function policyProviders(
  config: Config,
  match: { providers?: string[] | undefined; targets?: string[] | undefined },
): Provider[] {
  const byId = (ids: Iterable<string>) =>
    [...new Set(ids)].map((id) => providerById(id)).filter((p): p is Provider => p !== undefined);
  if (match.providers) return byId(match.providers);
  const targets = match.targets
    ? config.targets.filter((t) => match.targets?.includes(t.id))
    : config.targets;
  return targets.length > 0 ? byId(targets.map((t) => t.provider)) : [...registeredProviders()];
}

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
    refineUnique(ctx, config.targets, 'id', 'target id', ['targets']);
    for (const issue of [...alertingIssues(config), ...webhookIssues(config)])
      ctx.addIssue({ code: 'custom', ...issue });
    for (const problem of [...unknownProviders(config), ...actionParamProblems(config)]) {
      if ('values' in problem) ctx.addIssue({ code: 'invalid_value', ...problem });
      else ctx.addIssue({ code: 'custom', ...problem });
    }
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.infer<typeof configSchema>;
