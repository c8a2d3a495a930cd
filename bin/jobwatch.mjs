#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so there is no build step between editing and running.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/cli/main.ts');
const code = await main(process.argv.slice(2));
// Keep-alive HTTP pools and timers must not keep a finished command alive.
process.exit(code);
