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
  const min = LEVELS[level];
  const write = (lvl: Exclude<LogLevel, 'silent'>, message: string, extra: unknown[]) => {
    if (LEVELS[lvl] < min) return;
    const fields = Object.assign(
      {},
      keys,
      ...extra.map((e) => (e && typeof e === 'object' ? serialise(e) : { extra: e })),
    );
    process.stderr.write(
      `${JSON.stringify({ level: lvl.toUpperCase(), timestamp: new Date().toISOString(), message, ...fields })}\n`,
    );
  };
  return {
    debug: (m, ...e) => write('debug', m, e),
    info: (m, ...e) => write('info', m, e),
    warn: (m, ...e) => write('warn', m, e),
    error: (m, ...e) => write('error', m, e),
  };
}

function serialise(value: object): Record<string, unknown> {
  if (value instanceof Error) return { error: { name: value.name, message: value.message } };
  return value as Record<string, unknown>;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
