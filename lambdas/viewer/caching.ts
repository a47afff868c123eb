import { createHash } from 'node:crypto';

/**
 * The viewer's caching contract. Stored originals never change and a transform is deterministic
 * (same bytes, options and library versions, same output — measured for every encoder here), so
 * image responses are cacheable for as long as the media lives.
 */
const YEAR = 31_536_000;
/** The page shows the caption, which can be edited. */
const PAGE_SECONDS = 300;
/** Short: a private image can be made public, and a missing one can only be a mistyped link. */
export const NOT_FOUND_CACHE_CONTROL = 'public, max-age=60';
/** A transform beyond the render budget: the same every time, until a deployment changes the budget. */
export const REFUSED_CACHE_CONTROL = 'public, max-age=300';

/**
 * A new variant refused by the variant budget: briefly, and never past the day's end (Retry-After),
 * when the budget has room again.
 */
export const variantRefusedCacheControl = (retryAfterSeconds: number): string =>
  `public, max-age=${Math.max(0, Math.min(60, retryAfterSeconds))}`;

/** Permanent media: a year and `immutable`; media with a TTL: never past its expiry. */
export const imageCacheControl = (expiresAt: number | undefined, nowSeconds: number): string =>
  `public, max-age=${lifetime(expiresAt, nowSeconds, YEAR)}, immutable`;

/**
 * An image asking for `metadata=keep`: its bytes follow a setting the owner can change (the media's
 * keep_metadata), so browsers revalidate after the page's lifetime while the CDN keeps it as long as
 * any image (a policy change queues its invalidation).
 */
export const keepMetadataCacheControl = (expiresAt: number | undefined, nowSeconds: number): string =>
  `public, max-age=${lifetime(expiresAt, nowSeconds, PAGE_SECONDS)}, s-maxage=${lifetime(expiresAt, nowSeconds, YEAR)}`;

export const pageCacheControl = (expiresAt: number | undefined, nowSeconds: number): string =>
  `public, max-age=${lifetime(expiresAt, nowSeconds, PAGE_SECONDS)}`;

const lifetime = (expiresAt: number | undefined, nowSeconds: number, longest: number): number =>
  expiresAt === undefined ? longest : Math.max(0, Math.min(longest, expiresAt - nowSeconds));

/** A strong validator: the same parts always name the same bytes. */
export const strongEtag = (...parts: Array<string | number>): string =>
  `"${createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 32)}"`;

/** If-None-Match matches with the weak comparison RFC 9110 prescribes for it (W/ is ignored). */
export const matchesEtag = (ifNoneMatch: string | undefined, etag: string): boolean => {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
};
