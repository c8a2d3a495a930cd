/**
 * Approve / Reject from the message (issue 19 item 5) over real HTTP: the signed links of a remediation
 * waiting for approval, the confirm page (a GET never acts), a POST answers once, and the approved restart
 * reaches the DLI emulator exactly once however many links are pressed, through every guardrail. Store on
 * dynalite; vendor calls read from the sandbox's request log.
 */
import { describe, expect, it } from 'vitest';
import { approvalLinks } from '../../lib/alerts/action-links.js';
import { createSecretResolver } from '../../lib/config/secrets.js';
import type { JobwatchEvent } from '../../lib/events/index.js';
import { createWebhookHandler } from '../../lib/ingest/handler.js';
import { startWebhookServer } from '../../lib/ingest/http-server.js';
import { silentLogger } from '../../lib/observability/logger.js';
import { readApproval, remediationHistory } from '../../lib/remediation/index.js';
import { SANDBOX_ENV } from '../../lib/sandbox/index.js';
import { fixFailedPolicy, SANDBOX_PROVIDERS, useRemediationHarness } from '../remediation/sandbox-harness.js';
import { RecordingBus } from './helpers.js';

const dli = SANDBOX_PROVIDERS['huawei-dli'];
const KEY = 'approval-link-key-0123456789abcdef-0123456789';
const PUBLIC_URL = 'https://jobwatch.example.com';
const startHarness = useRemediationHarness();

async function start(mode: 'dry-run' | 'enforce' = 'enforce') {
  const { provider, plugin } = await dli.load();
  const h = await startHarness({
    plugin,
    provider,
    remediation: { mode, policies: [{ ...fixFailedPolicy(dli), approval: 'required' }] },
    config: { webhook: { publicUrl: `${PUBLIC_URL}/`, actionLinkKey: 'env:JW_ACTION_LINK_KEY' } },
    speed: 30,
  });
  const handler = createWebhookHandler({
    config: h.config,
    store: h.store,
    bus: new RecordingBus(),
    secrets: createSecretResolver({ env: { ...SANDBOX_ENV, JW_ACTION_LINK_KEY: KEY } }),
    logger: silentLogger,
    now: () => h.clock.now(),
    triggerPoll: async () => {},
    remediator: h.remediator('webhook'),
  });
  const server = await startWebhookServer({ handler });
  const failed = await h.pollUntil('job.failed', dli.failed.job);
  const mark = h.sandbox.requests.length;
  await h.remediator().handle([failed]);
  const asked = h.sink.events.find((e) => e.data.values.reasonCode === 'awaiting-approval') as JobwatchEvent;
  const id = String(asked.data.values.approvalId);
  /** A fresh Approve / Reject pair, as one more message (another receiver) would carry. */
  const links = () => {
    const [approve, reject] = approvalLinks(PUBLIC_URL, KEY, id, h.clock.now());
    return {
      approve: (approve?.url ?? '').replace(PUBLIC_URL, server.url),
      reject: (reject?.url ?? '').replace(PUBLIC_URL, server.url),
    };
  };
  const post = (link: string) =>
    fetch(`${server.url}/act`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ t: new URL(link).searchParams.get('t') ?? '' }).toString(),
    });
  const stop = async () => {
    await handler.idle();
    await server.stop();
  };
  return { h, id, links, post, mark, handler, stop };
}

describe('Approve / Reject links', () => {
  it('GET shows what would run and acts never; N presses of Approve make one vendor call', async () => {
    const { h, id, links, post, mark, handler, stop } = await start();
    try {
      const first = links();
      const shown = await fetch(first.approve);
      expect(shown.status).toBe(200);
      const page = await shown.text();
      expect(page).toContain(`restart ${dli.failed.job}`);
      expect(page).toContain('<form method="post"');
      expect((await readApproval(h.store, id))?.state).toBe('pending');
      // Five messages' Approve links pressed at once, and the first one twice.
      const pressed = [first.approve, first.approve, ...[1, 2, 3, 4].map(() => links().approve)];
      const answers = await Promise.all(pressed.map((link) => post(link)));
      await handler.idle();
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
      expect(h.calls([dli.restartOp], mark)).toHaveLength(1);
      expect(h.sink.events.map((e) => `${e.data.type} ${e.data.values.outcome}`)).toEqual([
        'remediation.skipped skipped',
        'remediation.performed verified',
      ]);
      const [performed] = await remediationHistory(h.store, { limit: 1 });
      expect(performed).toMatchObject({ decision: 'performed', approval: { id, by: 'action link' } });
      // A press after it ran says so and does nothing.
      const late = await post(links().approve);
      expect(late.status).toBe(409);
      expect(await late.text()).toContain('answered already');
      await handler.idle();
      expect(h.calls(dli.mutatingOps, mark)).toHaveLength(1);
    } finally {
      await stop();
    }
  });

  it('Reject sends nothing; an Approve after it is refused', async () => {
    const { h, links, post, mark, handler, stop } = await start();
    try {
      const rejected = await post(links().reject);
      expect(rejected.status).toBe(200);
      expect(await rejected.text()).toContain('Rejected');
      expect((await post(links().approve)).status).toBe(409);
      await handler.idle();
      expect(h.calls(dli.mutatingOps, mark)).toHaveLength(0);
      expect((await remediationHistory(h.store, { limit: 1 }))[0]).toMatchObject({ outcome: 'rejected' });
    } finally {
      await stop();
    }
  });

  it('an approval older than its window is refused with a clear message and sends nothing', async () => {
    const { h, links, post, mark, handler, stop } = await start();
    try {
      const link = links().approve;
      h.clock.advance(31 * 60_000);
      const shown = await fetch(link);
      expect(shown.status).toBe(410);
      expect(await shown.text()).toMatch(/this approval expired at \S+; nothing was done/);
      const pressed = await post(link);
      expect(pressed.status).toBe(410);
      await handler.idle();
      expect(h.calls(dli.mutatingOps, mark)).toHaveLength(0);
    } finally {
      await stop();
    }
  });

  it('dry-run: approving from the link still sends nothing to the vendor', async () => {
    const { h, links, post, mark, handler, stop } = await start('dry-run');
    try {
      expect((await post(links().approve)).status).toBe(200);
      await handler.idle();
      expect(h.calls(dli.mutatingOps, mark)).toHaveLength(0);
      expect(h.sink.events.at(-1)?.data.values.outcome).toBe('dry-run');
    } finally {
      await stop();
    }
  });
});
