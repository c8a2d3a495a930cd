/** What every channel renders of a diagnosis: category tag, summary, hint, root cause, evidence, links. */
import { describe, expect, it } from 'vitest';
import { buildDingtalkPayload, type DingtalkConfig } from '../../lib/alerts/channels/dingtalk/index.js';
import { buildFeishuCard } from '../../lib/alerts/channels/feishu/index.js';
import { type ChannelConfig, channelConfigSchema } from '../../lib/alerts/channels/registry.js';
import { buildSlackPayload, SLACK_ROOT_CAUSE_CHARS } from '../../lib/alerts/channels/slack/index.js';
import { buildWebhookBody, type WebhookChannelConfig } from '../../lib/alerts/channels/webhook/index.js';
import { buildWecomPayload, type WecomConfig } from '../../lib/alerts/channels/wecom/index.js';
import { classifyError } from '../../lib/diagnose/index.js';
import type { JobwatchEvent } from '../../lib/events/index.js';
import { CHANNEL_CONFIGS, groupMessage, jobEvent, resolvedOf, T0 } from './helpers.js';

const TRACE = `org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=3, backoffTimeMS=10000)
Caused by: java.net.ConnectException: Connection refused: kafka-1.internal/10.0.0.7:9092 <!channel> @all
\tat sun.nio.ch.SocketChannelImpl.checkConnect(Native Method)
\tat org.apache.kafka.common.network.Selector.finishConnect(Selector.java:732)
\tat org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:561)`;

function diagnosedEvent(rootCause = TRACE): JobwatchEvent {
  const verdict = classifyError(rootCause);
  return jobEvent({
    name: 'payments_agg',
    values: { state: 'FAILED', lastError: 'org.apache.flink.runtime.JobException: Recovery is suppressed' },
    links: [
      { title: 'console', url: 'https://realtime-compute.console.aliyun.com/job/1' },
      { title: 'runbook', url: 'https://wiki.example.com/runbooks/network' },
    ],
    diagnosis: {
      category: verdict.category,
      summary: verdict.summary,
      hint: verdict.hint,
      ...(verdict.rootCause ? { rootCause: verdict.rootCause } : {}),
      evidence: [
        { label: 'state', value: 'FAILED for 4 min', atMs: T0 },
        { label: 'transition', value: 'RUNNING → FAILED at 2026-11-23T10:00:00.000Z', atMs: T0 },
        { label: 'instance', value: '412532' },
        { label: 'failovers', value: '3 in the last 10 min' },
        { label: 'last good checkpoint', value: '#41 at 2026-11-23T09:58:00.000Z (6 min ago)' },
      ],
    },
  });
}

const message = (events: JobwatchEvent[]) =>
  groupMessage(events, { receiver: 'oncall', nowMs: T0 + 4 * 60_000 });

const config = <T>(type: keyof typeof CHANNEL_CONFIGS) =>
  channelConfigSchema.parse(CHANNEL_CONFIGS[type]) as ChannelConfig as T;

/** The diagnosed alert as the markdown channels (DingTalk, Feishu, WeCom) write it, one line an entry. */
const MARKDOWN_ALERT = [
  '🔴 **CRITICAL** Job payments\\_agg failed',
  'job **payments\\_agg** · prod-blink (alibaba-blink, cn-hangzhou)',
  'state FAILED since 2026-11-23 10:00 UTC (4m ago)',
  'Job payments\\_agg reached FAILED',
  '**\\[network\\]** Network failure: java.net.ConnectException: Connection refused: kafka-1.internal/10.0.0.7:9092 &lt;!channel&gt; @​all',
  '**Try:** Check that the endpoint is up and reachable from the job network (VPC, security group, whitelist, DNS), then its load.',
  'root cause:',
];
/** The root cause, one code span a line. */
const ROOT_CAUSE_LINES = [
  '`java.net.ConnectException: Connection refused: kafka-1.internal/10.0.0.7:9092 ‹!channel› @​all`',
  '`at sun.nio.ch.SocketChannelImpl.checkConnect(Native Method)`',
  '`at org.apache.kafka.common.network.Selector.finishConnect(Selector.java:732)`',
  '`at org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:561)`',
];
const EVIDENCE =
  'transition: RUNNING → FAILED at 2026-11-23T10:00:00.000Z · instance: 412532 · failovers: 3 in the last 10 min';
const LINKS =
  '[console](https://realtime-compute.console.aliyun.com/job/1) · [runbook](https://wiki.example.com/runbooks/network)';
const FIRING_HEADER = '\\[FIRING:1\\] job.failed · target=prod-blink';

