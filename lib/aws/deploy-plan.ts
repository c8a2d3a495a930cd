import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { findSecretReferences } from '../config/refs.js';
import type { Config } from '../config/schema.js';
import { BUS_SOURCE } from '../events/envelope.js';
import { FINDING_TYPES } from '../events/payloads.js';
import { CLOUDEVENT_TYPE_PREFIX } from '../events/types.js';
import { STALE_AFTER_INTERVALS } from '../status/health.js';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from './observability.js';

/**
 * What serverless.yml cannot know by itself, computed from jobwatch.yml at package time (through
 * scripts/serverless-config.cjs): one poll schedule per target, the remediate rule's event pattern, and
 * the exact SSM parameter / Secrets Manager ARNs each function may read. Never resolves a secret: only
 * references are read, so no secret value can reach the template.
 */

export const CONFIG_FILE = 'jobwatch.yml';
export const EXAMPLE_CONFIG_FILE = 'jobwatch.example.yml';

export type FunctionName = 'poll' | 'notify' | 'remediate' | 'flush' | 'webhook';
export const FUNCTION_NAMES: FunctionName[] = ['poll', 'notify', 'remediate', 'flush', 'webhook'];

/** Which functions read the secrets found under each top-level config key (others: notify and flush). */
export const SECRET_CONSUMERS: Record<string, FunctionName[]> = {
  targets: ['poll', 'remediate'],
  webhook: ['webhook'],
  channels: ['notify', 'flush'],
};
const DEFAULT_CONSUMERS: FunctionName[] = ['notify', 'flush'];
/** Secrets of a chat receiver's callbacks: only the webhook function verifies those. */
const CALLBACK_SECRETS = /^channels\[\d+\]\.interactive\.(signingSecret|verificationToken|encryptKey)$/;

/**
 * The functions that read the secret at `path`: by its top-level block, except that the webhook function
 * verifies chat callbacks (and only it), and forwards acknowledgements to incident tools (PagerDuty,
 * Opsgenie), so it reads those receivers' keys as well.
 */
