/**
 * The status page as a person sees it: Debian's headless Chromium (puppeteer-core, no bundled browser)
 * against what the local runtime made of the demo's first minute on the sandbox, served by the same webhook
 * handler the runtime serves. Once the demo has its incident and restart, the runtime's schedule stops and
 * the clock stands still: the page is checked on one fixed state, and no poll, flush or remediation competes
 * with Chromium for the CPU (on a loaded machine they made single page checks run past a minute). It signs
 * in with the operator token, finds the demo's incidents, targets and remediation rows, takes screenshots
 * (checked for not being blank), and shows that hostile job names and error texts stay inert text and do
 * not widen the page.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OPERATOR_TOKEN, DEMO_SINK_SECRETS, demoConfig, demoEnv } from '../../lib/cli/demo-config.js';
import { parseConfig } from '../../lib/config/load.js';
import { createSecretResolver } from '../../lib/config/secrets.js';
import { buildEvent } from '../../lib/events/build.js';
import { createWebhookHandler } from '../../lib/ingest/handler.js';
import { startWebhookServer, type WebhookServer } from '../../lib/ingest/http-server.js';
import { type LocalRuntime, startLocalRuntime } from '../../lib/local/runtime.js';
import { silentLogger } from '../../lib/observability/logger.js';
import { ALL_EMULATORS } from '../../lib/providers/emulators.js';
import { PROVIDERS_BY_ID } from '../../lib/providers/registry.js';
import { createLocalPipeline, type LocalPipeline } from '../../lib/runtime/services.js';
import { type ChatSink, startChatSink } from '../../lib/sandbox/chat-sink.js';
import { createSimClock } from '../../lib/sandbox/clock.js';
import { type Sandbox, startSandbox } from '../../lib/sandbox/server.js';
import { SANDBOX_ENV } from '../../lib/sandbox/types.js';
import { createLocalStore } from '../../lib/state/local.js';
import { recordPollHealth } from '../../lib/status/health.js';
import { readStatus } from '../../lib/status/status.js';

/** The page-side callbacks run in Chromium; the project has no DOM types, so their few names are here. */
interface PageElement {
  innerText: string;
  attributes: ArrayLike<{ name: string }>;
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  body: PageElement;
  documentElement: { scrollWidth: number };
};
declare const window: { innerWidth: number; __pwned?: number };
type HTMLElement = PageElement;

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = resolve('.jobwatch/test-output');
/** Written by `JOBWATCH_DOCS_SCREENSHOT=1 npx vitest run test/ingest/status-browser.test.ts`. */
const DOCS_SCREENSHOT = resolve('docs/status-page.png');

const HOSTILE = {
  script: '<script>window.__pwned=1</script>',
  img: '"><img src=x onerror="window.__pwned=2">',
  long: `job_${'x'.repeat(400)}`,
  rtl: 'وظيفة‮ المدفوعات\u202e_gnirts',
};

let sink: ChatSink;
let sandbox: Sandbox;
let local: Awaited<ReturnType<typeof createLocalStore>>;
let pipeline: LocalPipeline;
let runtime: LocalRuntime | undefined;
let server: WebhookServer;
let browser: Browser;
let userDataDir: string;
let config: ReturnType<typeof parseConfig>;
const clock = createSimClock({ speed: 10 });
/** Where the clock stands once the demo's minute is over. */
let stoppedAtMs: number | undefined;
const now = () => stoppedAtMs ?? clock.now();

