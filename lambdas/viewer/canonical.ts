/**
 * The canonical form of a viewer query, and the classes of a request's `Accept` header.
 *
 * This module is bundled with the parameter table into the CloudFront Function that builds the
 * cache key (JS runtime 2.0, 10 KB), and the origin uses the very same functions, so a value the
 * origin ignores can never make a new cache variant. Hence: no imports but the parameter table, no
 * Node APIs, no regex lookbehind, and only the syntax cloudfront-js-2.0 runs (ES 5.1 with let/const,
 * arrows, rest parameters and template literals: no destructuring, spread, for-of or default
 * parameters).
 *
 * Rules, the same for every parameter (each declared once in core/images/parameters.ts): unknown
 * keys are dropped; the last value of a key wins; a value that is malformed or out of range is
 * dropped as if absent; a value equal to the default (no change) is dropped; numbers are normalised
 * (decimals to two places); keys are sorted.
 */

import { isParameterName, PARAMETERS, type Parameter } from '../core/images/parameters.ts';

/**
 * The canonical query string (no leading `?`; '' when nothing remains) of `pairs`, which may be
 * raw (as a CloudFront Function sees them) or already decoded (as the origin's URL parser gives
 * them): no valid value contains `%` or `+`, so decoding once more changes nothing that counts.
 */
export function canonicalQueryString(pairs: Array<[string, string]>): string {
  const last: Record<string, string> = {};
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i];
    if (!pair) continue;
    const key = formDecode(pair[0]);
    if (isParameterName(key)) last[key] = formDecode(pair[1]);
  }
  const kept: Record<string, string> = {};
  for (const key in last) {
    const value = isParameterName(key) ? PARAMETERS[key].normalise(last[key] ?? '') : undefined;
    if (value !== undefined) kept[key] = value;
  }
  // Some parameters only count alongside others (fit with w or h, q with a lossy format).
  const counted = Object.keys(kept).filter((key) => {
    const entry: Parameter | undefined = isParameterName(key) ? PARAMETERS[key] : undefined;
    return entry !== undefined && (!entry.matters || entry.matters(kept));
  });
  return counted
    .sort()
    .map((key) => `${key}=${encodeURIComponent(kept[key] ?? '')}`)
    .join('&');
}

const formDecode = (text: string): string => {
  if (text.indexOf('%') < 0 && text.indexOf('+') < 0) return text;
  const spaced = text.split('+').join(' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Malformed escapes: left as they are, which no normaliser accepts.
    return spaced;
  }
};

/** The highest q the `Accept` header gives each media range it lists (lower-case; malformed q: 0). */
const qualities = (accept: string): Record<string, number> => {
  const found: Record<string, number> = {};
  const ranges = accept.split(',');
  for (let i = 0; i < ranges.length; i++) {
    const parts = (ranges[i] ?? '').split(';');
    const type = (parts[0] ?? '').trim().toLowerCase();
    let q = 1;
    for (let j = 1; j < parts.length; j++) {
      const param = (parts[j] ?? '').trim().toLowerCase();
      if (param.indexOf('q=') === 0) {
        const parsed = Number(param.slice(2));
        q = parsed >= 0 && parsed <= 1 ? parsed : 0;
      }
    }
    found[type] = Math.max(found[type] || 0, q);
  }
  return found;
};

/**
 * 'html' when the client prefers text/html to any image type, as browsers do when navigating
 * (Chrome lists text/html and image/avif both at q=1: the explicit text/html wins the tie);
 * 'image' otherwise, including for `*\/*` (curl, unfurlers fetching og:image) and no header.
 */
export function acceptClass(accept: string | undefined): 'html' | 'image' {
  if (!accept) return 'image';
  const found = qualities(accept);
  let html = 0;
  let image = 0;
  for (const type in found) {
    const q = found[type] || 0;
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, q);
    else if (type.indexOf('image/') === 0) image = Math.max(image, q);
  }
  return html > 0 && html >= image ? 'html' : 'image';
}

/**
 * What `format=auto` chooses by: 'avif' when `Accept` names image/avif (q > 0), else 'webp' for
 * image/webp, else 'legacy'. Wildcards (`image/*`, `*\/*`) promise neither: every browser that
 * shows AVIF or WebP names it, and some that list `image/*` show neither.
 */
export function imageClass(accept: string | undefined): 'avif' | 'webp' | 'legacy' {
  const found = qualities(accept || '');
  return found['image/avif'] ? 'avif' : found['image/webp'] ? 'webp' : 'legacy';
}

/** Whether a canonical query asks for `format=auto`. */
export const asksAuto = (canonical: string): boolean => `&${canonical}&`.indexOf('&format=auto&') >= 0;

/**
 * The client's part of the cache key: `html` (the page) or, for the image, `image`; a request for
 * `format=auto` has its image class instead (avif, webp or legacy), so a variant is split three
 * ways at most and only where the bytes depend on `Accept`.
 */
export function cacheClass(canonical: string, accept: string | undefined): string {
  if (acceptClass(accept) === 'html') return 'html';
  return asksAuto(canonical) ? imageClass(accept) : 'image';
}
