import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  type dashboardBody,
  findSecretReferences,
  planDeployment,
  pollsMissingAlarmIds,
  remediatePattern,
  secretArn,
  ssmParameterArn,
} from '../../lib/aws/deploy-plan.js';
import { parseConfigText } from '../../lib/config/load.js';
import type { Config } from '../../lib/config/schema.js';

/** Configs go through the production loader, validation on (C7N's `load_policy` habit). */
const config = (yaml: string) => parseConfigText(yaml, 'test.yml');

const target = (id: string, extra = '') => `
  - id: ${id}
    provider: huawei-dli
    region: cn-north-4
    credentials: { accessKeyId: ssm:/jw/${id}/ak, secretAccessKey: ssm:/jw/${id}/sk }
    options: { projectId: 0123456789abcdef0123456789abcdef }
${extra}`;

describe('planDeployment', () => {
  it.each([
    // EventBridge rates are whole minutes: anything between rounds up, never down (never polls faster).
    [60, 'rate(1 minute)', false],
    [30, 'rate(1 minute)', true],
    [90, 'rate(2 minutes)', true],
    [3600, 'rate(60 minutes)', false],
  ])('pollIntervalSeconds %i -> %s (warns: %s)', (seconds, rate, warns) => {
    const plan = planDeployment(
      config(`targets:${target('a', `    pollIntervalSeconds: ${seconds}`)}`),
      'jobwatch.yml',
    );
    expect(plan.pollEvents).toEqual([
      { schedule: { rate: [rate], input: { targetId: 'a' }, description: 'jobwatch: poll target a' } },
    ]);
    expect(plan.warnings.some((w) => w.includes('rounded up'))).toBe(warns);
  });

  it('no targets, no poll schedules; no policies, remediate rule disabled (but valid)', () => {
    const plan = planDeployment(config('{}'), 'jobwatch.example.yml');
    expect(plan.pollEvents).toEqual([]);
    expect(plan.remediateEvent.eventBridge.enabled).toBe(false);
    const types = plan.remediateEvent.eventBridge.pattern['detail-type'] as string[];
    expect(types.length).toBeGreaterThan(5);
    expect(types.some((t) => t.includes('remediation.'))).toBe(false);
  });

  it('env: references are warned about and granted nothing', () => {
    const plan = planDeployment(
      config(`targets:
  - id: a
    provider: huawei-dli
    region: cn-north-4
    credentials: { accessKeyId: env:AK, secretAccessKey: env:SK }
    options: { projectId: 0123456789abcdef0123456789abcdef }
`),
      'jobwatch.yml',
    );
    expect(plan.warnings.filter((w) => w.includes('env:'))).toHaveLength(2);
    expect(plan.secretStatements.poll).toEqual([]);
  });

  it('roles: each function gets its own statements plus only its secrets', () => {
    const plan = planDeployment(config(`targets:${target('a')}`), 'jobwatch.yml');
    const roles = plan.roleResources.Resources as Record<
      string,
      { Properties: { Policies: { PolicyDocument: { Statement: unknown[] } }[] } }
    >;
    const statements = (role: string) => roles[role]!.Properties.Policies[0]!.PolicyDocument.Statement;
    expect(JSON.stringify(statements('PollExecutionRole'))).toContain('parameter/jw/a/ak');
    expect(JSON.stringify(statements('NotifyExecutionRole'))).not.toContain('parameter/');
    expect(JSON.stringify(statements('WebhookExecutionRole'))).not.toContain('parameter/');
  });
});

