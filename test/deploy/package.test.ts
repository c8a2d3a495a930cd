import { rm } from 'node:fs/promises';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, EventBridgeEvent, ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OPERATOR_TOKEN, DEMO_SINK_SECRETS } from '../../lib/cli/demo-config.js';
import { buildEvent } from '../../lib/events/build.js';
import type { JobwatchEvent } from '../../lib/events/schema.js';
import { BLINK_SANDBOX_PLANTED_SECRET } from '../../lib/providers/alibaba-blink/sandbox.js';
import { FLINK_SANDBOX_PLANTED_SECRET } from '../../lib/providers/alibaba-flink/sandbox.js';
import { ALL_EMULATORS } from '../../lib/providers/emulators.js';
import { DLI_SANDBOX_PLANTED_SECRETS } from '../../lib/providers/huawei-dli/sandbox.js';
import { MRS_SANDBOX_PROPERTY_SECRET } from '../../lib/providers/huawei-mrs/sandbox.js';
import { CHAT_SINK_TOKENS } from '../../lib/sandbox/chat-sink.js';
import { SANDBOX_CREDENTIALS } from '../../lib/sandbox/types.js';
import {
  createDocumentClient,
  createDynamoStore,
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalDynamo,
  startLocalDynamo,
} from '../../lib/state/index.js';
import { recordPollHealth } from '../../lib/status/health.js';
import { invokePackagedHandler, type PackagedService, packageService, resourcesOfType } from './helpers.js';

/**
 * `serverless package --stage ci` for real (osls + serverless-esbuild, offline, no AWS credentials), then the
 * generated CloudFormation is checked. One run uses a jobwatch.yml written here (three targets, secrets in
 * SSM, Secrets Manager and, as a canary, the environment); one uses no jobwatch.yml (the example config).
 */

const CANARY = 'canary-SECRET-7f3e9c1d5b';

const CONFIG = `
version: 1
defaults:
  pollIntervalSeconds: 300
targets:
  - id: blink-a
    provider: alibaba-blink
    region: cn-hangzhou
    endpoint: http://127.0.0.1:9
    pollIntervalSeconds: 60
    credentials:
      accessKeyId: ssm:/jw/ci/blink/ak
      secretAccessKey: ssm:/jw/ci/blink/sk
    options: { projects: [rt-prod] }
  - id: dli-b
    provider: huawei-dli
    region: cn-north-4
    pollIntervalSeconds: 90
    credentials:
      accessKeyId: secretsmanager:jw/ci/huawei#ak
      secretAccessKey: secretsmanager:arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:jw/ci/huawei-sk-AbCdEf
    options: { projectId: 0123456789abcdef0123456789abcdef }
  - id: mrs-c
    provider: huawei-mrs
    region: cn-north-4
    credentials:
      accessKeyId: env:JOBWATCH_CANARY_AK
      secretAccessKey: ssm:/jw/ci/mrs/sk
    options: { projectId: 0123456789abcdef0123456789abcdef }
channels:
  - name: oncall
    type: slack
    url: ssm:/jw/ci/slack/url
route:
  receiver: oncall
remediation:
  policies:
    - name: restart-stuck-or-failed
      match: { types: [job.stuck, job.failed] }
      action: { type: restart }
    - name: stop-stalled
      match: { types: [checkpoint.stalled], providers: [huawei-dli] }
      action: { type: stop }
`;

const FUNCTIONS = ['poll', 'notify', 'remediate', 'flush', 'webhook'] as const;
const ASYNC_FUNCTIONS = ['poll', 'notify', 'remediate', 'flush'] as const;
const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
const getAtt = (resource: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [resource, attribute] });

let custom: PackagedService;
let example: PackagedService;

beforeAll(async () => {
  [custom, example] = await Promise.all([
    // The canary config keeps one env: reference on purpose; packaging refuses those unless allowed.
    packageService({
      config: CONFIG,
      env: { JOBWATCH_CANARY_AK: CANARY, JOBWATCH_ALLOW_ENV_REFERENCES: '1' },
    }),
    packageService({}),
  ]);
}, 300_000);

afterAll(async () => {
  for (const run of [custom, example]) if (run) await rm(run.dir, { recursive: true, force: true });
});