beforeAll(async () => {
  sink = await startChatSink({ secrets: DEMO_SINK_SECRETS, print: () => undefined });
  const env = { ...SANDBOX_ENV, ...demoEnv(sink.endpoints) };
  sandbox = await startSandbox({ plugins: ALL_EMULATORS, scenario: 'demo', clock });
  const demo = demoConfig(sandbox.targets()) as {
    webhook: { statusPage: Record<string, unknown> } & Record<string, unknown>;
  };
  // The demo's page reloads every 10 s; a reload in the middle of a check would pull the page away.
  const webhook = { ...demo.webhook, statusPage: { ...demo.webhook.statusPage, refreshSeconds: 600 } };
  config = parseConfig({ ...demo, webhook }, 'built-in demo');
  local = await createLocalStore({ now });
  const secrets = createSecretResolver({ env });
  pipeline = createLocalPipeline({
    config,
    store: local.store,
    providers: PROVIDERS_BY_ID,
    secrets,
    logger: silentLogger,
    now,
  });
  // The demo's 5 s polls and 2 s flushes, at ten times the speed.
  runtime = await startLocalRuntime({
    config,
    pipeline,
    logger: silentLogger,
    pollEveryMs: () => 500,
    flushEveryMs: 200,
  });
  // Wait for what a newcomer sees in the demo's first minute: an incident and the enforced restart.
  const deadline = Date.now() + 45_000;
  for (;;) {
    const view = await readStatus({ config, store: local.store, nowMs: now() });
    // The Blink restart of payments_agg specifically: other providers' remediations may come first.
    if (
      view.firing.length > 0 &&
      view.remediations.some((r) => r.decision === 'performed' && r.job.name === 'payments_agg')
    )
      break;
    if (Date.now() > deadline) throw new Error(`the demo made no incident and remediation in time`);
    await new Promise((r) => setTimeout(r, 250));
  }
  // Stopping waits for what the demo still has in flight (a restart's verification, chat sends).
  await runtime.stop();
  runtime = undefined;
  stoppedAtMs = clock.now();
  server = await startWebhookServer({
    handler: createWebhookHandler({
      config,
      store: local.store,
      bus: pipeline.bus,
      secrets,
      logger: silentLogger,
      now,
      triggerPoll: async () => undefined,
      remediator: pipeline.remediator,
    }),
    port: 0,
  });

  userDataDir = await mkdtemp(join(tmpdir(), 'jobwatch-chromium-'));
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    userDataDir,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  await server?.stop();
  await runtime?.stop();
  await local?.store.close();
  await local?.stop();
  await sandbox?.stop();
  await sink?.stop();
});

/** Vendor and user text at its worst, where each kind enters: a heartbeat, a finding, a silence. */
async function addHostileState() {
  const nowMs = now();
  await recordPollHealth(local.store, {
    targetId: 'hostile-target',
    provider: 'huawei-dli',
    atMs: nowMs,
    durationMs: 800,
    calls: 3,
    errors: 2,
    problems: [HOSTILE.img, HOSTILE.long],
    configOnly: false,
    complete: true,
    jobs: 4,
    containers: 0,
    jobStates: { FAILED: 4 },
    worstJobs: Object.values(HOSTILE).map((name) => ({ name, state: 'FAILED' as const })),
    intervalMs: 60_000,
  });
  const target = config.targets.find((t) => t.provider === 'huawei-dli');
  if (!target) throw new Error('the demo has a DLI target');
  await pipeline.bus.publish([
    buildEvent({
      type: 'job.failed',
      provider: 'huawei-dli',
      targetId: target.id,
      region: target.region,
      resource: {
        key: `hostile/${HOSTILE.long}`,
        kind: 'job',
        name: `${HOSTILE.script}${HOSTILE.rtl}`,
        vendorId: '1',
        scope: { kind: 'project', id: 'p' },
      },
      severity: 'critical',
      status: 'firing',
      title: `${HOSTILE.img} ${HOSTILE.long}`,
      summary: HOSTILE.script,
      startsAtMs: nowMs,
      observedAtMs: nowMs,
    }),
  ]);
  await pipeline.settle();
  const silence = await fetch(`${server.url}/api/silences`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEMO_OPERATOR_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      matchers: [`job="${HOSTILE.rtl}"`],
      endsAt: nowMs + 3_600_000,
      createdBy: HOSTILE.img,
      comment: `${HOSTILE.script} ${HOSTILE.long}`,
    }),
  });
  expect(silence.status).toBe(201);
}

async function signedInPage(viewport: { width: number; height: number }): Promise<Page> {
  // A fresh context each time: no cookie from an earlier sign-in.
  const page = await (await browser.createBrowserContext()).newPage();
  await page.setViewport({ ...viewport, deviceScaleFactor: 1 });
  await page.goto(`${server.url}/status`);
  await page.type('#token', DEMO_OPERATOR_TOKEN);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  await page.waitForSelector('#incidents');
  return page;
}

/** Luminance variance and distinct colours of a PNG: a blank or single-colour shot has neither. */
function pixelStats(png: Buffer): { variance: number; colours: number; width: number; height: number } {
  const image = PNG.sync.read(png);
  let sum = 0;
  let sumSq = 0;
  const colours = new Set<number>();
  const n = image.width * image.height;
  for (let i = 0; i < n; i++) {
    const [r, g, b] = [image.data[i * 4] ?? 0, image.data[i * 4 + 1] ?? 0, image.data[i * 4 + 2] ?? 0];
    const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    sum += y;
    sumSq += y * y;
    if (colours.size < 1000) colours.add((r << 16) | (g << 8) | b);
  }
  const mean = sum / n;
  return {
    variance: sumSq / n - mean * mean,
    colours: colours.size,
    width: image.width,
    height: image.height,
  };
}

