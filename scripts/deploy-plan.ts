/**
 * Prints the deployment plan (lib/aws/deploy-plan.ts) for the service directory as JSON on stdout;
 * warnings go to stderr. Used by scripts/serverless-config.cjs, handy on its own to review what a
 * deploy would grant: `node --import tsx scripts/deploy-plan.ts`.
 */
import { planDeploymentFromDir } from '../lib/aws/deploy-plan.js';

const plan = await planDeploymentFromDir(process.argv[2] ?? process.cwd());
for (const warning of plan.warnings) process.stderr.write(`jobwatch: warning: ${warning}\n`);
process.stdout.write(`${JSON.stringify(plan)}\n`);
