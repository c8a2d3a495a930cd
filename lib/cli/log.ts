import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createLineLogger, type Logger, type LogLevel, teeLogger } from '../observability/logger.js';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** JOBWATCH_LOG_LEVEL when it names a level; otherwise the fallback. */
export function envLogLevel(fallback: LogLevel): LogLevel {
  const raw = process.env.JOBWATCH_LOG_LEVEL?.toLowerCase();
  return raw && (LEVELS as readonly string[]).includes(raw) ? (raw as LogLevel) : fallback;
}

/**
 * The long-running command's loggers: machine (JSON) lines at info to a file, and on the terminal only
 * warnings as short human lines, unless --verbose puts the JSON lines there too.
 */
export function cliLogger(options: { verbose: boolean; file?: string }): {
  logger: Logger;
  close: () => Promise<void>;
} {
  const terminal = options.verbose
    ? createLineLogger({ level: envLogLevel('info'), write: (line) => process.stderr.write(line) })
    : createLineLogger({
        level: envLogLevel('warn'),
        format: 'human',
        write: (line) => process.stderr.write(line),
      });
  if (!options.file) return { logger: terminal, close: async () => undefined };
  mkdirSync(dirname(options.file), { recursive: true });
  const stream = createWriteStream(options.file, { flags: 'a' });
  stream.on('error', () => undefined);
  const file = createLineLogger({ level: envLogLevel('info'), write: (line) => stream.write(line) });
  return {
    logger: teeLogger(terminal, file),
    close: () => new Promise<void>((done) => stream.end(() => done())),
  };
}
