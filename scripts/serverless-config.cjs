// Loaded by serverless.yml (`custom.plan: ${file(scripts/serverless-config.cjs)}`). osls can only require
// CommonJS here, and the plan is TypeScript (lib/aws/deploy-plan.ts), so it runs in a child Node with tsx
// and hands its JSON back. Only secret references are read, never their values.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = () => {
  const serviceDir = path.resolve(__dirname, '..');
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/deploy-plan.ts', serviceDir], {
    cwd: serviceDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out);
};