describe('chat callback secrets', () => {
  it('go to the webhook function only; incident-tool keys also to webhook (it forwards acknowledgements)', () => {
    const plan = planDeployment(
      config(`channels:
  - name: oncall
    type: slack
    url: ssm:/jw/slack/url
    interactive: { signingSecret: ssm:/jw/slack/signing, allow: { ack: [U0ANA] } }
  - name: pd
    type: pagerduty
    routingKey: ssm:/jw/pd/key
`),
      'jobwatch.yml',
    );
    const granted = (fn: keyof typeof plan.secretStatements) => JSON.stringify(plan.secretStatements[fn]);
    expect(granted('webhook')).toContain('parameter/jw/slack/signing');
    expect(granted('webhook')).toContain('parameter/jw/pd/key');
    expect(granted('webhook')).not.toContain('parameter/jw/slack/url');
    expect(granted('notify')).toContain('parameter/jw/slack/url');
    expect(granted('notify')).not.toContain('parameter/jw/slack/signing');
    expect(granted('flush')).not.toContain('parameter/jw/slack/signing');
  });
});

describe('secret references', () => {
  it('are found anywhere in the config, with their path', () => {
    expect(
      findSecretReferences({
        targets: [{ credentials: { accessKeyId: 'ssm:/a', secretAccessKey: 'not a ref' } }],
        channels: [{ url: 'secretsmanager:hooks#slack' }],
        note: 'env:HOME is not a whole-string ref',
      }),
    ).toEqual([
      { reference: 'ssm:/a', path: 'targets[0].credentials.accessKeyId' },
      { reference: 'secretsmanager:hooks#slack', path: 'channels[0].url' },
    ]);
  });

  it.each([
    ['ssm:/jobwatch/prod/ak', 'parameter/jobwatch/prod/ak'],
    ['ssm:/top', 'parameter/top'],
  ])('%s -> an SSM parameter ARN ending %s', (ref, tail) => {
    expect(ssmParameterArn(ref)).toBe(
      `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:${tail}`,
    );
  });

  it.each([
    // Secrets Manager appends 6 random characters to names in ARNs; the JSON key is not part of the id.
    [
      'secretsmanager:jw/huawei#ak',
      `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:jw/huawei-??????`,
    ],
    [
      'secretsmanager:arn:aws:secretsmanager:eu-west-1:1:secret:x-AbCdEf#k',
      'arn:aws:secretsmanager:eu-west-1:1:secret:x-AbCdEf',
    ],
  ])('%s -> %s', (ref, arn) => {
    expect(secretArn(ref)).toBe(arn);
  });
});

describe('remediatePattern', () => {
  it('matches firing and resolved jobwatch events of the given CloudEvent types', () => {
    // Resolves too (issue 14): the remediator must learn that a finding is over.
    expect(remediatePattern(['job.failed'])).toEqual({
      source: ['jobwatch'],
      'detail-type': ['io.jobwatch.job.failed'],
    });
  });
});

describe('packaging with env: references', () => {
  const script = resolve('scripts/deploy-plan.ts');
  const withEnvRefs = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jobwatch-plan-'));
    await writeFile(
      join(dir, 'jobwatch.yml'),
      'targets:\n  - id: a\n    provider: huawei-dli\n    region: cn-north-4\n    credentials: { accessKeyId: env:HW_AK, secretAccessKey: ssm:/jobwatch/sk }\n    options: { projectId: 0123456789abcdef0123456789abcdef }\n',
    );
    return dir;
  };
  const plan = (dir: string, env: Record<string, string> = {}) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', script, dir], {
      env: { ...process.env, JOBWATCH_ALLOW_ENV_REFERENCES: '', ...env },
    }).then(
      (r) => ({ code: 0, stderr: r.stderr }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );

  it('stops with the list of references, unless explicitly allowed', async () => {
    const dir = await withEnvRefs();
    const refused = await plan(dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('1 env: reference(s) would be empty in the deployed functions');
    expect(refused.stderr).toContain('targets[0].credentials.accessKeyId: env:HW_AK');
    expect(refused.stderr).toContain('JOBWATCH_ALLOW_ENV_REFERENCES=1');
    expect((await plan(dir, { JOBWATCH_ALLOW_ENV_REFERENCES: '1' })).code).toBe(0);
  });
});

