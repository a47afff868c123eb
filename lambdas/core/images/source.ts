import type { Sharp } from 'sharp';
import { decodeBmpPixels } from './bmp.ts';
import type { ImageFormat } from './formats.ts';
import type { Size } from './geometry.ts';
import { largestIcoImage } from './ico.ts';
import type { ImageLimits } from './limits.ts';
import type { RgbaPixels } from './rgba.ts';
import { FAIL_ON, sharp } from './sharp.ts';
import { isLosslessWebp } from './viewing.ts';

/** A stored image, opened for transforming: what it is, and fresh sharp pipelines over it. */
export interface Source {
  format: ImageFormat;
  /** One frame, EXIF orientation applied (as people see it). */
  size: Size;
  /** Frames of an animated GIF or WebP; 1 for everything else. */
  frames: number;
  hasAlpha: boolean;
  exif: Buffer | undefined;
  loop: number | undefined;
  delay: number[] | undefined;
  losslessWebp: boolean;
  /**
   * A new pipeline over the image, upright: every frame when `animated` (then without EXIF
   * orientation, which libvips cannot apply to several frames), else the first. `scale` renders
   * a vector image larger, so enlarging it stays sharp.
   */
  open(options?: { animated?: boolean; scale?: number }): Sharp;
}

/** SVG renders at 72 dpi unless told otherwise; `scale` multiplies that. */
const SVG_DENSITY = 72;

/**
 * Opens `bytes` (already sniffed as `format`) within `limits`, the ones ingest applied: what
 * ingest accepted always opens. BMP and ICO are decoded here (libvips reads neither), the
 * largest image of an ICO being the one shown.
 */
export const openSource = async (
  bytes: Uint8Array,
  format: ImageFormat,
  limits: ImageLimits,
): Promise<Source> => {
  if (format === 'bmp') return rawSource(format, await decodeBmpPixels(bytes, limits));
  if (format === 'ico') {
    const image = await largestIcoImage(bytes, limits);
    return image.kind === 'png' ? libvipsSource(image.bytes, 'ico', limits) : rawSource('ico', image.pixels);
  }
  return libvipsSource(bytes, format, limits);
};

const libvipsSource = async (
  bytes: Uint8Array,
  format: ImageFormat,
  limits: ImageLimits,
): Promise<Source> => {
  const metadata = await sharp(bytes, { failOn: FAIL_ON, limitInputPixels: limits.maxPixels }).metadata();
  const frames = format === 'gif' || format === 'webp' ? (metadata.pages ?? 1) : 1;
  return {
    format,
    // Animations are not oriented (see `open`), so their frames keep the stored size.
    size:
      frames > 1
        ? { width: metadata.width, height: metadata.pageHeight ?? metadata.height }
        : { width: metadata.autoOrient.width, height: metadata.autoOrient.height },
    frames,
    hasAlpha: metadata.hasAlpha,
    exif: metadata.exif,
    loop: metadata.loop,
    delay: metadata.delay,
    losslessWebp: format === 'webp' && isLosslessWebp(bytes),
    open: ({ animated = false, scale = 1 } = {}) =>
      sharp(bytes, {
        failOn: FAIL_ON,
        limitInputPixels: limits.maxPixels,
        animated,
        autoOrient: !animated,
        ...(format === 'svg' && { density: SVG_DENSITY * scale }),
      }),
  };
};

const rawSource = async (format: ImageFormat, pixels: RgbaPixels): Promise<Source> => {
  const { width, height, data } = pixels;
  const raw = { width, height, channels: 4 } as const;
  // libvips reads the alpha channel's minimum off this thread (16 MP in JavaScript: ~100 ms).
  const { channels } = await sharp(data, { raw }).stats();
  return {
    format,
    size: { width, height },
    frames: 1,
    hasAlpha: (channels[3]?.min ?? 255) < 255,
    exif: undefined,
    loop: undefined,
    delay: undefined,
    losslessWebp: false,
    open: () => sharp(data, { raw }),
  };
};
