import { createHash } from 'node:crypto';
import { type Clock, unixSeconds } from '#core/clock';
import type { VariantAdmissions } from '#core/variants/repository';

/**
 * The variant budget: at most `budget` distinct variants of a media are rendered for the first time
 * on a UTC day. Every distinct valid query misses the CDN and costs a render, so without it a crawl
 * of variants (`w` alone has 8,192 values) bills a render per request; with it, a media costs at
 * most `budget` renders a day plus the misses of what it already admitted.
 *
 * A variant once admitted stays admitted: on the same day (another edge's miss, a HEAD after a
 * GET) it is in that day's set; on a later day it is admitted again while that day has room, and
 * once the day's budget is spent it is still served if any of the last REMEMBERED_DAYS days admitted
 * it. So a crawl can only keep new variants out, never the ones pages already use. The original
 * without transforms (the canonical query empty) is never counted.
 */
export type Admission = { admitted: true } | { admitted: false; retryAfterSeconds: number };

const DAY = 86_400;
/** How long an admitted variant is remembered without being rendered again (the day items' TTL). */
export const REMEMBERED_DAYS = 30;
const ADMITTED: Admission = { admitted: true };

const isoDay = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(0, 10);

/**
 * What a variant is recorded as: a hash of its canonical query, 8 characters (48 bits) however long
 * the query, so a day's record of the default budget (100) stays under 1 KB: one write unit per
 * admission (16 characters made it 2, measured on DynamoDB Local). Two variants of one media colliding
 * by chance is under 1 in 10^10 a day, and one found on purpose (2^48 hashes) buys a single render.
 */
export const variantHash = (canonical: string): string =>
  createHash('sha256').update(canonical).digest('base64url').slice(0, 8);

export interface VariantBudget {
  /** Whether the variant `canonical` of media `mediaId` may be rendered now. */
  admit(mediaId: string, canonical: string): Promise<Admission>;
}

export const createVariantBudget = (deps: {
  admissions: VariantAdmissions;
  budget: number;
  clock: Clock;
  /** Told of every refusal (the viewer counts them as a metric). */
  onRefused?: () => void;
}): VariantBudget => ({
  async admit(mediaId, canonical) {
    if (canonical === '') return ADMITTED;
    const now = unixSeconds(deps.clock.nowMs());
    const dayStart = now - (now % DAY);
    const variant = variantHash(canonical);
    const admitted = await deps.admissions.admit({
      mediaId,
      day: isoDay(dayStart),
      variant,
      budget: deps.budget,
      purgeAt: dayStart + DAY + REMEMBERED_DAYS * DAY,
    });
    // Only a refusal pays for the look back (a query of a month of small items).
    if (
      admitted ||
      (await deps.admissions.admittedSince(mediaId, variant, isoDay(dayStart - REMEMBERED_DAYS * DAY)))
    )
      return ADMITTED;
    deps.onRefused?.();
    return { admitted: false, retryAfterSeconds: dayStart + DAY - now };
  },
});
