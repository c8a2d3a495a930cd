/**
 * Prints the deployment plan (lib/aws/deploy-plan.ts) for the service directory as JSON on stdout;
 * warnings go to stderr. Used by scripts/serverless-config.cjs, handy on its own to review what a
 * deploy would grant: `node --import tsx scripts/deploy-plan.ts`.
 *
 * Exits 2 (and `serverless package` fails) when the config holds `env:` references: deployed functions
 * would fail at their first run. JOBWATCH_ALLOW_ENV_REFERENCES=1 allows them for a stack that sets them.
 */
import { planDeploymentFromDir } from '../lib/aws/deploy-plan.js';

const plan = await planDeploymentFromDir(process.argv[2] ?? process.cwd());
for (const warning of plan.warnings) process.stderr.write(`jobwatch: warning: ${warning}\n`);
if (plan.envReferences.length > 0 && process.env.JOBWATCH_ALLOW_ENV_REFERENCES !== '1') {
  process.stderr.write(
    [
      `jobwatch: error: ${plan.envReferences.length} env: reference(s) would be empty in the deployed functions:`,
      ...plan.envReferences.map((r) => `  ${r.path}: ${r.reference}`),
      'Use ssm:/path or secretsmanager:name for deployed secrets, or set JOBWATCH_ALLOW_ENV_REFERENCES=1 if your stack sets these variables.',
      '',
    ].join('\n'),
  );
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(plan)}\n`);