describe('functions', () => {
  it.each(FUNCTIONS)('%s: node 22 on arm64, its own role, its own handler', (fn) => {
    const lambda = custom.template.Resources[`${cap(fn)}LambdaFunction`]!;
    expect(lambda.Type).toBe('AWS::Lambda::Function');
    expect(lambda.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: `functions/${fn}.handler`,
      Role: getAtt(`${cap(fn)}ExecutionRole`),
    });
    expect(lambda.Properties.Environment.Variables).toMatchObject({
      JOBWATCH_TABLE: { Ref: 'StateTable' },
      JOBWATCH_BUS: { Ref: 'EventBus' },
      JOBWATCH_CONFIG_FILE: 'jobwatch.yml',
    });
  });

  it('flush runs one at a time; poll has the longest budget of the event-driven functions but remediate', () => {
    const props = (fn: string) => custom.template.Resources[`${cap(fn)}LambdaFunction`]!.Properties;
    expect(props('flush').ReservedConcurrentExecutions).toBe(1);
    expect(props('poll').Timeout).toBe(60);
    expect(props('remediate').Timeout).toBe(120);
    expect(props('webhook').Timeout).toBeLessThanOrEqual(29);
  });

  it('every log group keeps 30 days', () => {
    for (const fn of FUNCTIONS)
      expect(custom.template.Resources[`${cap(fn)}LogGroup`]!.Properties.RetentionInDays).toBe(30);
  });

  // Issue 20 added the status page's routes to the two the webhook had; issue 19 the action links' page and
  // the chat platforms' callbacks.
  it('webhook is on the HTTP API: /ingest/{source} (POST), /api/{proxy+}, the status page, /act and chat callbacks', () => {
    const routes = resourcesOfType(custom.template, 'AWS::ApiGatewayV2::Route').map(
      ([, r]) => r.Properties.RouteKey,
    );
    expect(routes.sort()).toEqual([
      'ANY /api/{proxy+}',
      'GET /act',
      'GET /status',
      'POST /act',
      'POST /feishu/card',
      'POST /ingest/{source}',
      'POST /slack/interactions',
      'POST /status/{action}',
    ]);
  });
});

describe('schedules', () => {
  const rulesTargeting = (run: PackagedService, fn: string) =>
    resourcesOfType(run.template, 'AWS::Events::Rule').filter(([, rule]) =>
      rule.Properties.Targets.some(
        (t: { Arn: unknown }) => JSON.stringify(t.Arn) === JSON.stringify(getAtt(`${cap(fn)}LambdaFunction`)),
      ),
    );

  it('one poll schedule per target, each passing {"targetId"}, at the target interval in whole minutes', () => {
    const schedules = Object.fromEntries(
      rulesTargeting(custom, 'poll').map(([, rule]) => [
        JSON.parse(rule.Properties.Targets[0].Input).targetId,
        rule.Properties.ScheduleExpression,
      ]),
    );
    expect(schedules).toEqual({
      'blink-a': 'rate(1 minute)',
      'dli-b': 'rate(2 minutes)', // 90 s rounded up: EventBridge schedules have minute granularity
      'mrs-c': 'rate(5 minutes)', // the default
    });
  });

  it('without jobwatch.yml the example config drives the schedules', () => {
    const targets = rulesTargeting(example, 'poll').map(
      ([, r]) => JSON.parse(r.Properties.Targets[0].Input).targetId,
    );
    expect(targets.sort()).toEqual(['blink-prod', 'dli-prod']);
    expect(
      example.template.Resources.PollLambdaFunction!.Properties.Environment.Variables.JOBWATCH_CONFIG_FILE,
    ).toBe('jobwatch.example.yml');
  });

  it('flush every minute', () => {
    const [rule] = rulesTargeting(custom, 'flush');
    expect(rule?.[1].Properties.ScheduleExpression).toBe('rate(1 minute)');
  });
});

