import { describe, expect, it } from 'vitest';
import { parseTtl } from '#core/ttl';

describe('parseTtl', () => {
  it.each([
    ['300', 300],
    ['5m', 300],
    ['2h', 7_200],
    ['7d', 604_800],
    ['2w', 1_209_600],
    ['90d', 7_776_000],
    ['7776000', 7_776_000],
    [' 10M ', 600],
    ['600s', 600],
  ])('accepts %j as %i seconds', (input, seconds) => {
    expect(parseTtl(input)).toEqual({ ok: true, seconds });
  });

  it.each([
    ['299'],
    ['4m'],
    ['91d'],
    ['13w'],
    ['7776001'],
    ['0'],
    ['-300'],
    ['1.5h'],
    ['5 m'],
    ['5y'],
    [''],
    ['1e3'],
    ['0x12c'],
  ])('refuses %j with a reason', (input) => {
    const result = parseTtl(input);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.problem).toMatch(/ttl/);
  });
});
