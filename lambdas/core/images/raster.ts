import { assertAnimationBudget, assertSvgBudget } from './budget.ts';
import type { ImageFormat } from './formats.ts';
import { gifIsComplete } from './gif.ts';
import { assertWithinLimits, type ImageLimits } from './limits.ts';
import { stripLosslessly } from './lossless-strip.ts';
import { FAIL_ON, type FailOnOptions, sharp } from './sharp.ts';
import { readSvg } from './svg.ts';

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
  // An animated WebP carrying metadata that the lossless walk cannot strip is re-encoded, all its
  // frames, on every view (viewing.ts), with no options to refuse: what every view will cost is
  // decided here, once.
  const metadataToStrip = metadata.exif || metadata.xmp || metadata.iptc;
  if (
    format === 'webp' &&
    frames > 1 &&
    metadataToStrip &&
    !stripLosslessly(bytes, 'image/webp', 'copyright')
  ) {
    assertAnimationBudget(frames, width * height, width * height, limits);
  }

  // librsvg parses the whole document for the metadata above, which is the validation an SVG can
  // get; rendering it too costs seconds for large drawings and finds nothing parsing did not. What
  // rendering would cost is measured instead, so every SVG stored can be viewed.
  if (format === 'svg') {
    assertSvgBudget((await readSvg(bytes)).drawing, width * height, limits);
    return { width, height };
  }
  if (format === 'gif' && !gifIsComplete(bytes)) throw new Error('GIF data ends before its trailer');

  const probe = (failOn: FailOnOptions) =>
    sharp(bytes, { limitInputPixels: limits.maxPixels, failOn, animated })
      .resize(PROBE_SIDE, PROBE_SIDE, { fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer();
  if (format !== 'jpeg') {
    await probe(FAIL_ON);
    return { width, height };
  }
  // libjpeg only *warns* when the scan data ends before the frame it declared is filled (it pads
  // the rest with grey), so a 30 KB file whose header claims 7000×7000 passes `failOn: 'error'`.
  // Decoding with warnings fatal and forgiving all but those keeps phones' harmless warnings
  // (stray bytes before a marker) accepted; a clean JPEG still decodes once.
  await probe('warning').catch(async (error: unknown) => {
    if (JPEG_DATA_ENDED.test(String(error))) throw error;
    await probe(FAIL_ON);
  });
  return { width, height };
};

/** libjpeg's warnings for scan data that ends early (JWRN_HIT_MARKER, JWRN_JPEG_EOF). */
const JPEG_DATA_ENDED = /premature end of data segment|premature end of JPEG file/i;
