import { describe, expect, it } from 'vitest';
import { issueApiKey, parseApiKey, secretMatches } from '#core/api-keys/api-key';

const issue = () => issueApiKey({ teamId: 't', name: undefined, abilities: ['read'], createdAtMs: 0 });

describe('API key format', () => {
  it('is prefixed, parseable and unique, with ≥ 128 random bits', () => {
    const keys = new Set(Array.from({ length: 200 }, () => issue().key));
    expect(keys.size).toBe(200);
    for (const key of keys) {
      const parsed = parseApiKey(key);
      expect(parsed?.secret).toHaveLength(43); // 256 bits in base64url
      expect(key.startsWith(`imgpro_${parsed?.keyId}_`)).toBe(true);
    }
  });

  it('stores a hash that matches only its own secret', () => {
    const { key, record } = issue();
    const { secret } = parseApiKey(key) ?? { secret: '' };
    expect(record.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(record.secretHash).not.toContain(secret);
    expect(secretMatches(record, secret)).toBe(true);
    expect(secretMatches(record, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(secretMatches(record, '')).toBe(false);
  });

  it.each([
    ['imgpro_short_x'],
    [''],
    ['Bearer x'],
    [`imgpro_${'A'.repeat(16)}_${'B'.repeat(42)}`],
    [`xx_${'A'.repeat(16)}_${'B'.repeat(43)}`],
  ])('does not parse %j', (value) => {
    expect(parseApiKey(value)).toBeUndefined();
  });
});