describe('bus', () => {
  const busRule = (fn: string) => {
    const rules = resourcesOfType(custom.template, 'AWS::Events::Rule').filter(
      ([, rule]) =>
        rule.Properties.EventBusName?.Ref === 'EventBus' &&
        JSON.stringify(rule.Properties.Targets[0].Arn) === JSON.stringify(getAtt(`${cap(fn)}LambdaFunction`)),
    );
    expect(rules).toHaveLength(1);
    return rules[0]![1].Properties;
  };

  it('the custom bus exists', () => {
    expect(custom.template.Resources.EventBus).toMatchObject({
      Type: 'AWS::Events::EventBus',
      Properties: { Name: 'jobwatch-ci' },
    });
  });

  it('notify gets every jobwatch event', () => {
    expect(busRule('notify').EventPattern).toEqual({ source: ['jobwatch'] });
  });

  it('remediate gets findings (firing and resolved) of the types some policy matches, in catalog order', () => {
    const rule = busRule('remediate');
    expect(rule.State).toBe('ENABLED');
    // Resolves too (issue 14): remediation must learn that a finding is over.
    expect(rule.EventPattern).toEqual({
      source: ['jobwatch'],
      'detail-type': ['io.jobwatch.job.failed', 'io.jobwatch.job.stuck', 'io.jobwatch.checkpoint.stalled'],
    });
  });

  it.each(['notify', 'remediate'])('%s rule retries, then dead-letters to SQS', (fn) => {
    const target = busRule(fn).Targets[0];
    expect(target.DeadLetterConfig).toEqual({ Arn: getAtt('EventsDeadLetterQueue') });
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
  });

  it('only rules on our bus may write to the events DLQ', () => {
    const policy =
      custom.template.Resources.EventsDeadLetterQueuePolicy!.Properties.PolicyDocument.Statement[0];
    expect(policy.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(policy.Condition.ArnLike['aws:SourceArn']['Fn::Sub']).toMatch(/:rule\/jobwatch-ci\/\*$/);
  });
});

describe('dead letters and alarms', () => {
  it.each(ASYNC_FUNCTIONS)('%s: failed async invocations go to the failed-invocations queue', (fn) => {
    const config = custom.template.Resources[`${cap(fn)}LambdaEvConf`]!;
    expect(config.Type).toBe('AWS::Lambda::EventInvokeConfig');
    expect(config.Properties.DestinationConfig.OnFailure.Destination).toEqual(
      getAtt('FailedInvocationsQueue'),
    );
  });

  it('both queues keep messages 14 days and alarm when not empty', () => {
    const alarms = resourcesOfType(custom.template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    for (const queue of ['EventsDeadLetterQueue', 'FailedInvocationsQueue']) {
      expect(custom.template.Resources[queue]!.Properties.MessageRetentionPeriod).toBe(1_209_600);
      const alarm = alarms.find(
        (a) =>
          JSON.stringify(a.Dimensions) ===
          JSON.stringify([{ Name: 'QueueName', Value: getAtt(queue, 'QueueName') }]),
      );
      expect(alarm).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      expect(alarm?.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    }
  });

  it('each target has a PollsMissing alarm (the dead man switch) and the stack a dashboard', () => {
    const alarms = resourcesOfType(custom.template, 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter((a) => a.MetricName === 'PollsCompleted');
    expect(alarms.map((a) => a.Dimensions[1].Value).sort()).toEqual(['blink-a', 'dli-b', 'mrs-c']);
    for (const alarm of alarms)
      expect(alarm).toMatchObject({ TreatMissingData: 'breaching', AlarmActions: [{ Ref: 'AlarmTopic' }] });
    const [dashboard] = resourcesOfType(custom.template, 'AWS::CloudWatch::Dashboard').map(([, d]) => d);
    expect(JSON.parse(dashboard?.Properties.DashboardBody['Fn::Sub']).widgets).toHaveLength(8);
  });

  it('poll errors alarm: a metric filter on the poll log group feeds it', () => {
    const filter = custom.template.Resources.PollErrorsMetricFilter!.Properties;
    expect(filter.LogGroupName).toEqual({ Ref: 'PollLogGroup' });
    const [transform] = filter.MetricTransformations;
    const alarm = custom.template.Resources.PollErrorsAlarm!.Properties;
    expect([alarm.Namespace, alarm.MetricName]).toEqual([transform.MetricNamespace, transform.MetricName]);
    expect(custom.template.Resources.PollFunctionErrorsAlarm!.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'PollLambdaFunction' } }],
    });
  });
});

