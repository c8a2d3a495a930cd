/**
 * The status page's door: the sign-in form for anyone without a session, a signed cookie for a valid
 * operator token, Bearer for scripts; forged, tampered, expired and foreign cookies refused; a strict CSP;
 * and vendor text rendered as text. Over real HTTP through the local server, as a browser would see it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookServer, type WebhookServer } from '../../lib/ingest/http-server.js';
import { pageModel } from '../../lib/ingest/status-page.js';
import { issueSession, verifySession } from '../../lib/ingest/status-session.js';
import { renderPage } from '../../lib/ingest/status-template.js';
import { recordPollHealth } from '../../lib/status/health.js';
import { type Harness, SECRETS, startHarness } from './helpers.js';

let h: Harness;
let server: WebhookServer;
const START_MS = Date.UTC(2031, 5, 1, 12);

beforeAll(async () => {
  h = await startHarness({ nowMs: START_MS });
  server = await startWebhookServer({ handler: h.handler });
});
afterAll(async () => {
  await server?.stop();
  await h?.stop();
});
beforeEach(() => {
  h.clock.nowMs = START_MS;
});

const get = (headers: Record<string, string> = {}) =>
  fetch(`${server.url}/status`, { headers, redirect: 'manual' });

async function signIn(token: string = SECRETS.JW_OPERATOR_TOKEN) {
  return fetch(`${server.url}/status/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
    redirect: 'manual',
  });
}

async function sessionCookie(): Promise<string> {
  const response = await signIn();
  expect(response.status).toBe(303);
  const [cookie] = response.headers.getSetCookie();
  return (cookie ?? '').split(';')[0] ?? '';
}

function expectLoginOnly(body: string) {
  expect(body).toContain('<form class="login"');
  expect(body).not.toContain('id="incidents"');
  expect(body).not.toContain('dli-prod');
}

describe('status page authentication', () => {
  it('answers an unauthenticated request with the sign-in form and nothing else', async () => {
    const response = await get();
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expectLoginOnly(await response.text());
  });

  it('signs in with the operator token: a Secure, HttpOnly, SameSite=Strict cookie opens the page', async () => {
    const response = await signIn();
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/status');
    const [setCookie] = response.headers.getSetCookie();
    expect(setCookie).toMatch(/^jobwatch_status=v1\./);
    for (const attribute of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/status', 'Max-Age=43200'])
      expect(setCookie).toContain(attribute);
    expect(setCookie).not.toContain(SECRETS.JW_OPERATOR_TOKEN);
    const page = await get({ cookie: (setCookie ?? '').split(';')[0] ?? '' });
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('id="incidents"');
    expect(body).toContain('dli-prod');
  });

  it('refuses a wrong token at sign-in, and a form that is not a form', async () => {
    const wrong = await signIn('operator-token-guess');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.getSetCookie()).toEqual([]);
    expectLoginOnly(await wrong.text());
    const json = await fetch(`${server.url}/status/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: SECRETS.JW_OPERATOR_TOKEN }),
      redirect: 'manual',
    });
    expect(json.status).toBe(400);
    expect(json.headers.getSetCookie()).toEqual([]);
  });

  it('lets scripts in with Authorization: Bearer, and not with a wrong one', async () => {
    const ok = await get({ authorization: `Bearer ${SECRETS.JW_OPERATOR_TOKEN}` });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('id="targets"');
    const bad = await get({ authorization: `Bearer ${SECRETS.JW_OPERATOR_TOKEN}x` });
    expect(bad.status).toBe(401);
    expectLoginOnly(await bad.text());
    // Other credentials of the webhook are not operator tokens.
    const other = await get({ authorization: `Bearer ${SECRETS.JW_CM_TOKEN}` });
    expect(other.status).toBe(401);
  });

  it.each([
    ['a tampered signature', (c: string) => c.slice(0, -2) + (c.endsWith('AA') ? 'BB' : 'AA')],
    [
      'a lengthened expiry',
      (c: string) => c.replace(/\.(\d+)\./, (_m, ms: string) => `.${Number(ms) + 86_400_000}.`),
    ],
    [
      'a forged cookie signed with another key',
      () =>
        `jobwatch_status=${issueSession('k'.repeat(40), SECRETS.JW_OPERATOR_TOKEN, START_MS + 3_600_000)}`,
    ],
    ['garbage', () => 'jobwatch_status=v1.1.2.3.4'],
    ['an empty value', () => 'jobwatch_status='],
  ])('refuses %s', async (_name, mangle) => {
    const cookie = await sessionCookie();
    const response = await get({ cookie: mangle(cookie) });
    expect(response.status).toBe(401);
    expectLoginOnly(await response.text());
    // ...and tells the browser to drop it.
    expect(response.headers.getSetCookie()[0]).toMatch(/^jobwatch_status=; .*Max-Age=0/);
  });

  it('refuses an expired session (12 h by default) on the injected clock', async () => {
    const cookie = await sessionCookie();
    h.clock.nowMs = START_MS + 12 * 3_600_000 - 1;
    expect((await get({ cookie })).status).toBe(200);
    h.clock.nowMs = START_MS + 12 * 3_600_000;
    const response = await get({ cookie });
    expect(response.status).toBe(401);
    expectLoginOnly(await response.text());
  });

  it('ends the sessions of an operator token that is no longer configured', () => {
    const value = issueSession('k'.repeat(40), 'old-token', START_MS + 60_000);
    expect(verifySession(value, { keys: ['k'.repeat(40)], tokens: ['old-token'], nowMs: START_MS })).toBe(
      true,
    );
    expect(verifySession(value, { keys: ['k'.repeat(40)], tokens: ['new-token'], nowMs: START_MS })).toBe(
      false,
    );
  });

  it('signs out by clearing the cookie', async () => {
    const response = await fetch(`${server.url}/status/logout`, { method: 'POST', redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.getSetCookie()[0]).toMatch(/^jobwatch_status=; .*Max-Age=0/);
  });

  it('sends a strict Content-Security-Policy and no-store on the page and on the form', async () => {
    for (const response of [await get(), await get({ cookie: await sessionCookie() })]) {
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
      expect(csp).not.toContain('unsafe');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

describe('status page rendering', () => {
  it('renders vendor text as text: no markup from job names or error messages survives', async () => {
    const hostile = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "'; x='"];
    await recordPollHealth(h.store, {
      targetId: 'dli-prod',
      provider: 'huawei-dli',
      atMs: START_MS - 30_000,
      durationMs: 1200,
      calls: 4,
      errors: 1,
      problems: [hostile[1] as string],
      configOnly: false,
      complete: true,
      jobs: 3,
      containers: 0,
      jobStates: { FAILED: 3 },
      worstJobs: hostile.map((name) => ({ name, state: 'FAILED' as const })),
      intervalMs: 60_000,
    });
    const page = await get({ authorization: `Bearer ${SECRETS.JW_OPERATOR_TOKEN}` });
    const body = await page.text();
    expect(body).not.toContain('<script');
    expect(body).not.toContain('<img');
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(body).toContain('&#39;; x=&#39;');
  });
});

/** The page for one firing `job.failed` alert on job etl (DLI), refreshed every 30 s; `alert` adds to it. */
function pageWithAlert(alert: Record<string, unknown>): string {
  return renderPage(
    pageModel(
      {
        nowMs: START_MS,
        firing: [
          {
            fingerprint: '0123456789abcdef',
            type: 'job.failed',
            severity: 'critical',
            targetId: 'dli-prod',
            provider: 'huawei-dli',
            resourceName: 'etl',
            title: 'Job etl FAILED',
            startsAtMs: START_MS - 60_000,
            ...alert,
          },
        ],
        targets: [],
        remediations: [],
        silences: [],
      },
      [],
      30,
    ),
  );
}

describe('status page model', () => {
  it('shows a diagnosis and http(s) links, and drops javascript: and data: links', () => {
    const html = pageWithAlert({
      diagnosis: { category: 'sink', summary: 'The sink refused writes.', hint: 'the database' },
      links: [
        { title: 'console', url: 'https://console.example.com/dli?job=1&x="y"' },
        { title: 'evil', url: 'javascript:alert(1)' },
        { title: 'data', url: 'data:text/html,<script>alert(1)</script>' },
      ],
    });
    expect(html).toContain('The sink refused writes. Check: the database');
    expect(html).toContain('href="https://console.example.com/dli?job=1&amp;x=&quot;y&quot;"');
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('data:text');
    expect(html).toContain('<meta http-equiv="refresh" content="30">');
  });
});

describe('status page acknowledged alerts', () => {
  it('marks an acknowledged incident with who and until when', () => {
    const html = pageWithAlert({
      acknowledged: { by: 'ana (slack U0ANA)', untilMs: START_MS + 4 * 3600_000, comment: '' },
    });
    expect(html).toContain('title="by ana (slack U0ANA) until 16:00 UTC">acknowledged</span>');
  });
});
