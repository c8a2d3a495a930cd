/**
 * A newcomer's first minutes, scripted: a fresh folder, `jobwatch start` (the demo) for a bounded time,
 * and while it runs `status`, `remediation history` and `events tail`, each showing what the demo did.
 * Real processes; the read commands talk to the running demo's store.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ALL_EMULATORS } from '../../lib/providers/emulators.js';
import { BIN, runJobwatch } from './helpers.js';

const jobwatch = (args: string[], cwd: string) => runJobwatch(args, { cwd });

it('status, remediation history and events tail show what the running demo did', {
  timeout: 150_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'jobwatch-newcomer-'));
  const demo = spawn(process.execPath, [BIN, 'start', '--duration', '90'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  demo.stdout.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((done) => demo.on('exit', done));
  try {
    // Messages carry signed action links to the local webhook; the demo prints one to click as soon as the
    // first message has one. A GET shows the confirm page and does nothing (link previewers follow links).
    const linkPattern = /act from the alert: (http:\/\/127\.0\.0\.1:\d+\/act\?\S+)/;
    const linkDeadline = Date.now() + 60_000;
    while (!linkPattern.test(output)) {
      if (Date.now() > linkDeadline) throw new Error(`the demo printed no action link:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const page = await fetch(linkPattern.exec(output)?.[1] as string);
    const pageText = await page.text();
    expect(page.status, `${linkPattern.exec(output)?.[1]}\n${pageText}`).toBe(200);
    expect(pageText).toMatch(/<form[^>]*method="post"/i);

    // The approval flow end to end: fraud_rules' restart waits for a person; the demo prints its Approve
    // link; the confirm page's POST approves it, and the restart runs through every guardrail once.
    const approvePattern = /approve the restart: (http:\/\/127\.0\.0\.1:\d+\/act\?\S+)/;
    while (!approvePattern.test(output)) {
      if (Date.now() > linkDeadline) throw new Error(`the demo printed no Approve link:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const approveUrl = new URL(approvePattern.exec(output)?.[1] as string);
    expect((await fetch(approveUrl)).status).toBe(200);
    const approved = await fetch(new URL('/act', approveUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ t: approveUrl.searchParams.get('t') as string }).toString(),
    });
    expect(approved.status, await approved.text()).toBe(200);

    // The demo's enforced restart of payments_agg is verified within its first half minute or so.
    const deadline = Date.now() + 75_000;
    while (!/RESOLVED\s+critical\s+job\.failed\s+alibaba-blink-sandbox payments_agg/.test(output)) {
      if (Date.now() > deadline) throw new Error(`the demo did not resolve payments_agg in time:\n${output}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }

    const status = await jobwatch(['status'], dir);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('embedded dynalite of the running jobwatch');
    expect(status.stdout).toMatch(/FIRING: [1-9]/);
    expect(status.stdout).toMatch(/alibaba-blink-sandbox\s+alibaba-blink\s+last poll [\d.]+ (ms|s) ago/);
    expect(status.stdout).toMatch(
      /performed\s+restart alibaba-blink-sandbox\/payments_agg\s+enforce\s+verified/,
    );
    const json = JSON.parse((await jobwatch(['status', '--json'], dir)).stdout) as { targets: unknown[] };
    expect(json.targets).toHaveLength(ALL_EMULATORS.length);

    let history = await jobwatch(['remediation', 'history'], dir);
    const approvedDeadline = Date.now() + 45_000;
    while (!/performed\s+enforce\s+restart\s+alibaba-flink-sandbox\/fraud_rules/.test(history.stdout)) {
      if (Date.now() > approvedDeadline)
        throw new Error(`the approved restart did not run:\n${history.stdout}`);
      await new Promise((r) => setTimeout(r, 1_000));
      history = await jobwatch(['remediation', 'history'], dir);
    }
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/performed\s+enforce\s+restart\s+alibaba-blink-sandbox\/payments_agg/);
    expect(history.stdout).toMatch(/dry-run\s+resubmit\s+huawei-mrs-sandbox\/demo-spark-etl/);

    const events = await jobwatch(['events', 'tail', '--limit', '100'], dir);
    expect(events.code).toBe(0);
    expect(events.stdout).toMatch(/FIRING\s+critical\s+job\.failed\s+alibaba-blink-sandbox payments_agg/);
    expect(events.stdout).toMatch(/remediation\.performed/);

    const second = await jobwatch(['start', '--duration', '5'], dir);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('a jobwatch demo is already running here');
  } finally {
    demo.kill('SIGINT');
    await exited;
  }
  expect(output).not.toContain('Database is closed');
});
