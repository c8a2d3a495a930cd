/**
 * The import graph's rules, checked by test/architecture/imports.test.ts (part of `npm test`) and readable
 * by hand with `npx depcruise lib functions` (that run lists the known violations too).
 *
 * One direction, top to bottom (a folder imports only the folders listed for it), issue 16's order:
 *   functions -> {aws, local} -> runtime -> {alerts, remediation, ingest} -> events -> detect -> model
 *   ingest -> status -> {alerts, remediation, detect} ; remediation -> providers -> {model, http, config}
 *   everything -> text, async
 * `aws` (Lambda) and `local` (the local runtime) host the pipeline; `cli` is the developer entry point.
 * `events` publishes too (the bus port, dead-letter parking, the recent-events log), so the poll and the
 * webhook ingest publish alike; `status` reads back what the runtime wrote (poll heartbeats, the status view)
 * for `jobwatch status` and the status page. test/architecture/imports.test.ts checks the order itself.
 */

/** Neutral helpers at the bottom: they import nothing of ours, and every folder may import them. */
const NEUTRAL = ['text', 'async'];

/** What every pipeline layer (alerts, remediation, status, ingest, runtime and the hosts) may use below the events. */
const PIPELINE_BASE = ['model', 'diagnose', 'config', 'http', 'state', 'observability', 'text'];
const ALERTS_MAY_IMPORT = ['events', ...PIPELINE_BASE];
const REMEDIATION_MAY_IMPORT = ['providers', ...ALERTS_MAY_IMPORT];
/** The read models under the status page and `jobwatch status`: alert groups, decisions, job health. */
const STATUS_MAY_IMPORT = ['alerts', 'remediation', 'detect', ...ALERTS_MAY_IMPORT];
const INGEST_MAY_IMPORT = ['status', ...STATUS_MAY_IMPORT];
const RUNTIME_MAY_IMPORT = ['ingest', 'status', 'alerts', 'remediation', 'detect', ...REMEDIATION_MAY_IMPORT];
/** What a host (the Lambda wiring in lib/aws, the local runtime in lib/local) may import: every layer below. */
const HOST_MAY_IMPORT = ['runtime', ...RUNTIME_MAY_IMPORT];

/**
 * Every folder under lib/ (and functions/) with the folders it may import besides NEUTRAL; its own files are
 * always allowed.
 */
const MAY_IMPORT = {
  text: [],
  async: [],
  observability: [],
  state: [],
  http: ['text'],
  // The model takes the HTTP layer's failure vocabulary (a type): collection errors are failed calls; and
  // the diagnosis categories and health grades an event draft carries (lib/model/event-input.ts).
  model: ['http', 'diagnose'],
  diagnose: ['text'],
  config: ['text'],
  // The event envelope over detection's drafts, and its publication (bus port, dead letters, recent events).
  events: ['detect', 'model', 'diagnose', 'state', 'observability', 'text'],
  // Providers read vendors into the model; their emulators (sandbox.ts, emulators.ts) may use the harness.
  providers: ['model', 'http', 'config', 'diagnose', 'observability', 'text', 'sandbox'],
  sandbox: ['model', 'http', 'text'],
  // Detection returns event drafts (model types); lib/events, above it, builds the CloudEvents.
  detect: ['model', 'diagnose', 'config', 'text'],
  alerts: ALERTS_MAY_IMPORT,
  remediation: REMEDIATION_MAY_IMPORT,
  runtime: RUNTIME_MAY_IMPORT,
  status: STATUS_MAY_IMPORT,
  // The webhook function's core: it publishes through lib/events and reads through lib/status, never the runtime.
  ingest: INGEST_MAY_IMPORT,
  aws: HOST_MAY_IMPORT,
  local: HOST_MAY_IMPORT,
  // The command line is a host too, and the one that starts the sandbox (jobwatch start / demo).
  cli: ['local', 'aws', 'sandbox', ...HOST_MAY_IMPORT],
  // Handlers call the HTTP layer only through the layers they wire.
  functions: [
    'aws',
    'ingest',
    'runtime',
    'alerts',
    'remediation',
    ...ALERTS_MAY_IMPORT.filter((f) => f !== 'http'),
  ],
};

