import { describe, expect, it } from 'vitest';
import { anonymousWindows, clientBucket } from '#core/quotas/rate-limits';

describe('clientBucket', () => {
  it('keeps IPv4 addresses whole and folds IPv4-mapped IPv6 into them', () => {
    expect(clientBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(clientBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('buckets IPv6 by /64, whatever the spelling', () => {
    const bucket = clientBucket('2001:db8:1:2:aaaa::1');
    expect(bucket).toBe('2001:db8:1:2::/64');
    expect(clientBucket('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe(bucket);
    expect(clientBucket('2001:db8:1:3::1')).not.toBe(bucket);
  });
});

describe('anonymousWindows', () => {
  it('are the UTC hour and day, resetting at their ends', () => {
    const at = Date.UTC(2026, 10, 25, 15, 42, 10);
    const [hourly, daily] = anonymousWindows(at, { hourly: 20, daily: 100 });
    expect(hourly).toEqual({
      name: 'hourly',
      id: 'H2026-11-25T15',
      limit: 20,
      resetsAt: Date.UTC(2026, 10, 25, 16) / 1000,
    });
    expect(daily).toEqual({
      name: 'daily',
      id: 'D2026-11-25',
      limit: 100,
      resetsAt: Date.UTC(2026, 10, 26) / 1000,
    });
  });
});
