/**
 * The logging surface the library uses. Powertools' Logger satisfies it in Lambda; the CLI passes a
 * stderr logger so that stdout stays clean for `--json` output.
 */
export interface Logger {
  debug(message: string, ...extra: unknown[]): void;
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/** JSON lines on stderr, for the local runtime and the CLI. */
export function createStderrLogger(level: LogLevel = 'info', keys: Record<string, unknown> = {}): Logger {
  return createLineLogger({ level, keys, write: (line) => process.stderr.write(line) });
}

export interface LineLoggerOptions {
  level?: LogLevel;
  keys?: Record<string, unknown>;
  /** Where each line goes (stderr, a file); gets the line with its newline. */
  write: (line: string) => void;
  /** 'json' (default) for machines; 'human' for a terminal: `12:00:01 WARN  message key=value`. */
  format?: 'json' | 'human';
  now?: () => number;
}

/** One log line per call, JSON for machines or a short human line for the terminal. */
export function createLineLogger(options: LineLoggerOptions): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const keys = options.keys ?? {};
  const now = options.now ?? Date.now;
  const write = (lvl: Exclude<LogLevel, 'silent'>, message: string, extra: unknown[]) => {
    if (LEVELS[lvl] < min) return;
    const fields = Object.assign(
      {},
      keys,
      ...extra.map((e) => (e && typeof e === 'object' ? serialise(e) : { extra: e })),
    );
    const timestamp = new Date(now()).toISOString();
    if (options.format === 'human') {
      const pairs = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      options.write(
        `${timestamp.slice(11, 19)} ${lvl.toUpperCase().padEnd(5)} ${message}${pairs ? ` ${pairs}` : ''}\n`,
      );
      return;
    }
    options.write(`${JSON.stringify({ level: lvl.toUpperCase(), timestamp, message, ...fields })}\n`);
  };
  return {
    debug: (m, ...e) => write('debug', m, e),
    info: (m, ...e) => write('info', m, e),
    warn: (m, ...e) => write('warn', m, e),
    error: (m, ...e) => write('error', m, e),
  };
}

/** Every line to each of the loggers (a file at one level, the terminal at another). */
export function teeLogger(...loggers: Logger[]): Logger {
  const each =
    (level: keyof Logger) =>
    (message: string, ...extra: unknown[]): void => {
      for (const logger of loggers) logger[level](message, ...extra);
    };
  return { debug: each('debug'), info: each('info'), warn: each('warn'), error: each('error') };
}

function serialise(value: object): Record<string, unknown> {
  if (value instanceof Error) return { error: { name: value.name, message: value.message } };
  return value as Record<string, unknown>;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
