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

module.exports = [zodEnglishOnly];
