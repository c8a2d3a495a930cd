import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config/index.js';
import { configWith } from './helpers.js';

/** Policies go through the production loader (YAML -> zod), as a user's jobwatch.yml would. */

function problems(remediation: Record<string, unknown>): string[] {
  try {
    configWith(remediation);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('remediation config', () => {
  it('defaults to dry-run with safe guardrails', () => {
    const config = configWith({
      policies: [{ name: 'p', match: { types: ['job.failed'] }, action: 'restart' }],
    });
    expect(config.remediation.mode).toBe('dry-run');
    expect(config.remediation.blastRadius).toEqual({ maxJobs: 5, maxTargetPercent: 25 });
    expect(config.remediation.policies[0]).toMatchObject({
      action: { type: 'restart', params: {} },
      guards: {
        budget: { max: 3, windowSeconds: 3600 },
        cooldownSeconds: 300,
        persistPolls: 1,
        respectVendorAutoRestart: true,
      },
      verify: { timeoutSeconds: 300, intervalSeconds: 10 },
    });
    expect(configWith({}).remediation.policies).toEqual([]);
  });

  it('loads the example in docs/remediation.md', async () => {
    const doc = await readFile(new URL('../../docs/remediation.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const { parse } = await import('yaml');
    const config = configWith((parse(yaml) as { remediation: Record<string, unknown> }).remediation);
    expect(config.remediation.policies[0]?.guards.windows?.timezone).toBe('Asia/Shanghai');
  });

  const rows: { rule: string; remediation: Record<string, unknown>; want: RegExp }[] = [
    {
      rule: 'An unknown action is refused and the valid ones are listed.',
      remediation: { policies: [{ name: 'p', match: { types: ['job.failed'] }, action: 'reboot' }] },
      want: /remediation\.policies\[0\]\.action.*restart/,
    },
    {
      rule: 'Remediation events cannot trigger remediation.',
      remediation: { policies: [{ name: 'p', match: { types: ['remediation.failed'] }, action: 'restart' }] },
      want: /remediation\.policies\[0\]\.match\.types\[0\]/,
    },
    {
      rule: 'Policy names are unique.',
      remediation: {
        policies: [
          { name: 'p', match: { types: ['job.failed'] }, action: 'restart' },
          { name: 'p', match: { types: ['job.stuck'] }, action: 'kill' },
        ],
      },
      want: /remediation\.policies\[1\]\.name: duplicate policy name 'p'/,
    },
    {
      rule: 'A misspelt guard is an error, not a silently ignored option.',
      remediation: {
        policies: [
          { name: 'p', match: { types: ['job.failed'] }, action: 'restart', guards: { coolDown: 60 } },
        ],
      },
      want: /remediation\.policies\[0\]\.guards.*coolDown/,
    },
    {
      rule: 'The mode is dry-run or enforce.',
      remediation: { mode: 'yolo' },
      want: /remediation\.mode/,
    },
    {
      rule: 'A time zone must exist.',
      remediation: {
        policies: [
          {
            name: 'p',
            match: { types: ['job.failed'] },
            action: 'restart',
            guards: {
              windows: { when: 'inside', timezone: 'Mars/Base', ranges: [{ start: '01:00', end: '02:00' }] },
            },
          },
        ],
      },
      want: /remediation\.policies\[0\]\.guards\.windows\.timezone/,
    },
    {
      rule: 'A budget of zero actions is refused (disable the policy instead).',
      remediation: {
        policies: [
          {
            name: 'p',
            match: { types: ['job.failed'] },
            action: 'restart',
            guards: { budget: { max: 0, windowSeconds: 3600 } },
          },
        ],
      },
      want: /remediation\.policies\[0\]\.guards\.budget\.max/,
    },
  ];
  it.each(rows)('$rule', ({ remediation, want }) => {
    expect(problems(remediation).join('\n')).toMatch(want);
  });
});