function secretConsumers(path: string, config: Config): FunctionName[] {
  if (CALLBACK_SECRETS.test(path)) return ['webhook'];
  const top = path.split(/[.[]/)[0] ?? '';
  const base = SECRET_CONSUMERS[top] ?? DEFAULT_CONSUMERS;
  const index = /^channels\[(\d+)\]/.exec(path)?.[1];
  const type = index === undefined ? undefined : config.channels[Number(index)]?.type;
  return type === 'pagerduty' || type === 'opsgenie' ? [...base, 'webhook'] : base;
}

/** Remediation never reacts to its own events (`isTrigger` in lib/model/payloads.ts). */
const TRIGGER_TYPES = FINDING_TYPES;

type CfnValue = string | { 'Fn::Sub': string } | { 'Fn::GetAtt': [string, string] };

export interface IamStatement {
  Effect: 'Allow';
  Action: string[];
  Resource: CfnValue[];
}

export { findSecretReferences, type SecretReference } from '../config/refs.js';

export interface DeployPlan {
  configFile: string;
  pollEvents: { schedule: { rate: string[]; input: { targetId: string }; description: string } }[];
  remediateEvent: {
    eventBridge: {
      eventBus: { Ref: string };
      enabled: boolean;
      pattern: Record<string, unknown>;
      retryPolicy: { maximumEventAge: number; maximumRetryAttempts: number };
      deadLetterQueueArn: { 'Fn::GetAtt': [string, string] };
    };
  };
  secretStatements: Record<FunctionName, IamStatement[]>;
  /** CloudFormation resources: one execution role per function (osls has no per-function statements). */
  roleResources: { Resources: Record<string, unknown> };
  /** CloudFormation resources: one PollsMissing alarm per target and the jobwatch dashboard. */
  monitoringResources: { Resources: Record<string, unknown> };
  /** Problems worth printing at package time that do not stop it. */
  warnings: string[];
  /**
   * `env:` references: a deployed function would find nothing behind them, so packaging stops on them
   * unless explicitly allowed (JOBWATCH_ALLOW_ENV_REFERENCES=1, for a stack that sets those variables).
   */
  envReferences: { path: string; reference: string }[];
}

/** Picks jobwatch.yml when present, else the example, so a clean clone packages offline. */
export function deployedConfigFile(serviceDir: string): string {
  return existsSync(join(serviceDir, CONFIG_FILE)) ? CONFIG_FILE : EXAMPLE_CONFIG_FILE;
}

export async function planDeploymentFromDir(serviceDir: string): Promise<DeployPlan> {
  const configFile = deployedConfigFile(serviceDir);
  return planDeployment(await loadConfig(join(serviceDir, configFile)), configFile);
}

export function planDeployment(config: Config, configFile: string): DeployPlan {
  const warnings: string[] = [];
  const envReferences: { path: string; reference: string }[] = [];
  const pollEvents = config.targets.map((target) => {
    const seconds = target.pollIntervalSeconds ?? config.defaults.pollIntervalSeconds;
    const minutes = Math.max(1, Math.ceil(seconds / 60));
    if (seconds % 60 !== 0)
      warnings.push(
        `target ${target.id}: pollIntervalSeconds ${seconds} rounded up to ${minutes} minute(s) (EventBridge schedules have minute granularity)`,
      );
    return {
      schedule: {
        rate: [minutes === 1 ? 'rate(1 minute)' : `rate(${minutes} minutes)`],
        input: { targetId: target.id },
        description: `jobwatch: poll target ${target.id}`,
      },
    };
  });

  const secretStatements = Object.fromEntries(
    FUNCTION_NAMES.map((name) => [name, [] as IamStatement[]]),
  ) as Record<FunctionName, IamStatement[]>;
  const byFunction = new Map<FunctionName, { ssm: Set<string>; secrets: Set<string> }>();
  for (const { reference, path } of findSecretReferences(config)) {
    if (reference.startsWith('env:')) {
      envReferences.push({ path, reference });
      warnings.push(
        `${path}: '${reference}' is read from the Lambda environment, which serverless.yml never fills with secrets; use ssm:/… or secretsmanager:… for deployed functions`,
      );
      continue;
    }
    for (const fn of secretConsumers(path, config)) {
      const entry = byFunction.get(fn) ?? { ssm: new Set(), secrets: new Set() };
      byFunction.set(fn, entry);
      if (reference.startsWith('ssm:')) entry.ssm.add(ssmParameterArn(reference));
      else entry.secrets.add(secretArn(reference));
    }
  }
  for (const [fn, { ssm, secrets }] of byFunction) {
    if (ssm.size > 0)
      secretStatements[fn].push({
        Effect: 'Allow',
        Action: ['ssm:GetParameter'],
        Resource: [...ssm].sort().map((arn) => ({ 'Fn::Sub': arn })),
      });
    if (secrets.size > 0)
      secretStatements[fn].push({
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: [...secrets].sort().map((arn) => ({ 'Fn::Sub': arn })),
      });
  }

  const policyTypes = remediationTriggerTypes(config);
  return {
    configFile,
    pollEvents,
    remediateEvent: {
      eventBridge: {
        eventBus: { Ref: 'EventBus' },
        // No policy, no rule traffic: the function stays deployed for when one is added.
        enabled: policyTypes.length > 0,
        pattern: remediatePattern(policyTypes.length > 0 ? policyTypes : TRIGGER_TYPES),
        retryPolicy: { maximumEventAge: 3600, maximumRetryAttempts: 10 },
        deadLetterQueueArn: { 'Fn::GetAtt': ['EventsDeadLetterQueue', 'Arn'] },
      },
    },
    secretStatements,
    roleResources: { Resources: executionRoles(secretStatements) },
    monitoringResources: { Resources: monitoringResources(config) },
    warnings,
    envReferences,
  };
}

const capitalised = (name: FunctionName) => `${name[0]!.toUpperCase()}${name.slice(1)}`;
const getAtt = (resource: string, attribute = 'Arn'): CfnValue => ({ 'Fn::GetAtt': [resource, attribute] });

/** The Store's calls (lib/state/dynamo.ts): every write is UpdateItem, batches are BatchGet/BatchWrite. */
const TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:BatchGetItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

/** What each function touches besides its own log group and secrets; each line names its reason. */
const FUNCTION_NEEDS: Record<FunctionName, IamStatement[]> = {
  poll: [
    allow(TABLE_ACTIONS, getAtt('StateTable')),
    allow(['events:PutEvents'], getAtt('EventBus')), // findings to the bus
    allow(['sqs:SendMessage'], getAtt('FailedInvocationsQueue')), // async on-failure destination
  ],
  notify: [
    allow(TABLE_ACTIONS, getAtt('StateTable')),
    allow(['sqs:SendMessage'], getAtt('FailedInvocationsQueue')),
  ],
  remediate: [
    allow(TABLE_ACTIONS, getAtt('StateTable')),
    allow(['events:PutEvents'], getAtt('EventBus')), // remediation.* outcomes back to the channels
    allow(['sqs:SendMessage'], getAtt('FailedInvocationsQueue')),
  ],
  flush: [
    allow(TABLE_ACTIONS, getAtt('StateTable')),
    allow(['events:PutEvents'], getAtt('EventBus')), // dead-lettered events replayed to the bus
    allow(['sqs:SendMessage'], getAtt('FailedInvocationsQueue')),
  ],
  webhook: [
    allow(TABLE_ACTIONS, getAtt('StateTable')),
    allow(['events:PutEvents'], getAtt('EventBus')), // pushed vendor alarms become events
    allow(['lambda:InvokeFunction'], getAtt('PollLambdaFunction')), // operator API "poll this target now"
    // Itself, asynchronously: a chat button's action runs after the 3-second answer. By name, not GetAtt
    // (the role cannot reference the function that references the role); osls names it <stack>-webhook.
    allow(['lambda:InvokeFunction'], {
      'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:\${AWS::StackName}-webhook`,
    }),
  ],
};

function allow(actions: string[], ...resources: CfnValue[]): IamStatement {
  return { Effect: 'Allow', Action: actions, Resource: resources };
}

function executionRoles(secretStatements: Record<FunctionName, IamStatement[]>): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  for (const fn of FUNCTION_NAMES) {
    const logGroup = `${capitalised(fn)}LogGroup`;
    resources[`${capitalised(fn)}ExecutionRole`] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `jobwatch ${fn}: least privilege for this function only`,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] },
          ],
        },
        Policies: [
          {
            PolicyName: `jobwatch-${fn}`,
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                // The log group osls creates for this function (its Arn already ends in `:*`).
                allow(['logs:CreateLogStream', 'logs:PutLogEvents'], getAtt(logGroup)),
                ...FUNCTION_NEEDS[fn],
                ...secretStatements[fn],
              ],
            },
          },
        ],
      },
    };
  }
  return resources;
}

