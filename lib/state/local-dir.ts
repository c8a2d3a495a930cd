import { lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';

/**
 * The local state directory (`.jobwatch/dynamodb`, the embedded DynamoDB's LevelDB files): checked before
 * dynalite opens it, and watched while the local runtime runs, so a missing, damaged or replaced directory
 * is reported as what it is (and what to do about it) instead of an uncaught "Database is closed", a 30 s
 * wait, EEXIST, or silence.
 */

export type StateDirProblem =
  /** The path exists and is not a directory (or a parent of it is a file). */
  | 'not-a-directory'
  /** No permission, read-only file system, or another I/O failure. */
  | 'inaccessible'
  /** LevelDB refuses the files: CURRENT or MANIFEST corrupt or missing. */
  | 'corrupt'
  /** The table record is incomplete: its log was cut short (crash mid-write, disk full, partial copy). */
  | 'incomplete'
  /** Another process (a second `jobwatch start`?) holds the directory's lock. */
  | 'locked'
  /** Deleted while jobwatch was running. */
  | 'deleted'
  /** Replaced (deleted and recreated, or swapped) while jobwatch was running. */
  | 'replaced';

/** What starting over with empty state means, said once wherever state is lost or refused. */
export const STATE_LOSS_MEANS =
  'Starting with empty state means: detection forgets what it saw, so jobs failing now are reported (and their ' +
  'alerts sent) again as new; alerts already sent are sent again; silences made through the operator API, ' +
  'remediation budgets, cooldowns and the audit trail start over. See docs/reliability.md#state-loss.';

export class StateDirError extends Error {
  override name = 'StateDirError';
  constructor(
    readonly problem: StateDirProblem,
    readonly dir: string,
    what: string,
    readonly todo: string,
    options?: ErrorOptions,
  ) {
    super(`state directory ${dir}: ${what}\n  What to do: ${todo}\n  ${STATE_LOSS_MEANS}`, options);
  }
}

/** Identifies the directory opened at start, so a deleted or swapped one is noticed. */
export interface StateDirIdentity {
  dev: number;
  ino: number;
}

const MOVE_ASIDE = (dir: string) =>
  `stop every jobwatch using it, move it aside (mv ${dir} ${dir}.broken) to keep it for inspection, ` +
  'and start jobwatch again: it creates a new, empty state directory.';

/**
 * Makes sure `dir` can hold jobwatch's state and that LevelDB can open what is already there; throws a
 * StateDirError naming the problem otherwise. Never creates a new database over an existing one.
 */
export async function prepareStateDir(dir: string): Promise<StateDirIdentity> {
  const existing = await lstat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    if (error.code === 'ENOTDIR') throw parentIsAFile(dir, error);
    throw inaccessible(dir, error);
  });
  if (existing && !existing.isDirectory())
    throw new StateDirError(
      'not-a-directory',
      dir,
      `a ${existing.isSymbolicLink() ? 'symbolic link' : 'file'} is where the state directory should be.`,
      `move it away (or point jobwatch at another directory) and start again.`,
    );
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw parentIsAFile(dir, error as NodeJS.ErrnoException);
    throw inaccessible(dir, error as NodeJS.ErrnoException);
  }

  // Without CURRENT, LevelDB would silently start a new database on top of the old files.
  const files = await readdir(dir);
  if (!files.includes('CURRENT') && files.some((f) => /^(MANIFEST-\d+|\d+\.(log|ldb|sst))$/.test(f)))
    throw new StateDirError(
      'corrupt',
      dir,
      'its CURRENT file is missing while LevelDB data files remain; jobwatch will not start a new database over them.',
      MOVE_ASIDE(dir),
    );

  await probeOpen(dir);
  const { dev, ino } = await stat(dir);
  return { dev, ino };
}

/**
 * Checks, while running, that the directory opened at start is still there. The database keeps working
 * from open files for a while after its directory is deleted, then fails at its next compaction, and
 * everything written in between is lost at the next start: the runtime must stop and say so.
 */