/**
 * The one declared upward import: the config schema composes each layer's own section schema (its
 * `config.ts`), and the targets from the provider registry (each provider's descriptor: options schema,
 * endpoints, action params), so `jobwatch.yml` is validated in one place. None of those import config's
 * schema back (the file-level cycle rule checks that): providers name their targets through config/target.ts.
 */
const CONFIG_SECTIONS =
  '^lib/(alerts|detect|ingest|remediation)/config[.]ts$|^lib/providers/[^/]+/config[.]ts$|^lib/providers/registry[.]ts$';
const CONFIG_COMPOSITION = { from: '^lib/config/schema[.]ts$', to: CONFIG_SECTIONS };

/** Emulator code: never in production modules, so none of it ships in a Lambda bundle. */
const EMULATORS = '^lib/providers/[^/]+/sandbox[.]ts$|^lib/providers/emulators[.]ts$|^lib/sandbox/';
/**
 * Production modules allowed to import emulators: the emulators themselves and the CLI's `demo` and `start`
 * commands (lib/cli is a developer entry point; no handler reaches it, see `functions-reach-no-dev-code`).
 */
const MAY_IMPORT_EMULATORS = [
  EMULATORS,
  '^lib/cli/main[.]ts$', // `jobwatch start` runs against the emulators when no config is given
  '^lib/cli/demo[.]ts$',
  '^lib/cli/demo-config[.]ts$',
];

/**
 * Violations that exist today, each with why it is still there. The test fails on any violation not listed
 * here and on any entry that no longer occurs, so this list only shrinks.
 */
const KNOWN_VIOLATIONS = [];

// Shared lists are copied before NEUTRAL is added, so no folder's additions reach another's list.
for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
  if (!NEUTRAL.includes(folder))
    MAY_IMPORT[folder] = [...allowed, ...NEUTRAL.filter((n) => !allowed.includes(n))];
}

const layerRules = Object.entries(MAY_IMPORT).map(([folder, allowed]) => ({
  name: `layer-${folder}`,
  severity: 'error',
  comment: `${folder} imports only ${allowed.length ? allowed.join(', ') : 'nothing of ours'}`,
  from: { path: folder === 'functions' ? '^functions/' : `^lib/${folder}/` },
  to: {
    path: '^(lib|functions)/',
    pathNot: [
      `^lib/(${[folder, ...allowed].join('|')})/`,
      ...(folder === 'functions' ? ['^functions/'] : []),
      ...(folder === 'config' ? [CONFIG_COMPOSITION.to] : []),
    ],
  },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'config-composition-only-from-schema',
      severity: 'error',
      comment: 'only lib/config/schema.ts composes the section schemas',
      from: { path: '^lib/config/', pathNot: CONFIG_COMPOSITION.from },
      to: { path: CONFIG_SECTIONS },
    },
    {
      name: 'no-emulator-in-production',
      severity: 'error',
      comment: 'production modules never import an emulator or the sandbox harness',
      from: { path: '^(lib|functions)/', pathNot: MAY_IMPORT_EMULATORS },
      to: { path: EMULATORS },
    },
    {
      name: 'functions-reach-no-dev-code',
      severity: 'error',
      comment: 'nothing a Lambda handler loads, directly or not, is an emulator, the sandbox or the CLI',
      from: { path: '^functions/' },
      to: { path: [EMULATORS, '^lib/cli/'], reachable: true },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'no file-level cycles, type-only imports included',
      from: { path: '^(lib|functions)/' },
      to: { circular: true },
    },
  ],
  options: {
    includeOnly: '^(lib|functions)/',
    exclude: { path: '[.]test[.]ts$' },
    // Type-only imports count: a type cycle is still a cycle, and a type import still ties two layers.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
// For the test; not enumerable, so dependency-cruiser's own config validation does not see them.
Object.defineProperties(module.exports, {
  MAY_IMPORT: { value: MAY_IMPORT },
  CONFIG_COMPOSITION: { value: CONFIG_COMPOSITION },
  KNOWN_VIOLATIONS: { value: KNOWN_VIOLATIONS },
});
