import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNEL_FACTORIES, CHANNEL_TYPES, channelConfigSchema } from '../../lib/alerts/channels/registry.js';
import { escapeMarkdown, escapeSlack, truncateBytes, truncateRunes } from '../../lib/alerts/channels/text.js';
import { CHANNEL_CONFIGS } from './helpers.js';

describe('channel registry (meta)', () => {
  it('registers every channel type once, with a sink config for the conformance suite', () => {
    expect(Object.keys(CHANNEL_FACTORIES).sort()).toEqual([...CHANNEL_TYPES].sort());
    expect(Object.keys(CHANNEL_CONFIGS).sort()).toEqual([...CHANNEL_TYPES].sort());
  });

  it.each(CHANNEL_TYPES)('%s: documented, strict schema, URL only as a secret reference', async (type) => {
    const docs = await readFile(new URL('../../docs/alerting.md', import.meta.url), 'utf8');
    expect(docs).toMatch(new RegExp(`\\|\\s*${type}\\s*\\|`));
    const base = CHANNEL_CONFIGS[type];
    expect(channelConfigSchema.safeParse(base).success).toBe(true);
    expect(channelConfigSchema.safeParse({ ...base, surprise: 1 }).success).toBe(false);
    const plain = channelConfigSchema.safeParse({ ...base, url: 'https://hooks.example.com/T/B/secret' });
    expect(plain.success).toBe(false);
    expect(JSON.stringify(plain.error?.issues)).not.toContain('hooks.example.com');
  });
});

describe('escaping and truncation (fuzz, 10 000 runs each)', () => {
  const text = fc.string({ unit: 'binary', maxLength: 200 });

  it('Slack: no control sequence survives, and every @ is defused', () => {
    fc.assert(
      fc.property(text, (raw) => {
        const out = escapeSlack(raw);
        expect(out).not.toMatch(/[<>]/);
        expect(out).not.toMatch(/@(?!\u200b)/);
      }),
      { numRuns: 10_000 },
    );
  });

  it('markdown: no tag, link bracket, emphasis or newline survives unescaped', () => {
    fc.assert(
      fc.property(text, (raw) => {
        const out = escapeMarkdown(raw);
        expect(out).not.toMatch(/[<>\r\n]/);
        expect(out).not.toMatch(/@(?!\u200b)/);
        // Every [ ] * _ ` is preceded by an odd number of backslashes.
        for (const m of out.matchAll(/(\\*)([[\]*_`])/g)) expect((m[1] ?? '').length % 2).toBe(1);
      }),
      { numRuns: 10_000 },
    );
  });

  it('truncation never exceeds the limit and never splits a character', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 120 }), (raw, max) => {
        const bytes = truncateBytes(raw, max).text;
        expect(Buffer.byteLength(bytes)).toBeLessThanOrEqual(Math.max(max, 0));
        expect(bytes).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
        const runes = truncateRunes(raw, max).text;
        expect(Array.from(runes).length).toBeLessThanOrEqual(max);
        if (Array.from(raw).length <= max) expect(runes).toBe(raw);
      }),
      { numRuns: 10_000 },
    );
  });
});