export async function checkStateDir(
  dir: string,
  identity: StateDirIdentity,
): Promise<StateDirError | undefined> {
  const now = await stat(dir).catch((error: NodeJS.ErrnoException) => error);
  if (now instanceof Error) {
    if (now.code === 'ENOENT' || now.code === 'ENOTDIR')
      return new StateDirError(
        'deleted',
        dir,
        'it was deleted while jobwatch was running; state written since then cannot be kept.',
        'restore it from a backup if you have one (with jobwatch stopped), or start jobwatch again to begin with empty state.',
      );
    return inaccessible(dir, now);
  }
  if (now.dev !== identity.dev || now.ino !== identity.ino)
    return new StateDirError(
      'replaced',
      dir,
      'it was replaced by another directory while jobwatch was running; jobwatch was still writing to the old one.',
      'stop jobwatch, decide which directory to keep, and start jobwatch again.',
    );
  const current = await stat(`${dir}/CURRENT`).catch((error: NodeJS.ErrnoException) => error);
  if (current instanceof Error)
    return new StateDirError(
      'deleted',
      dir,
      `its files were deleted while jobwatch was running (CURRENT: ${current.code}); state written since then cannot be kept.`,
      'restore it from a backup if you have one (with jobwatch stopped), or start jobwatch again to begin with empty state.',
    );
  return undefined;
}

/** The table record dynalite keeps is in a transitional status that only a cut-short log leaves behind. */
export function incompleteTable(dir: string, tableName: string, status: string): StateDirError {
  return new StateDirError(
    'incomplete',
    dir,
    `table ${tableName} is recorded as ${status}, a state a finished write never leaves: the database log was cut ` +
      'short (a crash or kill during a write, a full disk, or a copy taken while jobwatch ran).',
    MOVE_ASIDE(dir),
  );
}

/** Opens and closes the LevelDB database the way dynalite will, to learn why it would fail. */
async function probeOpen(dir: string) {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const { Level } = fromDynalite('level') as {
    Level: new (
      location: string,
      options: { valueEncoding: string },
    ) => { open(): Promise<void>; close(): Promise<void> };
  };
  const db = new Level(dir, { valueEncoding: 'json' });
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.message ?? (error as Error).message;
    if (cause?.code === 'LEVEL_LOCKED')
      throw new StateDirError(
        'locked',
        dir,
        `another process holds its lock (${detail}): one jobwatch process at a time can use a state directory.`,
        'while `jobwatch start` runs, ask it through its operator API instead (see docs/webhooks.md), or stop it ' +
          'first; to run two monitors, give each its own working directory.',
        { cause: error },
      );
    if (cause?.code === 'LEVEL_CORRUPTION' || /MANIFEST|CURRENT/.test(detail))
      throw new StateDirError('corrupt', dir, `LevelDB cannot open it (${detail}).`, MOVE_ASIDE(dir), {
        cause: error,
      });
    throw new StateDirError(
      'inaccessible',
      dir,
      `LevelDB cannot open it (${detail}).`,
      'check its permissions and free disk space; if the files are damaged, ' + MOVE_ASIDE(dir),
      { cause: error },
    );
  }
  await db.close();
}

function parentIsAFile(dir: string, error: NodeJS.ErrnoException) {
  return new StateDirError(
    'not-a-directory',
    dir,
    'a parent of the state directory is a file, so the directory cannot be created.',
    'move that file away (or point jobwatch at another directory) and start again.',
    { cause: error },
  );
}

function inaccessible(dir: string, error: NodeJS.ErrnoException) {
  return new StateDirError(
    'inaccessible',
    dir,
    `it cannot be used (${error.code ?? error.message}).`,
    'check that jobwatch may read and write it (permissions, read-only file system, free space).',
    { cause: error },
  );
}
