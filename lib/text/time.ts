/**
 * `new Date(ms).toISOString()` without a Date per call: detection and event building format several times
 * per event (since, transitions, the event's time), and most of them are a few instants (the poll's clock)
 * on a few days. Recent results are kept, so events of one poll share their time strings; otherwise the
 * day's prefix is cached and the time of day is plain arithmetic. Outside years 1970-9999 and for
 * non-integers it is `Date#toISOString` itself (which throws a RangeError for an invalid time, as before).
 */
export function isoTime(ms: number): string {
  if (!(ms >= 0 && ms < YEAR_10000_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  let text = recentTimes.get(ms);
  if (text === undefined) {
    text = formatIso(ms);
    if (recentTimes.size >= MAX_TIMES) recentTimes.clear();
    recentTimes.set(ms, text);
  }
  return text;
}

function formatIso(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    if (dayPrefixes.size >= MAX_DAYS) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${prefix}${two(hours)}:${two(minutes)}:${two(seconds)}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const DAY_MS = 86_400_000;
const YEAR_10000_MS = 253_402_300_800_000;
const MAX_DAYS = 1000;
const MAX_TIMES = 4096;
const recentTimes = new Map<number, string>();
const dayPrefixes = new Map<number, string>();
