import { randomBytes } from 'node:crypto';
import type { ChatChannel } from '../sandbox/chat-sink.js';

/** Signing secrets the demo's chat sink checks, so the demo exercises DingTalk and Feishu signing too. */
export const DEMO_SINK_SECRETS = {
  dingtalk: 'SECdemo0123456789abcdef0123456789abcdef0123456789abcdef',
  feishu: 'demo-feishu-signing-secret',
} as const;

/** Bearer token of the demo's operator API (silences, poll now, recent events); local and fake. */
export const DEMO_OPERATOR_TOKEN = 'demo-operator-token';

/** Environment the demo config's `env:` references point at: the chat sink's webhook URLs and secrets. */
export function demoEnv(endpoints: Record<ChatChannel, string>): Record<string, string> {
  return {
    JOBWATCH_DEMO_SLACK_URL: endpoints.slack,
    JOBWATCH_DEMO_DINGTALK_URL: endpoints.dingtalk,
    JOBWATCH_DEMO_DINGTALK_SECRET: DEMO_SINK_SECRETS.dingtalk,
    JOBWATCH_DEMO_FEISHU_URL: endpoints.feishu,
    JOBWATCH_DEMO_FEISHU_SECRET: DEMO_SINK_SECRETS.feishu,
    JOBWATCH_DEMO_WECOM_URL: endpoints.wecom,
    JOBWATCH_DEMO_WEBHOOK_URL: endpoints.webhook,
    JOBWATCH_DEMO_OPERATOR_TOKEN: DEMO_OPERATOR_TOKEN,
    // Signs the status page's session cookies; new each run, so a demo's sessions end with it.
    JOBWATCH_DEMO_STATUS_SESSION_KEY: randomBytes(32).toString('base64url'),
    // Signs the action links in the demo's messages (Acknowledge, Silence); new each run.
    JOBWATCH_DEMO_ACTION_LINK_KEY: randomBytes(32).toString('base64url'),
  };
}

/**
 * The configuration `npm start` uses when there is no jobwatch.yml: the sandbox's targets, every channel
 * type pointed at the local chat sink, short group timers so a newcomer sees messages within a minute,
 * a dry-run policy for every failed job and two enforced restarts (one Blink, one DLI job).
 */
export function demoConfig(targets: Record<string, unknown>[], publicUrl?: string): Record<string, unknown> {
  return {
    targets,
    channels: [
      { name: 'demo-slack', type: 'slack', url: 'env:JOBWATCH_DEMO_SLACK_URL' },
      {
        name: 'demo-dingtalk',
        type: 'dingtalk',
        url: 'env:JOBWATCH_DEMO_DINGTALK_URL',
        secret: 'env:JOBWATCH_DEMO_DINGTALK_SECRET',
      },
      {
        name: 'demo-feishu',
        type: 'feishu',
        url: 'env:JOBWATCH_DEMO_FEISHU_URL',
        secret: 'env:JOBWATCH_DEMO_FEISHU_SECRET',
      },
      { name: 'demo-wecom', type: 'wecom', url: 'env:JOBWATCH_DEMO_WECOM_URL' },
      { name: 'demo-webhook', type: 'webhook', url: 'env:JOBWATCH_DEMO_WEBHOOK_URL' },
    ],
    route: {
      receiver: 'demo-slack',
      groupBy: ['alertname', 'target'],
      groupWaitSeconds: 5,
      groupIntervalSeconds: 15,
      repeatIntervalSeconds: 3600,
      routes: [
        {
          types: ['remediation.performed', 'remediation.skipped', 'remediation.failed'],
          receiver: 'demo-feishu',
        },
        { providers: ['huawei-dli'], severities: ['critical'], receiver: 'demo-dingtalk', continue: true },
        { providers: ['huawei-mrs'], receiver: 'demo-wecom', continue: true },
        { types: ['source.unreachable'], receiver: 'demo-webhook' },
      ],
    },
    webhook: {
      operator: { tokens: ['env:JOBWATCH_DEMO_OPERATOR_TOKEN'] },
      statusPage: { sessionKey: 'env:JOBWATCH_DEMO_STATUS_SESSION_KEY', refreshSeconds: 10 },
      // With the local webhook's address, messages carry signed action links a reader can click.
      ...(publicUrl ? { publicUrl, actionLinkKey: 'env:JOBWATCH_DEMO_ACTION_LINK_KEY' } : {}),
    },
    remediation: {
      mode: 'dry-run',
      policies: [
        enforcedRestart({
          name: 'restart-payments',
          description: 'Enforced: restart the Blink payments job when it fails.',
          provider: 'alibaba-blink',
          job: 'payments_agg',
        }),
        enforcedRestart({
          name: 'restart-clickstream',
          description: 'Enforced: restart the DLI clickstream job when it fails.',
          provider: 'huawei-dli',
          job: 'clickstream-agg',
          guards: { respectVendorAutoRestart: false },
        }),
        enforcedRestart({
          name: 'restart-fraud-rules-on-approval',
          description: 'Enforced after a person approves: restart the Flink fraud_rules job when it fails.',
          provider: 'alibaba-flink',
          job: 'fraud_rules',
          approval: 'required',
        }),
        {
          name: 'restart-failed-streams-dry-run',
          description: 'Dry run: what jobwatch would do for every other failed Flink job.',
          match: {
            types: ['job.failed'],
            jobKinds: ['flink-stream', 'flink-batch'],
            jobs: { include: ['*'], exclude: ['payments_agg', 'clickstream-agg'] },
          },
          action: 'restart',
          fromStates: ['FAILED', 'STOPPED'],
        },
        {
          name: 'resubmit-failed-mrs-dry-run',
          description: 'Dry run: what jobwatch would do for a failed MRS job execution.',
          match: { types: ['job.failed'], providers: ['huawei-mrs'] },
          action: 'resubmit',
          fromStates: ['FAILED'],
        },
      ],
    },
  };
}

/** An enforced restart of one job when it fails, with guards short enough that the demo shows it. */
function enforcedRestart(policy: {
  name: string;
  description: string;
  provider: string;
  job: string;
  approval?: 'required';
  guards?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    name: policy.name,
    description: policy.description,
    match: { types: ['job.failed'], providers: [policy.provider], jobs: { include: [policy.job] } },
    action: 'restart',
    mode: 'enforce',
    ...(policy.approval ? { approval: policy.approval } : {}),
    fromStates: ['FAILED'],
    guards: { cooldownSeconds: 30, budget: { max: 3, windowSeconds: 3600 }, ...policy.guards },
    verify: { timeoutSeconds: 60, intervalSeconds: 2 },
  };
}
