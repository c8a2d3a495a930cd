import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildEvent, checkedEvent, type EventInput } from '../../lib/events/build.js';
import { jobwatchEventSchema } from '../../lib/events/schema.js';
import { Driver, makeJob } from '../detect/factories.js';
import { dliJobInput } from './helpers.js';

const job = dliJobInput();
const base = (): EventInput => ({
  ...job,
  resource: { ...job.resource, instanceId: '7', jobKind: 'flink-stream' },
  labels: { team: 'data' },
  links: [{ title: 'console', url: 'https://example.com' }],
  values: { state: 'FAILED' },
  extras: { polls: 2, gone: false, note: null },
  observedAtMs: Date.UTC(2026, 10, 23, 3, 1, 0),
  occurrence: 2,
  diagnosis: {
    category: 'network',
    summary: 'Network failure: java.net.ConnectException: Connection refused',
    hint: 'Check the endpoint.',
    rootCause: 'java.net.ConnectException: Connection refused',
    evidence: [
      { label: 'state', value: 'FAILED for 5m', atMs: Date.UTC(2026, 10, 23, 2, 55, 0) },
      { label: 'instance', value: '7' },
    ],
  },
});

/** The candidate buildEvent validates, before validation. */
function candidateOf(input: EventInput) {
  const event = buildEvent(base());
  return {
    ...event,
    data: {
      ...event.data,
      ...input,
      labels: input.labels ?? {},
      links: input.links ?? [],
      values: { ...input.values, ...input.extras },
    },
  };
}

const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(1.5),
  fc.constant(2 ** 60),
  fc.constant(''),
  fc.constant('job.exploded'),
  fc.constant('project'),
  fc.constant('flink-stream'),
  fc.constant([]),
  fc.constant({}),
  fc.constant({ extra: 1 }),
  fc.string(),
  fc.integer(),
  fc.boolean(),
);

/** Paths into the candidate whose value the property replaces with junk. */
const PATHS = [
  ['data', 'type'],
  ['data', 'provider'],
  ['data', 'targetId'],
  ['data', 'region'],
  ['data', 'severity'],
  ['data', 'status'],
  ['data', 'title'],
  ['data', 'summary'],
  ['data', 'startsAtMs'],
  ['data', 'endsAtMs'],
  ['data', 'observedAtMs'],
  ['data', 'occurrence'],
  ['data', 'fingerprint'],
  ['data', 'diagnosis'],
  ['data', 'diagnosis', 'category'],
  ['data', 'diagnosis', 'summary'],
  ['data', 'diagnosis', 'rootCause'],
  ['data', 'diagnosis', 'extra'],
  ['data', 'diagnosis', 'evidence'],
  ['data', 'diagnosis', 'evidence', '0'],
  ['data', 'diagnosis', 'evidence', '0', 'atMs'],
  ['data', 'diagnosis', 'evidence', '1', 'value'],
  ['data', 'labels'],
  ['data', 'labels', 'team'],
  ['data', 'links'],
  ['data', 'links', '0'],
  ['data', 'links', '0', 'url'],
  ['data', 'values'],
  ['data', 'values', 'state'],
  ['data', 'resource'],
  ['data', 'resource', 'key'],
  ['data', 'resource', 'kind'],
  ['data', 'resource', 'name'],
  ['data', 'resource', 'vendorId'],
  ['data', 'resource', 'instanceId'],
  ['data', 'resource', 'jobKind'],
  ['data', 'resource', 'extra'],
  ['data', 'resource', 'scope'],
  ['data', 'resource', 'scope', 'kind'],
  ['data', 'resource', 'scope', 'id'],
  ['data', 'resource', 'scope', 'name'],
  ['id'],
  ['source'],
  ['subject'],
  ['type'],
  ['time'],
];

function setPath(root: Record<string, unknown>, path: string[], value: unknown): void {
  let node = root;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== 'object' || child === null) return;
    node = child as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

describe('buildEvent validation without zod', () => {
  it('returns exactly what the zod schema returns for a valid event (members, order, stripped extras)', () => {
    const candidate = candidateOf(base());
    (candidate.data.resource as unknown as Record<string, unknown>).extra = 'dropped';
    const checked = checkedEvent(candidate);
    const parsed = jobwatchEventSchema.parse(candidate);
    expect(checked).toEqual(parsed);
    expect(JSON.stringify(checked)).toBe(JSON.stringify(parsed));
  });

  it('accepts an event only when the zod schema accepts it, and then gives the same value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...PATHS), junk), { minLength: 1, maxLength: 3 }),
        (edits) => {
          const candidate = structuredClone(candidateOf(base())) as unknown as Record<string, unknown>;
          for (const [path, value] of edits) setPath(candidate, path, value);
          const zod = jobwatchEventSchema.safeParse(candidate);
          const checked = checkedEvent(candidate as unknown as Parameters<typeof checkedEvent>[0]);
          if (checked !== undefined) {
            expect(zod.success).toBe(true);
            expect(JSON.stringify(checked)).toBe(JSON.stringify(zod.data));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('buildEvent, which skips the shape check of what it made itself, returns what the schema returns', () => {
    // Drafts as detection makes them (firing with diagnosis and health, resolved), and the test's own.
    const driver = new Driver({ rules: { hysteresis: { firePolls: 1, resolvePolls: 1 } } });
    const events = [0, 1, 2, 3].flatMap((at) =>
      driver.poll({ at, jobs: [makeJob({ state: at % 2 === 1 ? 'FAILED' : 'RUNNING' })] }),
    );
    events.push(
      buildEvent(base()),
      buildEvent({ ...base(), status: 'resolved', endsAtMs: base().startsAtMs }),
    );
    expect(events.length).toBeGreaterThanOrEqual(5);
    // Undefined members written out too.
    const text = (value: unknown) =>
      JSON.stringify(value, (_, member) => (member === undefined ? 'UNDEFINED' : member));
    for (const event of events) expect(text(event)).toBe(text(jobwatchEventSchema.parse(event)));
  });

  it('still throws the zod error, naming the field, for invalid input', () => {
    expect(() => buildEvent({ ...base(), type: 'job.exploded' } as never)).toThrow(/type/);
    expect(() => buildEvent({ ...base(), startsAtMs: 1.5 })).toThrow(/startsAtMs/);
    expect(() => buildEvent({ ...base(), extras: { bad: Number.NaN } })).toThrow(/values/);
  });
});