/** The event types some remediation policy could match (`match.types`), in catalog order. */
export function remediationTriggerTypes(config: Config): string[] {
  const wanted = new Set<string>();
  for (const policy of config.remediation.policies as { match?: { types?: string[] } }[]) {
    // A policy without a type list (an older schema) could match any trigger.
    for (const type of policy.match?.types ?? TRIGGER_TYPES) wanted.add(type);
  }
  return TRIGGER_TYPES.filter((type) => wanted.has(type));
}

/**
 * EventBridge pattern: jobwatch events of those types, firing and resolved: a resolve is what tells the
 * remediator a finding is over, so a late or replayed firing of it is not acted on.
 */
export function remediatePattern(types: readonly string[]): Record<string, unknown> {
  return {
    source: [BUS_SOURCE],
    'detail-type': types.map((type) => `${CLOUDEVENT_TYPE_PREFIX}${type}`),
  };
}

/** Every string in the config that is a secret reference, with the path where it sits. */

/** `ssm:/jobwatch/prod/ak` -> the parameter's ARN (parameter names keep their path, minus the first slash). */
export function ssmParameterArn(reference: string): string {
  const name = reference.slice('ssm:'.length).replace(/^\//, '');
  return `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${name}`;
}

/**
 * `secretsmanager:name[#key]` -> the secret's ARN. Secrets Manager appends six random characters to a
 * secret's name in its ARN, matched by `-??????`; a full ARN is kept as it is.
 */
export function secretArn(reference: string): string {
  const id = reference.slice('secretsmanager:'.length).split('#')[0] ?? '';
  if (id.startsWith('arn:')) return id;
  return `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${id}-??????`;
}

/** `dli-prod-2` -> `DliProd2`: a CloudFormation logical id part. */
function logicalName(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => `${part[0]!.toUpperCase()}${part.slice(1)}`)
    .join('');
}

/** The logical id of each target's PollsMissing alarm; ids that collapse to one name get their index. */
export function pollsMissingAlarmIds(config: Pick<Config, 'targets'>): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const [i, target] of config.targets.entries()) {
    let id = `PollsMissing${logicalName(target.id)}Alarm`;
    if (used.has(id)) id = `PollsMissing${logicalName(target.id)}${i}Alarm`;
    used.add(id);
    ids.set(target.id, id);
  }
  return ids;
}

/** `${Name}` for Fn::Sub. */
const subRef = (name: string) => `\${${name}}`;

/** EMF metrics carry Powertools' `service` dimension besides their own. */
const dims = (extra: Record<string, string>) => [
  { Name: 'service', Value: SERVICE_NAME },
  ...Object.entries(extra).map(([Name, Value]) => ({ Name, Value })),
];

/**
 * The CloudWatch side of the dead man's switch and the dashboard. Each target's poll publishes one
 * PollsCompleted datapoint (dimension target); its alarm fires when none arrived for
 * STALE_AFTER_INTERVALS poll intervals, missing data counting as breaching: a disabled schedule or a poll
 * function dying before it reports is exactly no data. The flush function's `monitor.stale` finding says
 * the same through the alert routes; this alarm still fires when the flush itself is down.
 */
