/**
 * The status page's HTML, rendered on the server with Eta: `<%= %>` escapes (&, <, >, ", ') and is the
 * only output tag used, so every value a vendor or user wrote (job names, error text, labels, comments)
 * is text, never markup. No script: the page reloads itself with a meta refresh. The one stylesheet is
 * inline and allowed by its hash in the Content-Security-Policy.
 */
import { createHash } from 'node:crypto';
import { Eta } from 'eta/core';

const CSS = `
:root{color-scheme:light dark;--bg:#f6f7f9;--fg:#1b1f24;--muted:#5b6470;--card:#fff;--line:#d8dde3;
--crit:#c62828;--warn:#b26a00;--info:#1565c0;--ok:#2e7d32;--bar:#8e99a8}
@media (prefers-color-scheme:dark){:root{--bg:#101317;--fg:#e6e9ed;--muted:#9aa4b1;--card:#181c21;
--line:#2c333b;--bar:#6c7886}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.8rem 1rem;border-bottom:1px solid var(--line);background:var(--card)}
header h1{font-size:1.15rem;margin:0}
header form{margin-left:auto}
main{max-width:72rem;margin:0 auto;padding:.5rem 1rem 2rem}
h2{font-size:1.05rem;margin:1.4rem 0 .5rem}
.muted{color:var(--muted)}
.chips{display:flex;flex-wrap:wrap;gap:.4rem}
.chip{border:1px solid var(--line);border-radius:1rem;padding:.05rem .6rem;font-size:.85rem;background:var(--card)}
.scroll{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:.4rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.4rem .55rem;border-bottom:1px solid var(--line);overflow-wrap:anywhere;word-break:break-word;min-width:0}
th{overflow-wrap:normal;word-break:normal;white-space:nowrap;font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);font-weight:600}
tr:last-child td{border-bottom:0}
.sev{font-weight:700;white-space:nowrap}
.sev-critical{color:var(--crit)}.sev-warning{color:var(--warn)}.sev-info{color:var(--info)}
.tag{display:inline-block;font-size:.78rem;border-radius:.3rem;padding:0 .35rem;margin:.1rem .2rem 0 0;border:1px solid var(--line);white-space:nowrap}
.tag-bad{border-color:var(--crit);color:var(--crit)}.tag-ok{border-color:var(--ok);color:var(--ok)}.tag-warn{border-color:var(--warn);color:var(--warn)}
.targets{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,20rem),1fr));gap:.8rem}
.target{background:var(--card);border:1px solid var(--line);border-radius:.4rem;padding:.7rem .8rem;min-width:0;overflow-wrap:anywhere}
.target h3{margin:0 0 .3rem;font-size:1rem}
.target dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem .7rem;margin:.4rem 0;font-size:.9rem}
.target dt{color:var(--muted)}.target dd{margin:0;min-width:0}
.target ul{margin:.2rem 0 0;padding-left:1.1rem;font-size:.9rem}
.spark{display:block;width:100%;max-width:18rem;height:2rem;margin-top:.3rem}
.spark rect{fill:var(--bar)}.spark rect.hot{fill:var(--crit)}
button{font:inherit;padding:.3rem .8rem;border-radius:.3rem;border:1px solid var(--line);background:var(--card);color:var(--fg)}
.login{max-width:24rem;margin:3rem auto;background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:1.2rem}
.login label{display:block;margin-bottom:.4rem}
.login input{width:100%;font:inherit;padding:.45rem;border:1px solid var(--line);border-radius:.3rem;margin-bottom:.8rem}
.error{color:var(--crit)}
.diagnosis{font-size:.9rem;color:var(--muted)}
a{color:var(--info)}
bdi{unicode-bidi:isolate}
@media (max-width:40rem){
main{padding:.3rem .6rem 1.5rem}
table,tbody,tr,td{display:block;width:100%}
thead{display:none}
tr{padding:.35rem 0;border-bottom:1px solid var(--line)}
td{border:0;padding:.1rem .6rem}
header form{margin-left:0}
}
`;

