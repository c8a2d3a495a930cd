import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canUpdateSilence,
  createSilence,
  expireSilence,
  listSilences,
  SILENCE_PK,
  type Silence,
  SilenceError,
  silenceInputSchema,
} from '../../lib/alerts/silences.js';
import { createLocalStore } from '../../lib/state/local.js';
import type { Store } from '../../lib/state/store.js';

const NOW = Date.parse('2026-11-23T10:00:00Z');
const HOUR = 3600_000;
let local: Awaited<ReturnType<typeof createLocalStore>>;
let store: Store;

beforeAll(async () => {
  local = await createLocalStore({ now: () => NOW });
  store = local.store;
});
afterAll(async () => {
  await store.close();
  await local.stop();
});

const input = (extra: Record<string, unknown> = {}) =>
  silenceInputSchema.parse({
    matchers: [{ name: 'job', op: '=~', value: 'etl-.*' }],
    endsAt: new Date(NOW + HOUR).toISOString(),
    createdBy: 'ana',
    comment: 'planned backfill',
    ...extra,
  });

describe('silence input', () => {
  it.each([
    // The end is mandatory.
    [{ endsAt: undefined }, /endsAt/],
    // At least one matcher.
    [{ matchers: [] }, /matchers/],
    // Matchers that match everything would mute everything.
    [{ matchers: ['job=~".*"'] }, /mute everything/],
    // Who and why are required.
    [{ comment: ' ' }, /comment/],
    // End after start.
    [{ startsAt: NOW + 2 * HOUR }, /after startsAt/],
  ])('%j is rejected', (extra, message) => {
    const result = silenceInputSchema.safeParse({
      matchers: ['job="a"'],
      endsAt: NOW + HOUR,
      createdBy: 'ana',
      comment: 'why',
      ...extra,
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(message);
  });
});

describe('canUpdateSilence (AM canUpdate)', () => {
  const base: Silence = {
    id: 's',
    matchers: [{ name: 'job', op: '=', value: 'a' }],
    startsAtMs: NOW - HOUR,
    endsAtMs: NOW + HOUR,
    createdBy: 'ana',
    comment: 'c',
    createdAtMs: NOW - HOUR,
  };
  it.each([
    // Active: extending the end in place is fine.
    [base, { endsAtMs: NOW + 2 * HOUR }, true],
    // Active: moving the start would rewrite what was muted.
    [base, { startsAtMs: NOW - 2 * HOUR }, false],
    // Active: an end in the past is an expiry, not an edit.
    [base, { endsAtMs: NOW - 1 }, false],
    // Different matchers are a different silence.
    [base, { matchers: [{ name: 'job', op: '=', value: 'b' }] }, false],
    // Pending: may move its start, but not into the past.
    [{ ...base, startsAtMs: NOW + HOUR, endsAtMs: NOW + 2 * HOUR }, { startsAtMs: NOW + 30 * 60_000 }, true],
    [{ ...base, startsAtMs: NOW + HOUR, endsAtMs: NOW + 2 * HOUR }, { startsAtMs: NOW - 1 }, false],
    // Expired: history, never edited.
    [{ ...base, endsAtMs: NOW - 1 }, { endsAtMs: NOW + HOUR }, false],
  ] as const)('%j + %j -> %s', (current, change, expected) => {
    expect(canUpdateSilence(current as Silence, { ...current, ...change } as Silence, NOW)).toBe(expected);
  });
});

describe('silences in the Store', () => {
  it('creates, lists, edits in place, replaces on a history-changing edit, and expires', async () => {
    const created = await createSilence(store, input(), NOW);
    expect(created.startsAtMs).toBe(NOW);
    expect((await listSilences(store, NOW)).map((s) => s.id)).toContain(created.id);

    const extended = await createSilence(
      store,
      input({ id: created.id, endsAt: NOW + 2 * HOUR }),
      NOW + 60_000,
    );
    expect(extended.id).toBe(created.id);
    expect(extended.endsAtMs).toBe(NOW + 2 * HOUR);

    const replaced = await createSilence(
      store,
      input({ id: created.id, matchers: ['job="etl-1"'] }),
      NOW + 120_000,
    );
    expect(replaced.id).not.toBe(created.id);
    const old = await store.get<Silence>(SILENCE_PK, created.id, { consistent: true });
    expect(old?.data.endsAtMs).toBe(NOW + 120_000);
    expect(old?.expiresAtSec).toBe(Math.floor((NOW + 120_000) / 1000) + 5 * 24 * 3600);

    const expired = await expireSilence(store, replaced.id, NOW + 180_000);
    expect(expired?.expiredAtMs).toBe(NOW + 180_000);
    const active = await listSilences(store, NOW + 180_000);
    expect(active.map((s) => s.id)).not.toContain(replaced.id);
    const all = await listSilences(store, NOW + 180_000, { includeExpired: true });
    expect(all.map((s) => s.id)).toEqual(expect.arrayContaining([created.id, replaced.id]));
    expect(await expireSilence(store, 'missing', NOW)).toBeUndefined();
  });

  it('refuses a silence that already ended', async () => {
    await expect(createSilence(store, input({ endsAt: NOW - 1 }), NOW)).rejects.toBeInstanceOf(SilenceError);
  });

  it('concurrent edits of one silence all land in place: one silence, one of the asked ends', async () => {
    const s = await createSilence(store, input(), NOW);
    const before = await listSilences(store, NOW + 1000, { includeExpired: true });
    const ends = [2, 3, 4, 5].map((h) => NOW + h * HOUR);
    const edited = await Promise.all(
      ends.map((endsAt) => createSilence(store, input({ id: s.id, endsAt }), NOW + 1000)),
    );
    expect(edited.map((e) => e.id)).toEqual([s.id, s.id, s.id, s.id]);
    const after = await listSilences(store, NOW + 1000, { includeExpired: true });
    expect(after.map((x) => x.id)).toEqual(before.map((x) => x.id));
    expect(ends).toContain(after.find((x) => x.id === s.id)?.endsAtMs);
  });

  it('concurrent expiries of one silence both succeed and agree', async () => {
    const s = await createSilence(store, input(), NOW);
    const [a, b] = await Promise.all([
      expireSilence(store, s.id, NOW + 1000),
      expireSilence(store, s.id, NOW + 1000),
    ]);
    expect(a?.endsAtMs).toBe(NOW + 1000);
    expect(b?.endsAtMs).toBe(NOW + 1000);
  });
});
