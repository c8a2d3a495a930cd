import { describe, expect, it } from 'vitest';
import { type PolicyGuards, policyGuardsSchema, timeWindowsSchema } from '../../lib/remediation/config.js';
import {
  blastRadiusVerdicts,
  budgetGuard,
  cooldownGuard,
  type Facts,
  formatDuration,
  inTimeWindows,
  type JobLedger,
  persistenceGuard,
  readFacts,
  stateGuard,
  timeWindowGuard,
  vendorAutoRestartGuard,
} from '../../lib/remediation/guards.js';

const guards = (overrides: Partial<PolicyGuards> = {}): PolicyGuards => ({
  ...policyGuardsSchema.parse({}),
  ...overrides,
});

// 2026-11-23 is a Monday.
const MON_0300_UTC = Date.UTC(2026, 10, 23, 3, 0);
const MIN = 60_000;

describe('stateGuard', () => {
  const rows: {
    rule: string;
    kind?: 'job' | 'queue';
    facts: Facts;
    action?: 'restart' | 'resume' | 'pause' | 'resubmit';
    fromStates?: ('FAILED' | 'STOPPED' | 'RUNNING' | 'SUCCEEDED')[];
    want: string;
  }[] = [
    { rule: 'A failed job may be restarted by default.', facts: { state: 'FAILED' }, want: 'pass' },
    {
      rule: 'A job a person stopped is never acted on, even when the policy covers STOPPED.',
      facts: { state: 'STOPPED', stateCause: 'user' },
      fromStates: ['STOPPED'],
      want: 'stopped-by-user',
    },
    {
      rule: 'A job a person paused is never resumed.',
      facts: { state: 'PAUSED', stateCause: 'user' },
      action: 'resume',
      want: 'stopped-by-user',
    },
    {
      rule: 'A stopped job with an unknown cause counts as a person stopping it.',
      facts: { state: 'STOPPED' },
      fromStates: ['STOPPED'],
      want: 'cause-unknown',
    },
    {
      rule: 'A paused job with an unknown cause is not resumed.',
      facts: { state: 'PAUSED' },
      action: 'resume',
      want: 'cause-unknown',
    },
    {
      rule: 'A system stop is acted on when the policy covers STOPPED.',
      facts: { state: 'STOPPED', stateCause: 'system' },
      fromStates: ['STOPPED'],
      want: 'pass',
    },
    {
      rule: 'A system stop is not acted on when the policy does not cover STOPPED.',
      facts: { state: 'STOPPED', stateCause: 'system' },
      want: 'state-not-covered',
    },
    {
      rule: 'A terminal SUCCEEDED state is not covered by restart by default.',
      facts: { state: 'SUCCEEDED' },
      want: 'state-not-covered',
    },
    {
      rule: 'fromStates replaces the action defaults: a FAILED job is not covered by [RUNNING].',
      facts: { state: 'FAILED' },
      fromStates: ['RUNNING'],
      want: 'state-not-covered',
    },
    {
      rule: 'resubmit only acts from FAILED by default.',
      facts: { state: 'RUNNING' },
      action: 'resubmit',
      want: 'state-not-covered',
    },
    { rule: 'An unknown state is never acted on.', facts: { state: 'UNKNOWN' }, want: 'state-unknown' },
    { rule: 'A missing state is never acted on.', facts: {}, want: 'state-unknown' },
    {
      rule: 'Queues have no job state: the state guard does not apply.',
      kind: 'queue',
      facts: {},
      want: 'pass',
    },
  ];
  it.each(rows)('$rule', ({ kind, facts, action, fromStates, want }) => {
    const verdict = stateGuard(kind ?? 'job', facts, action ?? 'restart', fromStates);
    expect(verdict.pass ? 'pass' : verdict.code).toBe(want);
    if (!verdict.pass) expect(verdict.reason.length).toBeGreaterThan(10);
  });
});

