import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore } from '../../lib/cli/store.js';
import { loadConfig } from '../../lib/config/load.js';
import { approvalId, requestApproval } from '../../lib/remediation/approval.js';
import { remediationHistory } from '../../lib/remediation/index.js';
import { type ChatSink, describeChatMessage, startChatSink } from '../../lib/sandbox/chat-sink.js';
import { jobEvent } from '../alerts/helpers.js';
import { configDir, ONE_SLACK_CHANNEL, runJobwatch } from './helpers.js';

/** `jobwatch remediation approvals | approve | reject`: the CLI twin of the Approve / Reject links. */
let dir: string;
let file: string;
let sink: ChatSink;
const waiting = jobEvent({ name: 'payments_agg', startsAtMs: Date.now() - 600_000 });
const lapsed = jobEvent({ name: 'orders_etl', startsAtMs: Date.now() - 7200_000 });
const jobwatch = (args: string[]) =>
  runJobwatch(args, { cwd: dir, env: { SLACK_URL: sink.endpoints.slack } });
/** Decisions go out at once (no group_wait), so each command's own delivery is what the sink shows. */
const POLICY = `route: { receiver: oncall, groupWaitSeconds: 0 }
remediation:
  mode: enforce
  policies:
    - name: restart-failed
      match: { types: [job.failed] }
      action: restart
      approval: required
`;

async function withStore<T>(work: (store: Awaited<ReturnType<typeof openStore>>['store']) => Promise<T>) {
  const config = await loadConfig(file);
  const opened = await openStore(config, { now: Date.now, dir: join(dir, '.jobwatch', 'dynamodb') });
  try {
    return await work(opened.store);
  } finally {
    await opened.close();
  }
}

beforeAll(async () => {
  sink = await startChatSink({});
  ({ dir, file } = await configDir('jobwatch-approval-', `${ONE_SLACK_CHANNEL}${POLICY}`));
  await withStore(async (store) => {
    for (const [event, askedAgoMs] of [
      [waiting, 60_000],
      [lapsed, 3600_000],
    ] as const) {
      const requestedAtMs = Date.now() - askedAgoMs;
      await requestApproval(store, {
        id: approvalId(event, 'restart-failed'),
        state: 'pending',
        policy: 'restart-failed',
        action: 'restart',
        jobKey: event.data.resource.key,
        jobName: event.data.resource.name,
        targetId: event.data.targetId,
        event,
        requestedAtMs,
        expiresAtMs: requestedAtMs + 1800_000,
      });
    }
  });
});

afterAll(() => sink?.stop());

/** The sink's messages as text, one string per message. */
const delivered = () => sink.messages.map((m) => describeChatMessage(m.channel, m.body).join('\n'));

it('lists approvals; reject answers once; late and unknown answers are refused with exit 2', async () => {
  const id = approvalId(waiting, 'restart-failed');
  const listed = await jobwatch(['remediation', 'approvals']);
  expect(listed.code, listed.stderr).toBe(0);
  expect(listed.stdout).toContain(`${id}  pending   restart prod-blink/payments_agg  policy restart-failed`);

  const rejected = await jobwatch(['remediation', 'reject', id, '--by', 'bob']);
  expect(rejected.stdout).toContain('Rejected: the restart of payments_agg will not run.');
  expect(rejected.code, rejected.stderr).toBe(0);
  expect(delivered()).toEqual([expect.stringContaining('rejected by bob (cli)')]);
  const again = await jobwatch(['remediation', 'approve', id, '--by', 'carol']);
  expect(again.code, again.stderr).toBe(2);
  expect(again.stderr).toContain('this approval was answered already (rejected by bob (cli)');

  const late = await jobwatch([
    'remediation',
    'approve',
    approvalId(lapsed, 'restart-failed'),
    '--by',
    'dave',
  ]);
  expect(late.code, late.stderr).toBe(2);
  expect(late.stderr).toMatch(/this approval expired at \S+ \(its window is 30m\); nothing was done/);
  // The refused answer still published its decision: the command delivers it before closing the store
  // (it used to exit first, racing the delivery against the closing store, and exited 1 when that lost).
  expect(delivered().filter((m) => m.includes('orders_etl'))).toEqual([
    expect.stringMatching(/approval \S+ expired: dave \(cli\) answered at/),
  ]);

  const unknown = await jobwatch(['remediation', 'approve', 'apr-ffffffffffffffffffff']);
  expect(unknown.code, unknown.stderr).toBe(2);
  expect(unknown.stderr).toContain('there is no approval apr-ffffffffffffffffffff');

  const history = await withStore((store) => remediationHistory(store));
  expect(history.map((r) => [r.reasonCode, r.approval?.by])).toEqual([
    ['approval-expired', 'dave (cli)'],
    ['approval-rejected', 'bob (cli)'],
  ]);
});
