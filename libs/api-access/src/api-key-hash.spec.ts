import { generateApiKey, hashApiKey, looksLikeApiKey } from './api-key-hash';

describe('API keys', () => {
  it('generates distinct keys of the documented shape', () => {
    const keys = new Set(Array.from({ length: 50 }, generateApiKey));
    expect(keys.size).toBe(50);
    for (const key of keys) expect(looksLikeApiKey(key)).toBe(true);
  });

  it('hashes deterministically and never returns the key itself', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).not.toContain(key.slice(4, 20));
  });

  it('rejects strings that cannot be keys before any lookup', () => {
    expect(looksLikeApiKey('wfk_short')).toBe(false);
    expect(looksLikeApiKey(`xxx_${'a'.repeat(43)}`)).toBe(false);
    expect(looksLikeApiKey(`wfk_${'a'.repeat(42)}$`)).toBe(false);
  });
});
