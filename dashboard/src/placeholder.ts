import { thumbHashToDataURL } from 'thumbhash';
import type { MediaSummary } from '../../clients/typescript/src/api.ts';

/**
 * What shows while the thumbnail loads: the thumbhash as an image over the dominant colour. Set
 * through the CSSOM, which the CSP allows (a `style` attribute would be inline style).
 */
export const showPlaceholder = (target: HTMLElement, media: MediaSummary): void => {
  const placeholder = media.placeholder;
  if (!placeholder) return;
  if (placeholder.dominant_color) target.style.backgroundColor = placeholder.dominant_color;
  if (!placeholder.thumbhash) return;
  try {
    const bytes = Uint8Array.from(atob(placeholder.thumbhash), (char) => char.charCodeAt(0));
    target.style.backgroundImage = `url("${thumbHashToDataURL(bytes)}")`;
  } catch {
    // A malformed hash leaves the colour alone.
  }
};
