/**
 * `Accept` headers browsers send when loading an `<img>`, one per format=auto class: what the edge
 * and the origin must map alike.
 */
export const BROWSER_ACCEPT = {
  /** Chrome 85–120: AVIF and WebP. */
  chrome85: 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8',
  /** Chrome 121 and later add SVG: the same class, so the same cache key. */
  chrome131: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  firefox: 'image/avif,image/webp,*/*',
  safari17:
    'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  /** Chrome before 85: WebP only. */
  chrome80: 'image/webp,image/apng,image/*,*/*;q=0.8',
  /** Safari before 14: neither. */
  safari13: 'image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5',
} as const;
