import { assertAnimationBudget, assertSvgBudget, svgMs } from './budget.ts';
import { colorSpaceOf, THUMBNAIL_SIDE, type Thumbnail, toThumbnail } from './facts.ts';
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

/** An image ingest accepted: its display size, and what its facts are computed from (facts.ts). */
export interface Inspected extends Dimensions {
  /** The first frame, upright; undefined for an SVG too costly to draw even this small. */
  thumbnail: Thumbnail | undefined;
  frames: number;
  colorSpace: string;
  alphaChannel: boolean;
}

/** Formats libvips itself decodes. */
export type SharpFormat = Extract<ImageFormat, 'jpeg' | 'png' | 'gif' | 'webp' | 'avif' | 'svg'>;

/**
 * What drawing an SVG's thumbnail at ingest may cost: its elements are drawn whatever the size, so
 * a large drawing that the budget lets through at full size would add seconds to its upload.
 */
const SVG_THUMBNAIL_MS = 100;

/**
 * Validates an image libvips can decode and returns its display dimensions and a thumbnail.
 *
 * The header is checked against the limits first, then the pixel data is decoded in full at
 * thumbnail size, which catches truncated or corrupt data; the thumbnail is the placeholder's
 * source, so that one decode serves both. JPEG decodes straight to 1/8 scale
 * (DCT scaling), which keeps this cheap for photos: a 1 MB 1920×1080 JPEG validates in ~15 ms
 * here, where a full-size decode alone takes ~23 ms.
 *
 * Throws a 422 for a limit and lets decoder errors escape for the caller to map.
 */
export const inspectRaster = async (
  bytes: Uint8Array,
  format: SharpFormat,
  limits: ImageLimits,
): Promise<Inspected> => {
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

  const facts = { frames, colorSpace: colorSpaceOf(metadata), alphaChannel: metadata.hasAlpha };

  // librsvg parses the whole document for the metadata above, which is the validation an SVG can
  // get; rendering it too costs seconds for large drawings and finds nothing parsing did not. What
  // rendering would cost is measured instead, so every SVG stored can be viewed. Its thumbnail is
  // drawn from the sanitised document, as the viewer would draw it.
  if (format === 'svg') {
    const { drawing, document } = await readSvg(bytes);
    assertSvgBudget(drawing, width * height, limits);
    const scale = Math.min(1, THUMBNAIL_SIDE / Math.max(width, height));
    const drawable = document && svgMs(drawing, width * height * scale ** 2) <= SVG_THUMBNAIL_MS;
    const thumbnail = drawable ? await toThumbnail(sharp(document, { density: 72 * scale })) : undefined;
    return { width, height, thumbnail, ...facts };
  }
  if (format === 'gif' && !gifIsComplete(bytes)) throw new Error('GIF data ends before its trailer');

  const probe = (failOn: FailOnOptions) =>
    toThumbnail(
      sharp(bytes, { limitInputPixels: limits.maxPixels, failOn, animated, autoOrient: !animated }),
      frames,
    );
  if (format !== 'jpeg') return { width, height, thumbnail: await probe(FAIL_ON), ...facts };
  // libjpeg only *warns* when the scan data ends before the frame it declared is filled (it pads
  // the rest with grey), so a 30 KB file whose header claims 7000×7000 passes `failOn: 'error'`.
  // Decoding with warnings fatal and forgiving all but those keeps phones' harmless warnings
  // (stray bytes before a marker) accepted; a clean JPEG still decodes once.
  const thumbnail = await probe('warning').catch(async (error: unknown) => {
    if (JPEG_DATA_ENDED.test(String(error))) throw error;
    return probe(FAIL_ON);
  });
  return { width, height, thumbnail, ...facts };
};

/** libjpeg's warnings for scan data that ends early (JWRN_HIT_MARKER, JWRN_JPEG_EOF). */
const JPEG_DATA_ENDED = /premature end of data segment|premature end of JPEG file/i;
