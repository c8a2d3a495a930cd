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
 * URL string and options (the only form lib/ calls), sent through the global dispatcher as undici's does;
 * its implementation (with the Readable body and the fetch body mixins it needs) is marked free of side
 * effects, so a bundle that never calls it (lib/http dispatches directly) leaves it out.
 * Anything else imported from `undici` fails the build (esbuild reports the missing export).
 *
 * undici also ships its HTTP parser twice, as base64 WebAssembly with and without SIMD (72 KB each, 54 KB
 * each zipped), and tries the SIMD one first. Both requires resolve to the portable one: one copy, and it
 * compiles on every platform.
 */
const undiciSlim = {
  name: 'undici-slim',
  setup(build) {
    const root = path.dirname(require.resolve('undici/package.json'));
    const apiRequest = path.join(root, 'lib/api/api-request.js');
    build.onResolve({ filter: /^undici$/ }, (args) => {
      if (/[\\/]node_modules[\\/]/.test(args.importer)) return undefined;
      return { path: root, namespace: 'undici-slim' };
    });
    build.onResolve({ filter: /^undici-api-request$/, namespace: 'undici-slim' }, () => ({
      path: apiRequest,
      sideEffects: false,
    }));
    build.onResolve({ filter: /[\\/]llhttp_simd-wasm\.js$/ }, (args) => {
      if (!args.importer.startsWith(root)) return undefined;
      return { path: path.join(root, 'lib/llhttp/llhttp-wasm.js') };
    });
    build.onLoad({ filter: /.*/, namespace: 'undici-slim' }, (args) => {
      const file = (name) => JSON.stringify(path.join(args.path, name));
      return {
        contents: `
import apiRequest from 'undici-api-request';
import AgentClass from ${file('lib/dispatcher/agent.js')};
import errorClasses from ${file('lib/core/errors.js')};
import globalDispatcher from ${file('lib/global.js')};
export const Agent = AgentClass;
export const errors = errorClasses;
export function request(url, options = {}) {
  const target = new URL(url);
  return apiRequest.call(globalDispatcher.getGlobalDispatcher(), {
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
    // Only this build's own maps (from its metafile): serverless-esbuild builds the functions concurrently
    // into one folder, and another build's map may still be being written.
    build.initialOptions.metafile = true;
    build.onEnd((result) => {
      if (result.errors.length > 0 || !result.metafile) return;
      const fs = require('node:fs');
      const target = path.join(process.cwd(), '.serverless', 'sourcemaps');
      for (const output of Object.keys(result.metafile.outputs)) {
        if (!output.endsWith('.map')) continue;
        const source = path.resolve(build.initialOptions.absWorkingDir ?? process.cwd(), output);
        const destination = path.join(target, path.basename(output));
        fs.mkdirSync(target, { recursive: true });
        fs.copyFileSync(source, destination);
        fs.rmSync(source);
      }
    });
  },
};

module.exports = [zodEnglishOnly, undiciSlim, sourceMapsOutOfPackage];