/** `style-src` source of the inline stylesheet. */
export const STYLE_HASH = `'sha256-${createHash('sha256').update(CSS).digest('base64')}'`;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${STYLE_HASH}`,
  "img-src 'none'",
  "script-src 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const HEAD = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<% if (it.refreshSeconds) { %><meta http-equiv="refresh" content="<%= it.refreshSeconds %>"><% } %>
<title><%= it.title %></title>
<style>${CSS}</style>
</head>`;

/** A section with a table of `it[list]` (one `row` per `item`), or a muted line when the list is empty. */
function tableSection(
  section: { id: string; list?: string; title: string; empty: string; columns: string[]; item: string },
  row: string,
): string {
  const list = section.list ?? section.id;
  return `<section id="${section.id}" aria-labelledby="h-${section.id}">
  <h2 id="h-${section.id}">${section.title} (<%= it.${list}.length %>)</h2>
  <% if (it.${list}.length === 0) { %><p class="muted">${section.empty}</p><% } else { %>
  <div class="scroll"><table>
    <thead><tr>${section.columns.map((c) => `<th>${c}</th>`).join('')}</tr></thead>
    <tbody>
    <% for (const ${section.item} of it.${list}) { %>
${row}
    <% } %>
    </tbody>
  </table></div>
  <% } %>
</section>`;
}

const INCIDENT_ROW = `      <tr class="incident" data-type="<%= a.type %>">
        <td class="sev sev-<%= a.severity %>"><%= a.severity %></td>
        <td><bdi><%= a.title %></bdi><br><span class="muted"><%= a.type %></span>
          <% for (const m of a.markers) { %><span class="tag tag-warn" title="<%= m.detail %>"><%= m.label %></span><% } %>
          <% if (a.diagnosis) { %><br><span class="diagnosis"><bdi><%= a.diagnosis %></bdi></span><% } %>
          <% for (const l of a.links) { %><br><a href="<%= l.url %>" rel="noopener noreferrer" target="_blank"><bdi><%= l.title %></bdi></a><% } %></td>
        <td><bdi><%= a.targetId %></bdi><br><span class="muted"><bdi><%= a.resourceName %></bdi></span></td>
        <td><time datetime="<%= a.sinceIso %>" title="<%= a.sinceIso %>"><%= a.age %></time></td>
      </tr>`;
const REMEDIATION_ROW = `      <tr class="remediation" data-decision="<%= r.decision %>">
        <td><time datetime="<%= r.atIso %>" title="<%= r.atIso %>"><%= r.age %></time></td>
        <td><span class="tag tag-<%= r.tone %>"><%= r.decision %></span> <span class="muted"><%= r.mode %></span></td>
        <td><%= r.action %> <bdi><%= r.job %></bdi><br><span class="muted"><%= r.outcome %></span></td>
        <td><bdi><%= r.reason %></bdi></td>
      </tr>`;
const SILENCE_ROW = `      <tr class="silence">
        <td><bdi><%= s.matchers %></bdi><br><span class="muted"><%= s.id %></span></td>
        <td><%= s.until %></td>
        <td><bdi><%= s.createdBy %></bdi>: <bdi><%= s.comment %></bdi></td>
      </tr>`;