describe('diagnosis in messages', () => {
  it('Slack: tag, summary, hint, root cause in a code block, evidence, links', () => {
    const payload = buildSlackPayload(message([diagnosedEvent()]));
    const alert = (payload.blocks[2] as { text: { text: string } }).text.text;
    expect(alert).toMatchInlineSnapshot(`
      "🔴 *CRITICAL* Job payments_agg failed
      job *payments_agg* · prod-blink (alibaba-blink, cn-hangzhou)
      state FAILED since 2026-11-23 10:00 UTC (4m ago)
      Job payments_agg reached FAILED
      *[network]* Network failure: java.net.ConnectException: Connection refused: kafka-1.internal/10.0.0.7:9092 &lt;!channel&gt; @​all
      *Try:* Check that the endpoint is up and reachable from the job network (VPC, security group, whitelist, DNS), then its load.
      root cause:
      \`\`\`java.net.ConnectException: Connection refused: kafka-1.internal/10.0.0.7:9092 &lt;!channel&gt; @​all
        at sun.nio.ch.SocketChannelImpl.checkConnect(Native Method)
        at org.apache.kafka.common.network.Selector.finishConnect(Selector.java:732)
        at org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:561)\`\`\`
      transition: RUNNING → FAILED at 2026-11-23T10:00:00.000Z · instance: 412532 · failovers: 3 in the last 10 min
      <https://realtime-compute.console.aliyun.com/job/1|console> · <https://wiki.example.com/runbooks/network|runbook>"
    `);
  });

  it.each([
    {
      name: 'DingTalk',
      text: () =>
        buildDingtalkPayload(config<DingtalkConfig>('dingtalk'), message([diagnosedEvent()])).payload.markdown
          .text,
      // A blank line between paragraphs; the root cause stays one block.
      expected: [
        `#### ${FIRING_HEADER}`,
        '**Firing (1)**',
        ...MARKDOWN_ALERT,
        ROOT_CAUSE_LINES.join('\n'),
        EVIDENCE,
        LINKS,
      ].join('\n\n'),
    },
    {
      name: 'Feishu',
      text: () => buildFeishuCard(message([diagnosedEvent()])).card.elements[0]?.text.content,
      expected: ['**Firing (1)**', '', ...MARKDOWN_ALERT, ...ROOT_CAUSE_LINES, EVIDENCE, LINKS].join('\n'),
    },
    {
      name: 'WeCom: the root cause gets a small share of the 4096-byte message',
      text: () =>
        buildWecomPayload(config<WecomConfig>('wecom'), message([diagnosedEvent()])).payload.markdown.content,
      expected: [
        `**${FIRING_HEADER}**`,
        '',
        '**Firing (1)**',
        '',
        ...MARKDOWN_ALERT,
        ...ROOT_CAUSE_LINES.slice(0, 2),
        '`at org.apache.kafka.common.network.Selector.finishConnect(Selector.java:732)…`',
        EVIDENCE,
        LINKS,
      ].join('\n'),
    },
  ])('$name', ({ text, expected }) => {
    expect(text()).toBe(expected);
  });

  it('Alertmanager webhook: diagnosis and runbook as annotations', () => {
    const body = buildWebhookBody(config<WebhookChannelConfig>('webhook'), message([diagnosedEvent()]));
    const alert = (body.body as { alerts: { annotations: Record<string, string> }[] }).alerts[0];
    expect(alert?.annotations).toMatchInlineSnapshot(`
      {
        "category": "network",
        "description": "Job payments_agg reached FAILED",
        "diagnosis": "Network failure: java.net.ConnectException: Connection refused: kafka-1.internal/10.0.0.7:9092 <!channel> @all",
        "hint": "Check that the endpoint is up and reachable from the job network (VPC, security group, whitelist, DNS), then its load.",
        "root_cause": "java.net.ConnectException: Connection refused: kafka-1.internal/10.0.0.7:9092 <!channel> @all
        at sun.nio.ch.SocketChannelImpl.checkConnect(Native Method)
        at org.apache.kafka.common.network.Selector.finishConnect(Selector.java:732)
        at org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:561)",
        "runbook_url": "https://wiki.example.com/runbooks/network",
        "summary": "Job payments_agg failed",
      }
    `);
  });

  it('trims a huge root cause to each channel limit and keeps the message valid', () => {
    const frames = Array.from({ length: 400 }, (_, i) => `\tat com.acme.Deep.f${i}(Deep.java:${i})`).join(
      '\n',
    );
    const event = diagnosedEvent();
    const data = event.data as { diagnosis: { rootCause: string } };
    data.diagnosis.rootCause = `java.lang.IllegalStateException: ${'x'.repeat(5000)}\n${frames}`;
    const slack = buildSlackPayload(message([event]));
    const text = (slack.blocks[2] as { text: { text: string } }).text.text;
    const block = text.slice(text.indexOf('```'), text.lastIndexOf('```') + 3);
    expect(block.length).toBeLessThanOrEqual(SLACK_ROOT_CAUSE_CHARS + 6);
    expect(block.endsWith('…```')).toBe(true);
    const wecom = buildWecomPayload(config<WecomConfig>('wecom'), message([event]));
    expect(Buffer.byteLength(wecom.payload.markdown.content)).toBeLessThanOrEqual(4096);
    expect(wecom.dropped).toBe(0);
  });

  it('a resolved alert carries no diagnosis', () => {
    const resolved = resolvedOf(diagnosedEvent(), T0 + 60_000);
    const payload = buildSlackPayload(message([resolved]));
    expect(JSON.stringify(payload)).not.toContain('root cause');
  });
});
