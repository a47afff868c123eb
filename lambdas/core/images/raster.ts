import type { ImageFormat } from './formats.ts';
import { assertWithinLimits, type ImageLimits } from './limits.ts';
import { FAIL_ON, sharp } from './sharp.ts';

export interface Dimensions {
  width: number;
  height: number;
}

/** Formats libvips itself decodes. */
export type SharpFormat = Extract<ImageFormat, 'jpeg' | 'png' | 'gif' | 'webp' | 'avif' | 'svg'>;

/** Decoding into a thumbnail this small still reads every byte of image data. */
const PROBE_SIDE = 64;

/**
 * Validates an image libvips can decode and returns its display dimensions.
 *
 * The header is checked against the limits first, then the pixel data is decoded in full at
 * thumbnail size, which catches truncated or corrupt data. JPEG decodes straight to 1/8 scale
 * (DCT scaling), which keeps this cheap for photos: a 1 MB 1920×1080 JPEG validates in ~15 ms
 * here, where a full-size decode alone takes ~23 ms.
 *
 * Throws a 422 for a limit and lets decoder errors escape for the caller to map.
 */
export const inspectRaster = async (
  bytes: Uint8Array,
  format: SharpFormat,
  limits: ImageLimits,
): Promise<Dimensions> => {
  // No pixel limit here: we want the header's numbers so the 422 can name them; the decode below
  // carries the limit too, as a backstop.
  const metadata = await sharp(bytes, { limitInputPixels: false, failOn: FAIL_ON }).metadata();
  const animated = format === 'gif' || format === 'webp';
  const frames = animated ? (metadata.pages ?? 1) : 1;
  // img.pro reports the size people see, and browsers apply EXIF orientation, so a portrait photo
  // stored sideways (orientation 5–8) is reported portrait. Without `animated`, metadata describes
  // one frame of an animation.
  const { width, height } = metadata.autoOrient;
  assertWithinLimits(width, height, limits, frames);

  // librsvg parses the whole document for the metadata above, which is the validation an SVG can
  // get; rendering it too costs seconds for large drawings and finds nothing parsing did not.
  if (format === 'svg') return { width, height };

  await sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: FAIL_ON, animated })
    .resize(PROBE_SIDE, PROBE_SIDE, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer();
  return { width, height };
};