const PAGE = `${HEAD}
<body>
<header>
  <h1>jobwatch status</h1>
  <span class="muted">as of <time datetime="<%= it.nowIso %>"><%= it.nowText %></time> · reloads every <%= it.refreshSeconds %> s</span>
  <div class="chips">
    <span class="chip" id="summary-firing"><%= it.summary.firing %></span>
    <span class="chip"><%= it.summary.targets %></span>
  </div>
  <form method="post" action="<%= it.base %>/status/logout"><button type="submit">Sign out</button></form>
</header>
<main>
${tableSection({ id: 'incidents', title: 'Open incidents', empty: 'Nothing is firing.', columns: ['Severity', 'Incident', 'Where', 'Since'], item: 'a' }, INCIDENT_ROW)}

<section id="targets" aria-labelledby="h-targets">
  <h2 id="h-targets">Targets and jobs</h2>
  <div class="targets">
  <% for (const t of it.targets) { %>
    <article class="target" data-target="<%= t.id %>">
      <h3><bdi><%= t.id %></bdi> <span class="muted"><%= t.provider %></span></h3>
      <% for (const s of t.badges) { %><span class="tag tag-<%= s.tone %>"><%= s.label %></span><% } %>
      <dl>
        <dt>Last poll</dt><dd><%= t.lastPoll %></dd>
        <% if (t.pollStats) { %><dt>Poll</dt><dd><%= t.pollStats %></dd><% } %>
        <% if (t.problems) { %><dt>Errors</dt><dd><bdi><%= t.problems %></bdi></dd><% } %>
        <dt>Jobs</dt><dd><%= t.jobs %></dd>
      </dl>
      <% if (t.worstJobs.length > 0) { %>
      <span class="muted">Needs attention</span>
      <ul><% for (const j of t.worstJobs) { %><li><bdi><%= j.name %></bdi> <span class="tag<% if (j.state !== 'RUNNING') { %> tag-bad<% } %>"><%= j.state %></span><% if (j.health !== undefined) { %> <span class="tag<% if (j.grade === 'unhealthy') { %> tag-bad<% } %>" title="health score over the last hour (0-100)">health <%= j.health %></span><% } %></li><% } %></ul>
      <% } %>
      <span class="muted"><%= t.spark.text %></span>
      <svg class="spark" viewBox="0 0 96 24" preserveAspectRatio="none" role="img" aria-label="<%= t.spark.text %>">
        <% for (const b of t.spark.bars) { %><rect x="<%= b.x %>" y="<%= b.y %>" width="3" height="<%= b.h %>"<% if (b.hot) { %> class="hot"<% } %>><title><%= b.title %></title></rect><% } %>
      </svg>
    </article>
  <% } %>
  </div>
</section>

${tableSection({ id: 'remediation', list: 'remediations', title: 'Recent remediation', empty: 'No decisions recorded.', columns: ['When', 'Decision', 'Action', 'Why'], item: 'r' }, REMEDIATION_ROW)}

${tableSection({ id: 'silences', title: 'Silences in force', empty: 'None.', columns: ['Matches', 'Until', 'By'], item: 's' }, SILENCE_ROW)}
</main>
</body>
</html>`;

const LOGIN = `${HEAD}
<body>
<form class="login" method="post" action="<%= it.base %>/status/login">
  <h1>jobwatch status</h1>
  <% if (it.error) { %><p class="error" role="alert"><%= it.error %></p><% } %>
  <label for="token">Operator token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required maxlength="512">
  <button type="submit">Sign in</button>
</form>
</body>
</html>`;

const eta = new Eta({ autoEscape: true, autoTrim: false, useWith: false, varName: 'it', cache: false });
eta.loadTemplate('@page', PAGE);
eta.loadTemplate('@login', LOGIN);

export interface PageModel {
  base: string;
  title: string;
  refreshSeconds: number;
  nowIso: string;
  nowText: string;
  summary: { firing: string; targets: string };
  incidents: {
    type: string;
    severity: string;
    title: string;
    targetId: string;
    resourceName: string;
    age: string;
    sinceIso: string;
    markers: { label: string; detail: string }[];
    diagnosis?: string;
    links: { title: string; url: string }[];
  }[];
  targets: {
    id: string;
    provider: string;
    badges: { label: string; tone: 'ok' | 'bad' | 'warn' }[];
    lastPoll: string;
    pollStats?: string;
    problems?: string;
    jobs: string;
    worstJobs: { name: string; state: string; health?: number; grade?: string }[];
    spark: { text: string; bars: { x: number; y: number; h: number; hot: boolean; title: string }[] };
  }[];
  remediations: {
    atIso: string;
    age: string;
    decision: string;
    tone: 'ok' | 'bad' | 'warn';
    mode: string;
    action: string;
    job: string;
    outcome: string;
    reason: string;
  }[];
  silences: { id: string; matchers: string; until: string; createdBy: string; comment: string }[];
}

export function renderPage(model: PageModel): string {
  return eta.render('@page', model);
}

export function renderLogin(model: { base: string; error?: string }): string {
  return eta.render('@login', { ...model, title: 'jobwatch status: sign in', refreshSeconds: 0 });
}
