import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPE_NAMES } from '../../lib/events/index.js';

describe('event catalog', () => {
  // A checklist goes stale; this test makes README's catalog list every event type the code can emit.
  it('documents every event type in README', () => {
    const readme = readFileSync('README.md', 'utf8');
    const missing = EVENT_TYPE_NAMES.filter((type) => !readme.includes(`| \`${type}\` |`));
    expect(missing).toEqual([]);
  });
});