describe('table', () => {
  it('on demand, TTL on expiresAtSec, point-in-time recovery, (pk, sk)', () => {
    const table = custom.template.Resources.StateTable!;
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAtSec', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    expect(table.Properties.ProvisionedThroughput).toBeUndefined();
  });
});

describe('IAM', () => {
  interface Statement {
    role: string;
    Action: string[];
    Resource: unknown[];
  }
  const statementsOf = (run: PackagedService): Statement[] =>
    resourcesOfType(run.template, 'AWS::IAM::Role').flatMap(([name, role]) =>
      (role.Properties.Policies ?? []).flatMap((p: { PolicyDocument: { Statement: unknown[] } }) =>
        p.PolicyDocument.Statement.map((s) => ({
          role: name,
          ...(s as { Action: string[]; Resource: unknown[] }),
        })),
      ),
    );
  const roleStatements = (fn: string) =>
    statementsOf(custom).filter((s) => s.role === `${cap(fn)}ExecutionRole`);
  const resourcesFor = (fn: string, action: string) =>
    roleStatements(fn)
      .filter((s) => s.Action.includes(action))
      .flatMap((s) =>
        s.Resource.map((r) => (typeof r === 'string' ? r : ((r as { 'Fn::Sub'?: string })['Fn::Sub'] ?? r))),
      );

  it('one role per function and no default role', () => {
    const roles = resourcesOfType(custom.template, 'AWS::IAM::Role').map(([name]) => name);
    expect(roles.sort()).toEqual(FUNCTIONS.map((fn) => `${cap(fn)}ExecutionRole`).sort());
  });

  it('no statement grants a wildcard action or resource', () => {
    for (const run of [custom, example]) {
      const statements = statementsOf(run);
      expect(statements.length).toBeGreaterThan(20);
      for (const s of statements) {
        for (const action of s.Action) expect(action, `${s.role} ${action}`).not.toMatch(/\*/);
        for (const resource of s.Resource) expect(resource, s.role).not.toBe('*');
      }
    }
  });

  it('each function reads exactly the secrets its part of the config references', () => {
    const ssm = (path: string) =>
      `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${path}`;
    const pollSecrets = {
      ssm: [ssm('jw/ci/blink/ak'), ssm('jw/ci/blink/sk'), ssm('jw/ci/mrs/sk')],
      sm: [
        `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:jw/ci/huawei-??????`,
        'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:jw/ci/huawei-sk-AbCdEf',
      ],
    };
    for (const fn of ['poll', 'remediate']) {
      expect(resourcesFor(fn, 'ssm:GetParameter').sort()).toEqual(pollSecrets.ssm.sort());
      expect(resourcesFor(fn, 'secretsmanager:GetSecretValue').sort()).toEqual(pollSecrets.sm.sort());
    }
    for (const fn of ['notify', 'flush']) {
      expect(resourcesFor(fn, 'ssm:GetParameter')).toEqual([ssm('jw/ci/slack/url')]);
      expect(resourcesFor(fn, 'secretsmanager:GetSecretValue')).toEqual([]);
    }
    expect(resourcesFor('webhook', 'ssm:GetParameter')).toEqual([]);
    expect(resourcesFor('webhook', 'secretsmanager:GetSecretValue')).toEqual([]);
  });

  it('table, bus and queue access is named, and only where used', () => {
    const has = (fn: string, action: string, resource: unknown) =>
      roleStatements(fn).some(
        (s) =>
          s.Action.includes(action) && s.Resource.some((r) => JSON.stringify(r) === JSON.stringify(resource)),
      );
    for (const fn of FUNCTIONS) expect(has(fn, 'dynamodb:UpdateItem', getAtt('StateTable')), fn).toBe(true);
    // flush replays dead-lettered events to the bus (issue 14, defect 6).
    for (const fn of ['poll', 'remediate', 'webhook', 'flush'])
      expect(has(fn, 'events:PutEvents', getAtt('EventBus')), fn).toBe(true);
    for (const fn of ['notify'])
      expect(roleStatements(fn).some((s) => s.Action.includes('events:PutEvents'))).toBe(false);
    for (const fn of ASYNC_FUNCTIONS)
      expect(has(fn, 'sqs:SendMessage', getAtt('FailedInvocationsQueue')), fn).toBe(true);
    expect(has('webhook', 'lambda:InvokeFunction', getAtt('PollLambdaFunction'))).toBe(true);
  });
});