describe('the status page in headless Chromium', () => {
  it('shows only the sign-in form before signing in, and no script runs at all', async () => {
    expect(existsSync(CHROMIUM)).toBe(true);
    const page = await browser.newPage();
    const response = await page.goto(`${server.url}/status`);
    expect(response?.status()).toBe(401);
    expect(await page.$('#token')).not.toBeNull();
    expect(await page.$('#incidents')).toBeNull();
    expect(await page.evaluate(() => document.body.innerText)).not.toContain('payments_agg');
    await page.close();
  });

  it("shows the demo's incidents, targets and remediation rows after signing in", async () => {
    const page = await signedInPage({ width: 1280, height: 900 });
    const incidents = await page.$$eval('tr.incident', (rows) =>
      rows.map((r) => (r as HTMLElement).innerText),
    );
    expect(
      incidents.some((text) => /payments_agg|clicks_sessionize|inventory_sync|ads_attribution/.test(text)),
    ).toBe(true);
    expect(await page.$eval('meta[http-equiv=refresh]', (m) => m.getAttribute('content'))).toBe('600');
    const targets = await page.$$eval('article.target', (cards) =>
      cards.map((c) => c.getAttribute('data-target')),
    );
    for (const target of config.targets) expect(targets).toContain(target.id);
    const blink = await page.$eval(
      `article.target[data-target="${config.targets.find((t) => t.provider === 'alibaba-blink')?.id}"]`,
      (card) => (card as HTMLElement).innerText,
    );
    expect(blink).toMatch(/Last poll/);
    expect(blink).toMatch(/\d+ jobs/);
    expect(blink).toMatch(/findings? in the last 24 h/);
    expect(await page.$$eval('article.target svg.spark rect', (bars) => bars.length)).toBeGreaterThanOrEqual(
      24 * config.targets.length,
    );
    const remediation = await page.$$eval('tr.remediation', (rows) =>
      rows.map((r) => (r as HTMLElement).innerText),
    );
    expect(
      remediation.some((text) => /performed/.test(text) && /restart/.test(text) && /payments_agg/.test(text)),
    ).toBe(true);

    await mkdir(OUTPUT, { recursive: true });
    const shot = Buffer.from(await page.screenshot({ fullPage: true, type: 'png' }));
    await writeFile(join(OUTPUT, 'status.png'), shot);
    const stats = pixelStats(await readFile(join(OUTPUT, 'status.png')));
    expect(stats.width).toBe(1280);
    expect(stats.variance).toBeGreaterThan(100);
    expect(stats.colours).toBeGreaterThan(20);
    if (process.env.JOBWATCH_DOCS_SCREENSHOT === '1') await writeFile(DOCS_SCREENSHOT, shot);
    await page.close();
  });

  it('renders hostile names and error texts as inert text that does not widen a phone screen', async () => {
    await addHostileState();
    const page = await signedInPage({ width: 390, height: 844 });
    const dom = await page.evaluate(() => ({
      scripts: document.querySelectorAll('script').length,
      images: document.querySelectorAll('img').length,
      handlers: Array.from(document.querySelectorAll('*')).filter((el) =>
        Array.from(el.attributes).some((a) => a.name.startsWith('on')),
      ).length,
      pwned: window.__pwned ?? 0,
      text: document.body.innerText,
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    expect(dom).toMatchObject({ scripts: 0, images: 0, handlers: 0, pwned: 0 });
    // The hostile strings are there, as text.
    expect(dom.text).toContain('<script>window.__pwned=1</script>');
    expect(dom.text).toContain('"><img src=x onerror="window.__pwned=2">');
    expect(dom.text).toContain(HOSTILE.long.slice(0, 60));
    expect(dom.text).toContain('وظيفة');
    // Long unbroken strings wrap; RTL text stays isolated: nothing is wider than the phone.
    expect(dom.scrollWidth).toBeLessThanOrEqual(dom.innerWidth);
    const hostileCard = await page.$eval('article.target[data-target="hostile-target"]', (card) => {
      const box = card.getBoundingClientRect();
      return { right: box.right, text: (card as HTMLElement).innerText };
    });
    expect(hostileCard.right).toBeLessThanOrEqual(390);
    expect(hostileCard.text).toContain('not in the config any more');
    expect(await page.$$eval('tr.silence', (rows) => rows.length)).toBe(1);
    // The incident after the hostile one still reads in order: the RTL override did not leak out.
    const order = await page.$$eval('#h-incidents, #h-targets, #h-remediation, #h-silences', (hs) =>
      hs.map((h) => Math.round(h.getBoundingClientRect().top)),
    );
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const shot = Buffer.from(await page.screenshot({ fullPage: true, type: 'png' }));
    await writeFile(join(OUTPUT, 'status-phone.png'), shot);
    const stats = pixelStats(shot);
    expect(stats.width).toBe(390);
    expect(stats.variance).toBeGreaterThan(100);
    await page.close();
  });
});
