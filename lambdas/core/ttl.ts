/**
 * The `ttl` grammar shared by upload and update: whole seconds (≥ 300) or a duration such as
 * `5m`, `2h`, `7d`, `2w`; at most 90 days.
 */
export const MIN_TTL_SECONDS = 300;
export const MAX_TTL_SECONDS = 90 * 86_400;

const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 } as const;
const TTL_PATTERN = /^(\d{1,10})([smhdw]?)$/;

export type TtlResult = { ok: true; seconds: number } | { ok: false; problem: string };

export const parseTtl = (input: string): TtlResult => {
  const match = TTL_PATTERN.exec(input.trim().toLowerCase());
  if (!match) {
    return {
      ok: false,
      problem: 'The ttl must be whole seconds or a duration like "5m", "2h", "7d" or "2w".',
    };
  }
  const unit = (match[2] || 's') as keyof typeof UNIT_SECONDS;
  const seconds = Number(match[1]) * UNIT_SECONDS[unit];
  if (seconds < MIN_TTL_SECONDS) return { ok: false, problem: 'The ttl must be at least 300 seconds (5m).' };
  if (seconds > MAX_TTL_SECONDS) return { ok: false, problem: 'The ttl must be at most 90 days (90d).' };
  return { ok: true, seconds };
};