describe('secrets never reach the template or the packages', () => {
  it('the canary (an env: secret present while packaging) appears nowhere', () => {
    expect(custom.texts.length).toBeGreaterThan(10);
    for (const { where, text } of custom.texts) expect(text.includes(CANARY), where).toBe(false);
  });

  it('the env: reference is flagged at package time', () => {
    const output = custom.texts.find((t) => t.where === 'serverless output')!.text;
    expect(output).toMatch(/targets\[2\]\.credentials\.accessKeyId: 'env:JOBWATCH_CANARY_AK'/);
  });

  it('no Lambda environment variable carries a secret or a secret reference', () => {
    for (const [, lambda] of resourcesOfType(custom.template, 'AWS::Lambda::Function')) {
      for (const value of Object.values(lambda.Properties.Environment.Variables))
        expect(JSON.stringify(value)).not.toMatch(/ssm:|secretsmanager:|env:|canary/i);
    }
  });
});

describe('packages', () => {
  // Issue 17: source maps out of the zip (kept under .serverless/sourcemaps/), each zip at most 400 KiB.
  it.each(FUNCTIONS)(
    '%s: minified ESM bundle and the config, at most 400 KiB zipped; its source map beside the package',
    (fn) => {
      const zip = custom.zips[fn]!;
      expect(zip.bytes).toBeLessThanOrEqual(400 * 1024);
      expect(Object.keys(zip.files).sort()).toEqual([`functions/${fn}.mjs`, 'jobwatch.yml']);
      expect(zip.files['jobwatch.yml']).toBe(CONFIG);
      const bundle = zip.files[`functions/${fn}.mjs`]!;
      expect(bundle).not.toMatch(/sourceMappingURL/);
      const map = Object.entries(custom.sourceMaps).find(([name]) => name.endsWith(`${fn}.mjs.map`))?.[1];
      const sources: string[] = JSON.parse(map ?? '{}').sources ?? [];
      expect(sources.some((source) => source.endsWith(`functions/${fn}.ts`))).toBe(true);
      // @aws-sdk is left to the Lambda runtime: loaded with `require` (lib/state/sdk.ts), not bundled.
      expect(bundle).toMatch(/\("@aws-sdk\/client-dynamodb"\)/);
      expect(bundle).not.toMatch(/class DynamoDBClient extends/);
      // One copy of undici's HTTP parser (WebAssembly, base64 from its magic number), not the SIMD one too.
      expect(bundle.split('"AGFzbQ').length - 1).toBe(1);
    },
  );

  // The emulators and their demo credentials are for tests, the demo and the bench only (issue 16 §3).
  const EMULATOR_MARKERS: string[] = [
    SANDBOX_CREDENTIALS.accessKeyId,
    SANDBOX_CREDENTIALS.accessKeySecret,
    BLINK_SANDBOX_PLANTED_SECRET,
    FLINK_SANDBOX_PLANTED_SECRET,
    ...DLI_SANDBOX_PLANTED_SECRETS,
    MRS_SANDBOX_PROPERTY_SECRET,
    ...Object.values(CHAT_SINK_TOKENS),
    ...Object.values(DEMO_SINK_SECRETS),
    DEMO_OPERATOR_TOKEN,
    // Emulator code: the Blink emulator's host id, and emulator modules named in the source maps.
    'foas.sandbox.local',
    'ververica.sandbox.local',
    ...ALL_EMULATORS.map((e) => `lib/providers/${e.provider}/sandbox.ts`),
    'lib/providers/emulators.ts',
    'lib/sandbox/server.ts',
    'lib/sandbox/chat-sink.ts',
    'lib/cli/demo',
  ];

  it.each(FUNCTIONS)('%s: no emulator code and no demo credentials in the package', (fn) => {
    for (const run of [custom, example]) {
      const files = Object.entries(run.zips[fn]!.files);
      expect(files.length).toBeGreaterThan(1);
      const map = Object.entries(run.sourceMaps).filter(([name]) => name.endsWith(`${fn}.mjs.map`));
      expect(map).toHaveLength(1);
      for (const [name, text] of [...files, ...map])
        for (const marker of EMULATOR_MARKERS)
          expect(text.includes(marker), `${name}: ${marker}`).toBe(false);
    }
  });
});

