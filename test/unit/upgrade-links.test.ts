import { describe, expect, it } from 'vitest';
import { createUpgradeLink, verifyUpgradeLink } from '#core/quotas/upgrade-links';
import { nextMonthStart, utcMonth } from '#core/quotas/usage';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const link = createUpgradeLink('https://billing.example.com/upgrade?ref=api', SECRET, {
  team: 'team_abc',
  plan: 'pro',
  expires: 2_000,
});

describe('upgrade links', () => {
  it('verify with the secret until they expire, keeping the base URL', () => {
    expect(
      link.startsWith(
        'https://billing.example.com/upgrade?ref=api&team=team_abc&plan=pro&expires=2000&signature=',
      ),
    ).toBe(true);
    expect(verifyUpgradeLink(link, SECRET, 1_999)).toEqual({ team: 'team_abc', plan: 'pro', expires: 2_000 });
    expect(verifyUpgradeLink(link, SECRET, 2_000)).toBeUndefined();
  });

  it.each([
    ['another secret', link, `${SECRET}x`],
    ['another team', link.replace('team_abc', 'team_abd'), SECRET],
    ['another plan', link.replace('plan=pro', 'plan=max'), SECRET],
    ['a later expiry', link.replace('expires=2000', 'expires=9000'), SECRET],
    ['a cut signature', link.slice(0, -2), SECRET],
    ['no signature', link.replace(/&signature=.*/, ''), SECRET],
  ])('refuse %s', (_, candidate, secret) => {
    expect(verifyUpgradeLink(candidate, secret, 1_000)).toBeUndefined();
  });
});

describe('calendar months', () => {
  it('are UTC and reset at the first second of the next month, across years', () => {
    expect(utcMonth(Date.UTC(2026, 11, 31, 23, 59, 59))).toBe('2026-12');
    expect(nextMonthStart(Date.UTC(2026, 11, 31, 23, 59, 59))).toBe(Date.UTC(2027, 0, 1) / 1000);
    expect(nextMonthStart(Date.UTC(2027, 0, 1))).toBe(Date.UTC(2027, 1, 1) / 1000);
  });
});