/** `${name}`, as Fn::Sub spells a reference. */
const sub = (name: string) => `\${${name}}`;

describe('monitoring: the dead man switch alarm and the dashboard', () => {
  const plan = planDeployment(
    config(`targets:${target('dli-a', '    pollIntervalSeconds: 300')}${target('dli-b')}`),
    'jobwatch.yml',
  );
  const resources = plan.monitoringResources.Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;

  it('one PollsMissing alarm per target: no PollsCompleted datapoint for 3 intervals, missing data breaching', () => {
    const alarms = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.map(([id]) => id).sort()).toEqual(['PollsMissingDliAAlarm', 'PollsMissingDliBAlarm']);
    expect(resources.PollsMissingDliAAlarm?.Properties).toMatchObject({
      Namespace: 'jobwatch',
      MetricName: 'PollsCompleted',
      Dimensions: [
        { Name: 'service', Value: 'jobwatch' },
        { Name: 'target', Value: 'dli-a' },
      ],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 3,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: 'AlarmTopic' }],
    });
    expect(resources.PollsMissingDliBAlarm?.Properties.Period).toBe(60);
  });

  it('target ids that collapse to one logical name still get one alarm each', () => {
    const ids = pollsMissingAlarmIds({
      targets: [{ id: 'a-b' }, { id: 'ab' }, { id: 'a--b' }] as Config['targets'],
    });
    expect(new Set(ids.values()).size).toBe(3);
  });

  it('the dashboard shows poll duration and calls per target, errors, events, notifications, remediation, DLQ', () => {
    const dashboard = resources.Dashboard as {
      Type: string;
      Properties: { DashboardBody: { 'Fn::Sub': string } };
    };
    expect(dashboard.Type).toBe('AWS::CloudWatch::Dashboard');
    const body = JSON.parse(dashboard.Properties.DashboardBody['Fn::Sub']) as ReturnType<
      typeof dashboardBody
    >;
    const titles = body.widgets.map((w) => w.properties.title);
    expect(titles).toEqual([
      'Poll duration per target (ms)',
      'Vendor API calls per target',
      'Polls completed per target (heartbeat)',
      'Vendor API errors by provider and kind',
      'Events by type',
      'Notifications: sent, failed, dead-lettered',
      'Remediation outcomes',
      'Dead-letter queue depth',
    ]);
    const metricsOf = (title: string) =>
      JSON.stringify(body.widgets.find((w) => w.properties.title === title)?.properties.metrics);
    for (const id of ['dli-a', 'dli-b']) {
      expect(metricsOf('Poll duration per target (ms)')).toContain(
        `"PollDuration","service","jobwatch","target","${id}"`,
      );
      expect(metricsOf('Vendor API calls per target')).toContain(
        `"ApiCalls","service","jobwatch","target","${id}"`,
      );
    }
    expect(metricsOf('Vendor API errors by provider and kind')).toContain(
      '{jobwatch,service,provider,kind} MetricName=\\"ApiErrors\\"',
    );
    expect(metricsOf('Events by type')).toContain('{jobwatch,service,type} MetricName=\\"Events\\"');
    expect(metricsOf('Remediation outcomes')).toContain(
      '{jobwatch,service,outcome} MetricName=\\"Remediations\\"',
    );
    expect(metricsOf('Notifications: sent, failed, dead-lettered')).toMatch(
      /NotificationsSent.*NotificationsFailed.*EventsDeadLettered/,
    );
    expect(metricsOf('Dead-letter queue depth')).toContain(sub('EventsDeadLetterQueue.QueueName'));
    // Fn::Sub fills only these: a stray ${...} would fail the stack.
    const placeholders = new Set(dashboard.Properties.DashboardBody['Fn::Sub'].match(/\$\{[^}]+\}/g));
    expect([...placeholders].sort()).toEqual(
      ['AWS::Region', 'EventsDeadLetterQueue.QueueName', 'FailedInvocationsQueue.QueueName'].map(sub),
    );
  });
});
