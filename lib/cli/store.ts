import { readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { createDocumentClient } from '../state/dynamo.js';
import { createDynamoStore, createLocalStore } from '../state/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../state/local.js';
import type { Store } from '../state/store.js';

export interface OpenedStore {
  store: Store;
  describe: string;
  /**
   * Whether the store is still where it was opened: a StateDirError when the local state directory was
   * deleted or replaced since (the local runtime checks on a timer); nothing to check for a remote table.
   */
  check(): Promise<Error | undefined>;
  close(): Promise<void>;
}

/**
 * The configured DynamoDB table when `state.endpoint` is set (or in AWS), else an embedded dynalite
 * persisted under .jobwatch/ (or in memory for throwaway runs): one code path in every case.
 */
export async function openStore(
  config: Config,
  options: {
    /** The clock the pipeline runs on: the store judges TTLs by it. */
    now: () => number;
    /** Where dynalite persists; null keeps it in memory. */
    dir?: string | null;
    /** The runtime owns its state: refuse (StateInUseError) when another process already serves it. */
    exclusive?: boolean;
    tableName?: string;
  },
): Promise<OpenedStore> {
  const tableName = options.tableName ?? config.state.tableName;
  if (config.state.endpoint) {
    const store = createDynamoStore({
      tableName,
      endpoint: config.state.endpoint,
      now: options.now,
      ...(config.state.region ? { region: config.state.region } : {}),
    });
    return {
      store,
      describe: `DynamoDB table ${tableName} at ${config.state.endpoint}`,
      check: async () => undefined,
      close: () => store.close(),
    };
  }
  const dir = options.dir === null ? undefined : (options.dir ?? resolve('.jobwatch', 'dynamodb'));
  if (dir) {
    // LevelDB lets one process open a folder: a second jobwatch (status, history, events tail) talks to
    // the running one's dynalite over HTTP instead of failing with "Database is closed".
    const running = await runningServer(dir);
    if (running) {
      if (options.exclusive)
        throw new StateInUseError(
          `another jobwatch (pid ${running.pid}) is running with the state in ${dir}; stop it first (Ctrl-C), or run this one from another folder`,
        );
      const client = createDocumentClient({
        endpoint: running.endpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      });
      const store = createDynamoStore({ tableName, client, now: options.now });
      return {
        store,
        describe: `embedded dynalite of the running jobwatch (pid ${running.pid}, ${dir})`,
        // The running jobwatch watches its own directory.
        check: async () => undefined,
        close: () => store.close(),
      };
    }
  }
  const local = await createLocalStore({ tableName, now: options.now, ...(dir ? { dir } : {}) });
  const serverFile = dir ? `${dir}${SERVER_FILE_SUFFIX}` : undefined;
  if (serverFile)
    await writeFile(serverFile, JSON.stringify({ pid: process.pid, endpoint: local.endpoint })).catch(
      () => undefined,
    );
  return {
    store: local.store,
    describe: dir
      ? `embedded dynalite (${dir}, table ${tableName})`
      : `embedded dynalite (in memory, table ${tableName})`,
    check: () => local.check(),
    close: async () => {
      if (serverFile) await rm(serverFile, { force: true }).catch(() => undefined);
      await local.store.close();
      await local.stop();
    },
  };
}

/** Next to the state folder: which process serves it, and where. */
const SERVER_FILE_SUFFIX = '.server.json';

export class StateInUseError extends Error {
  override name = 'StateInUseError';
}

/** The process serving `dir` when it is alive and answering; a stale file (a killed process) is removed. */
export async function runningServer(dir: string): Promise<{ pid: number; endpoint: string } | undefined> {
  const file = `${dir}${SERVER_FILE_SUFFIX}`;
  let info: { pid?: unknown; endpoint?: unknown };
  try {
    info = JSON.parse(await readFile(file, 'utf8')) as typeof info;
  } catch {
    return undefined;
  }
  const pid = typeof info.pid === 'number' ? info.pid : undefined;
  const endpoint = typeof info.endpoint === 'string' ? info.endpoint : undefined;
  if (
    pid !== undefined &&
    endpoint !== undefined &&
    pid !== process.pid &&
    alive(pid) &&
    (await answers(endpoint))
  )
    return { pid, endpoint };
  if (pid === process.pid) return undefined;
  await rm(file, { force: true }).catch(() => undefined);
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(endpoint, { method: 'GET', signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}