describe('vendorAutoRestartGuard', () => {
  const rows = [
    {
      rule: "A restart is left to the vendor when the vendor's auto-restart is on.",
      autoRestart: true,
      action: 'restart' as const,
      respect: true,
      want: 'vendor-auto-restart',
    },
    {
      rule: 'Restart from checkpoint is a restart too.',
      autoRestart: true,
      action: 'restart-from-checkpoint' as const,
      respect: true,
      want: 'vendor-auto-restart',
    },
    {
      rule: 'A non-restart action (stop) is not affected by the vendor auto-restart.',
      autoRestart: true,
      action: 'stop' as const,
      respect: true,
      want: 'pass',
    },
    {
      rule: 'Auto-restart off: restart proceeds.',
      autoRestart: false,
      action: 'restart' as const,
      respect: true,
      want: 'pass',
    },
    {
      rule: 'Auto-restart unknown: restart proceeds.',
      autoRestart: undefined,
      action: 'restart' as const,
      respect: true,
      want: 'pass',
    },
    {
      rule: 'A policy may opt out of respecting the vendor.',
      autoRestart: true,
      action: 'restart' as const,
      respect: false,
      want: 'pass',
    },
  ];
  it.each(rows)('$rule', ({ autoRestart, action, respect, want }) => {
    const facts: Facts = autoRestart === undefined ? {} : { autoRestart };
    const verdict = vendorAutoRestartGuard(facts, action, guards({ respectVendorAutoRestart: respect }));
    expect(verdict.pass ? 'pass' : verdict.code).toBe(want);
  });
});

describe('persistenceGuard', () => {
  const rows = [
    { rule: 'Seen on 1 of 3 polls: wait.', polls: 1, need: 3, want: 'not-persisted' },
    { rule: 'Seen on 2 of 3 polls: wait.', polls: 2, need: 3, want: 'not-persisted' },
    { rule: 'Seen on 3 of 3 polls: act.', polls: 3, need: 3, want: 'pass' },
    { rule: 'Seen longer than needed: act.', polls: 9, need: 3, want: 'pass' },
    {
      rule: 'Unknown count is one poll: enough when one is needed.',
      polls: undefined,
      need: 1,
      want: 'pass',
    },
    {
      rule: 'Unknown count is one poll: not enough when two are.',
      polls: undefined,
      need: 2,
      want: 'not-persisted',
    },
  ];
  it.each(rows)('$rule', ({ polls, need, want }) => {
    const facts: Facts = polls === undefined ? {} : { pollsFiring: polls };
    const verdict = persistenceGuard(facts, guards({ persistPolls: need }));
    expect(verdict.pass ? 'pass' : verdict.code).toBe(want);
  });
});