export function monitoringResources(config: Config): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  const alarmIds = pollsMissingAlarmIds(config);
  for (const target of config.targets) {
    const seconds = target.pollIntervalSeconds ?? config.defaults.pollIntervalSeconds;
    // The schedule runs in whole minutes; CloudWatch evaluates at most one day (periods x count).
    const periodSec = Math.min(Math.max(1, Math.ceil(seconds / 60)) * 60, 86_400 / STALE_AFTER_INTERVALS);
    resources[alarmIds.get(target.id) as string] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: { 'Fn::Sub': `\${AWS::StackName}-polls-missing-${target.id}` },
        AlarmDescription: `No poll of target ${target.id} finished in ${STALE_AFTER_INTERVALS} poll intervals: its schedule may be disabled or the poll function failing before it reports.`,
        Namespace: METRICS_NAMESPACE,
        MetricName: METRIC.pollsCompleted,
        Dimensions: dims({ target: target.id }),
        Statistic: 'Sum',
        Period: periodSec,
        EvaluationPeriods: STALE_AFTER_INTERVALS,
        DatapointsToAlarm: STALE_AFTER_INTERVALS,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [{ Ref: 'AlarmTopic' }],
        OKActions: [{ Ref: 'AlarmTopic' }],
      },
    };
  }
  resources.Dashboard = {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: {
      DashboardName: { 'Fn::Sub': subRef('AWS::StackName') },
      DashboardBody: { 'Fn::Sub': JSON.stringify(dashboardBody(config)) },
    },
  };
  return resources;
}

export interface DashboardWidget {
  type: 'metric';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: {
    title: string;
    region: string;
    view: 'timeSeries';
    stat: string;
    period: number;
    metrics: unknown[][];
  };
}

/** The dashboard's JSON before `Fn::Sub` fills in the region and the queue names. */
export function dashboardBody(config: Pick<Config, 'targets'>): { widgets: DashboardWidget[] } {
  const ns = METRICS_NAMESPACE;
  const perTarget = (metric: string) =>
    config.targets.map((t) => [ns, metric, 'service', SERVICE_NAME, 'target', t.id, { label: t.id }]);
  const search = (id: string, dimensions: string[], metric: string) => [
    { id, expression: `SEARCH('{${[ns, ...dimensions].join(',')}} MetricName="${metric}"', 'Sum', 300)` },
  ];
  const widgets: [string, string, unknown[][]][] = [
    ['Poll duration per target (ms)', 'Average', perTarget(METRIC.pollDuration)],
    ['Vendor API calls per target', 'Sum', perTarget(METRIC.apiCalls)],
    ['Polls completed per target (heartbeat)', 'Sum', perTarget(METRIC.pollsCompleted)],
    [
      'Vendor API errors by provider and kind',
      'Sum',
      [search('errors', ['service', 'provider', 'kind'], METRIC.apiErrors)],
    ],
    ['Events by type', 'Sum', [search('events', ['service', 'type'], METRIC.events)]],
    [
      'Notifications: sent, failed, dead-lettered',
      'Sum',
      [
        [ns, METRIC.notificationsSent, 'service', SERVICE_NAME, { label: 'sent' }],
        [ns, METRIC.notificationsFailed, 'service', SERVICE_NAME, { label: 'failed' }],
        [ns, METRIC.eventsDeadLettered, 'service', SERVICE_NAME, { label: 'events dead-lettered' }],
      ],
    ],
    ['Remediation outcomes', 'Sum', [search('outcomes', ['service', 'outcome'], METRIC.remediations)]],
    [
      'Dead-letter queue depth',
      'Maximum',
      [
        [
          'AWS/SQS',
          'ApproximateNumberOfMessagesVisible',
          'QueueName',
          subRef('EventsDeadLetterQueue.QueueName'),
          { label: 'events DLQ' },
        ],
        [
          'AWS/SQS',
          'ApproximateNumberOfMessagesVisible',
          'QueueName',
          subRef('FailedInvocationsQueue.QueueName'),
          { label: 'failed invocations' },
        ],
      ],
    ],
  ];
  return {
    widgets: widgets.map(([title, stat, metrics], i) => ({
      type: 'metric',
      x: (i % 2) * 12,
      y: Math.floor(i / 2) * 6,
      width: 12,
      height: 6,
      properties: { title, region: subRef('AWS::Region'), view: 'timeSeries', stat, period: 300, metrics },
    })),
  };
}