describe('the packaged bundles run as Lambda runs them', () => {
  let dynamo: LocalDynamo;
  let lambdaEnv: Record<string, string>;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    await withTable((client) => ensureTable(client, 'jobwatch-ci'));
    lambdaEnv = {
      JOBWATCH_TABLE: 'jobwatch-ci',
      JOBWATCH_BUS: 'jobwatch-ci',
      JOBWATCH_CONFIG_FILE: 'jobwatch.yml',
      JOBWATCH_POLL_FUNCTION: 'jobwatch-ci-poll',
      POWERTOOLS_SERVICE_NAME: 'jobwatch',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      // Nothing else may leave the machine: the other AWS services point at a closed port.
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    };
  });
  afterAll(async () => {
    await dynamo?.stop();
  });

  /** Runs `use` with a document client on the local DynamoDB, destroyed after. */
  async function withTable<T>(
    use: (client: ReturnType<typeof createDocumentClient>) => Promise<T>,
  ): Promise<T> {
    const client = createDocumentClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      return await use(client);
    } finally {
      client.destroy();
    }
  }
  /** Every item in the table, as a scan returns them. */
  const tableItems = () =>
    withTable(
      async (client) => (await client.send(new ScanCommand({ TableName: 'jobwatch-ci' }))).Items ?? [],
    );

  it('flush, on a real ScheduledEvent, loads the bundled config and reads the table', async () => {
    const event: ScheduledEvent = {
      version: '0',
      id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: '2026-01-01T00:00:00Z',
      region: 'ap-southeast-1',
      resources: ['arn:aws:events:ap-southeast-1:123456789012:rule/jobwatch-ci-flush'],
      detail: {},
    };
    const result = await invokePackagedHandler({
      files: custom.zips.flush!.files,
      fn: 'flush',
      event,
      env: lambdaEnv,
    });
    expect(result).toMatchObject({ sent: 0, failed: 0 });
  });

  it("flush is the dead man's switch: a target's stopped polls fire monitor.stale once, resumed polls resolve it", async () => {
    const store = createDynamoStore({
      tableName: 'jobwatch-ci',
      endpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      now: Date.now,
    });
    const heartbeat = (atMs: number) =>
      recordPollHealth(store, {
        targetId: 'blink-a',
        provider: 'alibaba-blink',
        atMs,
        durationMs: 100,
        calls: 1,
        errors: 0,
        problems: [],
        configOnly: false,
        complete: true,
        jobs: 0,
        containers: 0,
        jobStates: {},
        worstJobs: [],
        intervalMs: 60_000,
      });
    const flush = () =>
      invokePackagedHandler({
        files: custom.zips.flush!.files,
        fn: 'flush',
        event: { version: '0', 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
        env: lambdaEnv,
      });
    try {
      // blink-a polls every minute; its last poll was 10 minutes ago.
      await heartbeat(Date.now() - 10 * 60_000);
      expect(await flush()).toMatchObject({ staleFired: 1, staleResolved: 0 });
      expect(await flush()).toMatchObject({ staleFired: 0, staleResolved: 0 });
      await heartbeat(Date.now());
      expect(await flush()).toMatchObject({ staleFired: 0, staleResolved: 1 });
      // EventBridge is unreachable here, so both events were parked for replay, never dropped.
      const parked = (await store.query<{ event: JobwatchEvent }>('deadletter#poll'))
        .map((item) => item.data.event.data)
        .filter((data) => data.type === 'monitor.stale');
      expect(parked.map((d) => `${d.status} ${d.targetId}`).sort()).toEqual([
        'firing blink-a',
        'resolved blink-a',
      ]);
    } finally {
      await store.close();
    }
  });

  it('poll, with its schedule input, survives every dependency being down and dead-letters its events', async () => {
    // The vendor endpoint, SSM and EventBridge all refuse connections; only DynamoDB (dynalite) is up.
    const result = await invokePackagedHandler({
      files: custom.zips.poll!.files,
      fn: 'poll',
      event: { targetId: 'blink-a' },
      env: lambdaEnv,
    });
    expect(result).toEqual({ targetId: 'blink-a', ok: false, jobs: 0, events: 1, deadLettered: 1 });
    // The finding was not lost: it waits in the table (wherever the runtime parks refused events).
    const parked = (await tableItems()).filter(
      (item) => item.data?.event?.data?.type === 'source.unreachable',
    );
    expect(parked).toHaveLength(1);
    expect(parked[0]!.data.event.data.targetId).toBe('blink-a');
    expect(parked[0]!.data.reason).toEqual(expect.any(String));
  });

  it.each(['notify', 'remediate'])('%s, on a real EventBridge event from the bus', async (fn) => {
    const finding = buildEvent({
      type: 'job.failed',
      provider: 'huawei-dli',
      targetId: 'dli-b',
      region: 'cn-north-4',
      resource: {
        key: 'huawei-dli/dli-b/job/42',
        kind: 'job',
        name: 'etl-42',
        vendorId: '42',
        scope: { kind: 'queue', id: 'q1' },
      },
      severity: 'critical',
      status: 'firing',
      title: 'etl-42 failed',
      summary: 'FAILED',
      startsAtMs: Date.UTC(2026, 0, 1),
      atMs: Date.UTC(2026, 0, 1),
    });
    const event: EventBridgeEvent<string, JobwatchEvent> = {
      version: '0',
      id: 'a1b2c3',
      'detail-type': finding.type,
      source: 'jobwatch',
      account: '123456789012',
      time: finding.time,
      region: 'ap-southeast-1',
      resources: [],
      detail: finding,
    };
    const result = (await invokePackagedHandler({
      files: custom.zips[fn]!.files,
      fn,
      event,
      env: lambdaEnv,
    })) as Record<string, unknown>;
    if (fn === 'notify') {
      // Grouped, not yet sent (group wait): the alert now lives in the table under the alert keys.
      expect(result).toMatchObject({ sent: 0, failed: 0 });
      const alertItems = (await tableItems()).filter(
        (item) =>
          String(item.pk).startsWith('alert#') &&
          JSON.stringify(item.data).includes(finding.data.fingerprint),
      );
      expect(alertItems.length).toBeGreaterThan(0);
    } else {
      // The policy matched; dry-run is the default, so nothing acted, and the decision is reported.
      expect(result.received).toBe(1);
      expect(result.decisions).toEqual([
        expect.objectContaining({
          policy: 'restart-stuck-or-failed',
          mode: 'dry-run',
          fingerprint: finding.data.fingerprint,
        }),
      ]);
    }
  });

  it('webhook, on a real API Gateway v2 event, answers without a 5xx', async () => {
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: 'POST /ingest/{source}',
      rawPath: '/ingest/nowhere',
      rawQueryString: '',
      headers: { 'content-type': 'application/json', host: 'abc.execute-api.local' },
      requestContext: {
        accountId: '123456789012',
        apiId: 'abc',
        domainName: 'abc.execute-api.local',
        domainPrefix: 'abc',
        http: {
          method: 'POST',
          path: '/ingest/nowhere',
          protocol: 'HTTP/1.1',
          sourceIp: '192.0.2.1',
          userAgent: 'test',
        },
        requestId: 'r1',
        routeKey: 'POST /ingest/{source}',
        stage: '$default',
        time: '01/Jan/2026:00:00:00 +0000',
        timeEpoch: Date.UTC(2026, 0, 1),
      },
      body: '{}',
      isBase64Encoded: false,
    };
    const result = (await invokePackagedHandler({
      files: custom.zips.webhook!.files,
      fn: 'webhook',
      event,
      env: lambdaEnv,
    })) as { statusCode: number; body: string };
    expect(result.statusCode).toBeGreaterThanOrEqual(400);
    expect(result.statusCode).toBeLessThan(500);
    expect(() => JSON.parse(result.body)).not.toThrow();
  });
});
