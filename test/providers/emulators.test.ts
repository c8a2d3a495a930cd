import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../lib/model/snapshot.js';
import { EMULATORS_BY_PROVIDER } from '../../lib/providers/emulators.js';
import { PROVIDERS_BY_ID } from '../../lib/providers/registry.js';

describe('emulator registry', () => {
  it('has one emulator per registered provider, each for the provider it is filed under', () => {
    expect(Object.keys(EMULATORS_BY_PROVIDER).sort()).toEqual(Object.keys(PROVIDERS_BY_ID).sort());
    expect(Object.keys(EMULATORS_BY_PROVIDER).sort()).toEqual([...PROVIDERS].sort());
    for (const [id, emulator] of Object.entries(EMULATORS_BY_PROVIDER)) expect(emulator.provider).toBe(id);
  });

  it('production providers carry no emulator', () => {
    for (const provider of Object.values(PROVIDERS_BY_ID)) expect(provider).not.toHaveProperty('sandbox');
  });
});
