// esbuild plugins for the Lambda bundles (serverless.yml custom.esbuild.plugins).
const path = require('node:path');

/**
 * zod 4 re-exports every error-message locale (`z.locales`, ~250 KB minified) and jobwatch only uses the
 * default English one, so the locale index is replaced by a module exporting `en` alone. If code ever
 * calls `z.locales.<other>()`, the bundle fails to build instead of failing at run time.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]zod[\\/]/.test(args.importer)) return undefined;
      return {
        path: path.join(path.dirname(args.importer), '../locales/index.js'),
        namespace: 'zod-locales',
      };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(path.join(path.dirname(args.path), 'en.js'))};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

/**
 * undici's index pulls in fetch, WebSocket, EventSource, the cache stores, mocks and proxies (~530 KB
 * minified) while jobwatch uses `Agent`, `errors` and `request` alone. `undici` imported from our code
 * resolves to a module exporting just those, built from the same undici files. `request` here takes a
 * URL string and options (the only form lib/ calls), sent through the global dispatcher as undici's does.
 * Anything else imported from `undici` fails the build (esbuild reports the missing export).
 */
const undiciSlim = {
  name: 'undici-slim',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, (args) => {
      if (/[\\/]node_modules[\\/]/.test(args.importer)) return undefined;
      return { path: path.dirname(require.resolve('undici/package.json')), namespace: 'undici-slim' };
    });
    build.onLoad({ filter: /.*/, namespace: 'undici-slim' }, (args) => {
      const file = (name) => JSON.stringify(path.join(args.path, name));
      return {
        contents: `
import Dispatcher from ${file('lib/dispatcher/dispatcher.js')};
import api from ${file('lib/api/index.js')};
import AgentClass from ${file('lib/dispatcher/agent.js')};
import errorClasses from ${file('lib/core/errors.js')};
import globalDispatcher from ${file('lib/global.js')};
Object.assign(Dispatcher.prototype, api);
export const Agent = AgentClass;
export const errors = errorClasses;
export function request(url, options = {}) {
  const target = new URL(url);
  return globalDispatcher.getGlobalDispatcher().request({
    ...options,
    origin: target.origin,
    path: target.search ? target.pathname + target.search : target.pathname,
    method: options.method || (options.body ? 'PUT' : 'GET'),
  });
}
`,
        resolveDir: args.path,
      };
    });
  },
};

/**
 * Source maps stay out of the zips (issue 17: they were 1.3 MB of each 0.8 MB package, and Lambda's
 * `--enable-source-maps` parsed them on every cold start). esbuild writes them as `external` (no
 * sourceMappingURL comment); this moves each one out of the build folder, before serverless-esbuild zips
 * it, to `.serverless/sourcemaps/` for upload to an error tracker or for `npx source-map-cli` by hand.
 */
const sourceMapsOutOfPackage = {
  name: 'source-maps-out-of-package',
  setup(build) {
    build.onEnd(async (result) => {
      if (result.errors.length > 0) return;
      const fs = require('node:fs');
      const outdir = build.initialOptions.outdir ?? path.dirname(build.initialOptions.outfile ?? '.');
      const target = path.join(process.cwd(), '.serverless', 'sourcemaps');
      const maps = fs
        .readdirSync(outdir, { recursive: true })
        .map(String)
        .filter((file) => file.endsWith('.map'));
      for (const file of maps) {
        const destination = path.join(target, file);
        fs.mkdirSync(path.dirname(destination), { recursive: true });
        fs.copyFileSync(path.join(outdir, file), destination);
        fs.rmSync(path.join(outdir, file));
      }
    });
  },
};

module.exports = [zodEnglishOnly, undiciSlim, sourceMapsOutOfPackage];