describe('time windows', () => {
  const nightly = timeWindowsSchema.parse({ when: 'inside', ranges: [{ start: '01:00', end: '05:00' }] });
  const overnight = timeWindowsSchema.parse({
    when: 'inside',
    ranges: [{ days: ['fri'], start: '22:00', end: '06:00' }],
  });
  const shanghaiBusiness = timeWindowsSchema.parse({
    when: 'outside',
    timezone: 'Asia/Shanghai',
    ranges: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' }],
  });
  const FRI_2300 = Date.UTC(2026, 10, 27, 23, 0);
  const SAT_0500 = Date.UTC(2026, 10, 28, 5, 0);
  const SAT_2300 = Date.UTC(2026, 10, 28, 23, 0);
  const rows = [
    {
      rule: '03:00 is inside 01:00-05:00.',
      windows: nightly,
      atMs: MON_0300_UTC,
      inside: true,
      want: 'pass',
    },
    {
      rule: 'The end minute is outside the window.',
      windows: nightly,
      atMs: MON_0300_UTC + 2 * 60 * MIN,
      inside: false,
      want: 'time-window',
    },
    {
      rule: 'The start minute is inside.',
      windows: nightly,
      atMs: MON_0300_UTC - 2 * 60 * MIN,
      inside: true,
      want: 'pass',
    },
    {
      rule: 'A Friday overnight range covers Friday 23:00.',
      windows: overnight,
      atMs: FRI_2300,
      inside: true,
      want: 'pass',
    },
    {
      rule: 'A Friday overnight range covers Saturday 05:00 (past midnight).',
      windows: overnight,
      atMs: SAT_0500,
      inside: true,
      want: 'pass',
    },
    {
      rule: 'A Friday overnight range does not cover Saturday 23:00.',
      windows: overnight,
      atMs: SAT_2300,
      inside: false,
      want: 'time-window',
    },
    {
      rule: 'Monday 03:00 UTC is 11:00 in Shanghai: inside business hours, so an `outside` window blocks.',
      windows: shanghaiBusiness,
      atMs: MON_0300_UTC,
      inside: true,
      want: 'time-window',
    },
    {
      rule: 'Monday 12:00 UTC is 20:00 in Shanghai: outside business hours, so acting is allowed.',
      windows: shanghaiBusiness,
      atMs: MON_0300_UTC + 9 * 60 * MIN,
      inside: false,
      want: 'pass',
    },
  ];
  it.each(rows)('$rule', ({ windows, atMs, inside, want }) => {
    expect(inTimeWindows(windows, atMs)).toBe(inside);
    const verdict = timeWindowGuard(guards({ windows }), atMs);
    expect(verdict.pass ? 'pass' : verdict.code).toBe(want);
  });

  it('passes when no window is configured', () => {
    expect(timeWindowGuard(guards(), MON_0300_UTC).pass).toBe(true);
  });

  it('rejects an unknown time zone and a malformed time at config load', () => {
    expect(
      timeWindowsSchema.safeParse({
        when: 'inside',
        timezone: 'Mars/Olympus',
        ranges: [{ start: '01:00', end: '02:00' }],
      }).success,
    ).toBe(false);
    expect(
      timeWindowsSchema.safeParse({ when: 'inside', ranges: [{ start: '25:00', end: '02:00' }] }).success,
    ).toBe(false);
  });
});

describe('budget (sliding window) and cooldown', () => {
  const ledgerAt = (...agoMin: number[]): JobLedger => ({
    actions: agoMin
      .sort((a, b) => b - a)
      .map((ago) => ({ atMs: MON_0300_UTC - ago * MIN, action: 'restart' as const, policy: 'p' })),
  });
  const budgetRows = [
    { rule: 'No actions yet: within budget.', ledger: ledgerAt(), want: 'pass' },
    { rule: 'Two of three used in the hour: within budget.', ledger: ledgerAt(50, 20), want: 'pass' },
    {
      rule: 'Three of three used in the hour: exhausted.',
      ledger: ledgerAt(50, 30, 10),
      want: 'budget-exhausted',
    },
    {
      rule: 'The budget decays: an action 61 minutes ago no longer counts.',
      ledger: ledgerAt(61, 30, 10),
      want: 'pass',
    },
    {
      rule: 'An action exactly one window ago has left the window.',
      ledger: ledgerAt(60, 30, 10),
      want: 'pass',
    },
  ];
  it.each(budgetRows)('$rule', ({ ledger, want }) => {
    const verdict = budgetGuard(ledger, guards({ budget: { max: 3, windowSeconds: 3600 } }), MON_0300_UTC);
    expect(verdict.pass ? 'pass' : verdict.code).toBe(want);
  });

  const cooldownRows = [
    { rule: 'No previous action: no cooldown.', ledger: ledgerAt(), cooldownSeconds: 600, want: 'pass' },
    {
      rule: 'Last action 5 minutes ago, cooldown 10: wait.',
      ledger: ledgerAt(5),
      cooldownSeconds: 600,
      want: 'cooldown',
    },
    {
      rule: 'Last action 10 minutes ago, cooldown 10: act.',
      ledger: ledgerAt(10),
      cooldownSeconds: 600,
      want: 'pass',
    },
    {
      rule: 'Only the latest action counts.',
      ledger: ledgerAt(40, 2),
      cooldownSeconds: 600,
      want: 'cooldown',
    },
    { rule: 'A zero cooldown never waits.', ledger: ledgerAt(0), cooldownSeconds: 0, want: 'pass' },
  ];
  it.each(cooldownRows)('$rule', ({ ledger, cooldownSeconds, want }) => {
    const verdict = cooldownGuard(ledger, guards({ cooldownSeconds }), MON_0300_UTC);
    expect(verdict.pass ? 'pass' : verdict.code).toBe(want);
  });

  it('says how much budget was used and over which window', () => {
    const verdict = budgetGuard(ledgerAt(50, 30, 10), guards(), MON_0300_UTC);
    expect(verdict).toMatchObject({
      pass: false,
      reason: expect.stringContaining('3/3 actions on this job in the last 1h'),
    });
  });
});

