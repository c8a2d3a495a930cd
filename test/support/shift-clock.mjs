/**
 * Preload (`node --import`) that moves the wall clock far into the future, so the suite proves that no
 * test depends on the real date: `Date.now()`, `new Date()` and `Date()` read the real time plus
 * JOBWATCH_CLOCK_SHIFT_DAYS (default 400). Dates built from a value (`new Date(ms)`, `Date.parse`,
 * `Date.UTC`) are untouched, and so are timers and `performance.now()`: only "what day is it" changes.
 *
 * `npm run test:shifted` sets it through NODE_OPTIONS, which vitest's forked workers inherit. Processes the
 * tests spawn inherit NODE_OPTIONS too, but often from another working directory, so the relative path
 * given there is rewritten to this file's absolute URL before anything can spawn.
 */
const DAY_MS = 86_400_000;
const days = Number(process.env.JOBWATCH_CLOCK_SHIFT_DAYS ?? 400);
if (!Number.isFinite(days)) throw new Error(`JOBWATCH_CLOCK_SHIFT_DAYS is not a number: ${days}`);
const SHIFT_MS = days * DAY_MS;
const RealDate = globalThis.Date;

if (!RealDate.__jobwatchShiftMs) {
  const now = () => RealDate.now() + SHIFT_MS;
  function ShiftedDate(...args) {
    // Called as a function, Date() returns the current time as a string.
    if (!new.target) return new RealDate(now()).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [now()] : args, new.target);
  }
  ShiftedDate.prototype = RealDate.prototype;
  ShiftedDate.now = now;
  ShiftedDate.parse = RealDate.parse;
  ShiftedDate.UTC = RealDate.UTC;
  ShiftedDate.__jobwatchShiftMs = SHIFT_MS;
  // Dates made before the swap, or by code holding the original, are still Dates.
  Object.defineProperty(ShiftedDate, Symbol.hasInstance, { value: (value) => value instanceof RealDate });
  globalThis.Date = ShiftedDate;
}

const here = new URL(import.meta.url).href;
if (process.env.NODE_OPTIONS?.includes('shift-clock.mjs')) {
  process.env.NODE_OPTIONS = process.env.NODE_OPTIONS.replace(
    /(--import[= ])(\S*shift-clock\.mjs)/,
    `$1${here}`,
  );
}
