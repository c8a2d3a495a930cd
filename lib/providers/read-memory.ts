/**
 * A warm process's memory of what each job looked like when its detail reads were last made (issue 17,
 * "do less work"), shared by the collectors that skip per-job reads when nothing says they would change.
 * Each poll starts with `beginPoll`; `observeJob` records the job's listing facts and says whether they
 * moved; `fullReadDue` spreads a full read of every job over `fullReadEvery` polls; `endPoll` forgets jobs
 * the poll did not see. A cold start remembers nothing, so it reads everything.
 */

export interface JobMemoryBase {
  /** The job's listing facts as last seen (null and undefined alike stored as undefined). */
  facts: Record<string, string | number | undefined>;
  seenPoll: number;
}

export interface TargetMemory<J extends JobMemoryBase> {
  /** Polls of this target made by this process (the first reads everything: nothing is remembered). */
  poll: number;
  jobs: Map<string, J>;
}

const MAX_TARGETS = 256;

/**
 * One memory per target key, at most MAX_TARGETS of them (the oldest goes first). The key includes the
 * endpoint, so two APIs never share one; each provider makes its own store, so job shapes never mix.
 */
export function readMemoryStore<J extends JobMemoryBase>(): (key: string) => TargetMemory<J> {
  const memories = new Map<string, TargetMemory<J>>();
  return (key) => {
    let memory = memories.get(key);
    if (!memory) {
      if (memories.size >= MAX_TARGETS) memories.delete(memories.keys().next().value as string);
      memory = { poll: -1, jobs: new Map() };
      memories.set(key, memory);
    }
    return memory;
  };
}

/** Starts a poll of the target. */
export function beginPoll(memory: TargetMemory<JobMemoryBase>): void {
  memory.poll += 1;
}

/**
 * Whether this poll reads the job whatever it says: once every `fullReadEvery` polls, on a poll that
 * depends on the job's key, so each poll reads a share of the fleet instead of all of it at once.
 */
export function fullReadDue(
  memory: TargetMemory<JobMemoryBase>,
  key: string,
  fullReadEvery: number,
): boolean {
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) >>> 0;
  return (memory.poll + hash) % fullReadEvery === 0;
}

/** Forgets jobs the (complete) poll did not see, so memory follows the fleet. */
export function endPoll(memory: TargetMemory<JobMemoryBase>): void {
  for (const [key, job] of memory.jobs) if (job.seenPoll !== memory.poll) memory.jobs.delete(key);
}

/**
 * Records the job's listing facts this poll; `changed` when the job is new to this process or any fact
 * differs from the last poll's (null and undefined compare alike).
 */
export function observeJob<J extends JobMemoryBase>(
  memory: TargetMemory<J>,
  key: string,
  facts: Record<string, string | number | null | undefined>,
): { job: J; changed: boolean } {
  const normalized: JobMemoryBase['facts'] = {};
  for (const [name, value] of Object.entries(facts)) normalized[name] = value ?? undefined;
  const before = memory.jobs.get(key);
  const changed =
    !before ||
    Object.keys({ ...before.facts, ...normalized }).some((name) => before.facts[name] !== normalized[name]);
  // What a job remembers beyond its facts is optional: a new job remembers no read.
  const job = before ?? ({ facts: normalized, seenPoll: memory.poll } as J);
  job.facts = normalized;
  job.seenPoll = memory.poll;
  memory.jobs.set(key, job);
  return { job, changed };
}
