/**
 * Which limit stopped a write. Repositories throw this when a counter's condition or a
 * transaction's guard fails; the service turns it into the documented 403 quota_exceeded or 429
 * rate_limited.
 */
export const LIMIT_NAMES = ['monthly_uploads', 'storage', 'hourly', 'daily'] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

export const isLimitName = (name: string): name is LimitName =>
  (LIMIT_NAMES as readonly string[]).includes(name);

export class LimitReached extends Error {
  /** Every limit that refused the write (an exhausted daily window usually means hourly too). */
  constructor(readonly limits: LimitName[]) {
    super(`limit reached: ${limits.join(', ')}`);
    this.name = 'LimitReached';
  }
}

/** A counter that counts an upload only while it is below `limit`. */
export interface CountedWindow {
  name: Extract<LimitName, 'hourly' | 'daily'>;
  /** Identifies the window, e.g. `H2026-11-25T15` — a new window starts a new count. */
  id: string;
  limit: number;
  /** Unix seconds when the window ends (and its count stops mattering). */
  resetsAt: number;
}