describe('blastRadiusVerdicts', () => {
  const limits = { maxJobs: 4, maxTargetPercent: 25 };
  const job = (targetId: string, n: number, targetJobCount?: number) => ({
    targetId,
    jobKey: `${targetId}/job-${n}`,
    ...(targetJobCount === undefined ? {} : { targetJobCount }),
  });
  const rows = [
    { rule: 'One job on a 100-job target: act.', candidates: [job('a', 1, 100)], want: ['pass'] },
    {
      rule: 'One job is always allowed, even when it is the only job of its target (100%).',
      candidates: [job('a', 1, 1)],
      want: ['pass'],
    },
    {
      rule: 'Two of eight jobs (25%) on one target: at the cap, act.',
      candidates: [job('a', 1, 8), job('a', 2, 8)],
      want: ['pass', 'pass'],
    },
    {
      rule: 'Three of eight jobs (37%) on one target: over the share, act on none of that target.',
      candidates: [job('a', 1, 8), job('a', 2, 8), job('a', 3, 8), job('b', 1, 100)],
      want: ['blast-radius', 'blast-radius', 'blast-radius', 'pass'],
    },
    {
      rule: 'Five jobs in one run against a cap of four: act on none.',
      candidates: [job('a', 1), job('b', 1), job('c', 1), job('d', 1), job('e', 1)],
      want: ['blast-radius', 'blast-radius', 'blast-radius', 'blast-radius', 'blast-radius'],
    },
    {
      rule: 'Two findings on one job count as one job.',
      candidates: [job('a', 1), job('a', 1), job('b', 1), job('c', 1), job('d', 1)],
      want: ['pass', 'pass', 'pass', 'pass', 'pass'],
    },
    {
      rule: 'Without a job count only the per-run cap applies.',
      candidates: [job('a', 1), job('a', 2), job('a', 3)],
      want: ['pass', 'pass', 'pass'],
    },
  ];
  it.each(rows)('$rule', ({ candidates, want }) => {
    expect(blastRadiusVerdicts(candidates, limits).map((v) => (v.pass ? 'pass' : v.code))).toEqual(want);
  });
});

describe('readFacts', () => {
  it('reads what detection puts in values and ignores what it cannot trust', () => {
    expect(
      readFacts({
        state: 'FAILED',
        vendorState: 'job_running_exception',
        stateCause: 'system',
        autoRestart: false,
        pollsFiring: 2,
        targetJobCount: '40',
      }),
    ).toEqual({
      state: 'FAILED',
      vendorState: 'job_running_exception',
      stateCause: 'system',
      autoRestart: false,
      pollsFiring: 2,
      targetJobCount: 40,
    });
    expect(readFacts({ state: 'BROKEN', stateCause: 'robot', autoRestart: 'yes', pollsFiring: 'x' })).toEqual(
      {},
    );
  });

  it('formats durations for people', () => {
    expect([45_000, 5 * MIN, 60 * MIN, 90 * MIN].map(formatDuration)).toEqual(['45s', '5m', '1h', '1h30m']);
  });
});
