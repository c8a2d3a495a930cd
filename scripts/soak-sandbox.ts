/**
 * The soak's vendor emulators in their own process, so the soak's heap figures are jobwatch's alone (the
 * emulators' scripted fleets keep history as simulated time passes). IPC with the parent: sends
 * { ready, targets }; answers { advance, ms }, { fault, fault } and { stop } with { done, id }.
 */
import { ALL_EMULATORS } from '../lib/providers/emulators.js';
import { createSimClock } from '../lib/sandbox/clock.js';
import type { Fault } from '../lib/sandbox/faults.js';
import { startSandbox } from '../lib/sandbox/server.js';

const clock = createSimClock({ speed: 0, startMs: Number(process.env.SOAK_START_MS) });
const sandbox = await startSandbox({ plugins: ALL_EMULATORS, scenario: 'demo', clock, maxLogEntries: 100 });

process.on('message', (message: { type: string; id: number; ms?: number; fault?: Fault }) => {
  if (message.type === 'advance') clock.advance(message.ms ?? 0);
  else if (message.type === 'fault' && message.fault) sandbox.faults.inject(message.fault);
  else if (message.type === 'stop') {
    void sandbox.stop().then(() => process.exit(0));
    return;
  }
  process.send?.({ type: 'done', id: message.id });
});
process.send?.({ type: 'ready', targets: sandbox.targets() });
