#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so there is no build step between editing and running.
import { register } from 'tsx/esm/api';

// Local runs may use Node 20; the AWS SDK's notice that its 2027 releases need Node 22 is not actionable here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
// `jobwatch poll --once --json | head -1`: the reader left, which is not an error of ours.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
const { main } = await import('../lib/cli/main.ts');
const code = await main(process.argv.slice(2));
// Keep-alive HTTP pools and timers must not keep a finished command alive.
process.exit(code);
