/**
 * Detection + routing alone, for profiling: `node --cpu-prof --import tsx bench/detect-only.ts 20000`.
 */
import { detectAndRoute } from './detect-route.js';

const result = detectAndRoute(Number(process.argv[2] ?? 20_000));
const perSecond = (cpuMs: number) => Math.round(result.events / (cpuMs / 1000));
process.stdout.write(
  `${result.events} events: detect ${perSecond(result.detectCpuMs)}/s, route ${perSecond(result.routeCpuMs)}/s, both ${perSecond(result.detectCpuMs + result.routeCpuMs)}/s\n`,
);
