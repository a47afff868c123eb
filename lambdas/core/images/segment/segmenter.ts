import type { Sharp } from 'sharp';
import { sharp } from '../sharp.ts';

/** Decoded pixels, 8-bit RGBA, row by row, upright (EXIF orientation applied). */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Finds what is in front: the `segment=foreground` transform. */
export interface Segmenter {
  /** Which method answers (for logs and metrics). */
  readonly kind: 'classical' | 'model';
  /**
   * The foreground's alpha, width × height bytes row by row: 0 background, 255 foreground,
   * feathered in between. The image's own transparency is not folded in.
   */
  foregroundMask(image: RgbaImage): Promise<Uint8Array>;
}

/** Decoded 8-bit pixels as a transform stage holds them: grey, grey + alpha, RGB or RGBA. */
export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/**
 * `segment=foreground` on decoded pixels: 8-bit RGBA of the same size, whose alpha is the
 * pixels' own alpha times the feathered foreground mask. Colours are untouched (grey is spread to
 * R, G and B). RGBA input is edited in place and returned (at 50 MP a copy would be 200 MB more);
 * other layouts come back in a new buffer. For a transform stage:
 * `carried.withPixels(await foregroundPixels(…), 4)`.
 */
export const foregroundPixels = async (pixels: Pixels, segmenter: Segmenter): Promise<Buffer> => {
  const { width, height } = pixels;
  const rgba = toRgba(pixels);
  const mask = await segmenter.foregroundMask({ data: rgba, width, height });
  for (let index = 0, alpha = 3; index < mask.length; index++, alpha += 4) {
    rgba[alpha] = Math.round(((rgba[alpha] ?? 0) * (mask[index] ?? 0)) / 255);
  }
  return rgba;
};

/**
 * `segment=foreground` on a pipeline: `input` is one upright frame (EXIF orientation applied);
 * the result is a new pipeline over 8-bit sRGB RGBA pixels of the same size, with no operation
 * pending, so any further step can follow.
 *
 * The pixels are materialised here without metadata: EXIF and ICC must come from the source, as
 * the encoder's copyright policy does. Inside the transform's steps, prefer `foregroundPixels`
 * on the stage's carrier, which keeps metadata when asked to.
 */
export const removeBackground = async (input: Sharp, segmenter: Segmenter): Promise<Sharp> => {
  const { data, info } = await input
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const rgba = await foregroundPixels({ data, width, height, channels: 4 }, segmenter);
  return sharp(rgba, { raw: { width, height, channels: 4 } });
};

const toRgba = ({ data, width, height, channels }: Pixels): Buffer => {
  const pixels = width * height;
  if (data.length !== pixels * channels || channels < 1 || channels > 4) {
    throw new Error(`expected ${width}×${height} pixels of 1–4 channels, got ${data.length} bytes`);
  }
  if (channels === 4)
    return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const rgba = Buffer.alloc(pixels * 4);
  for (let index = 0; index < pixels; index++) {
    const from = index * channels;
    const to = index * 4;
    const grey = channels <= 2;
    rgba[to] = data[from] ?? 0;
    rgba[to + 1] = data[grey ? from : from + 1] ?? 0;
    rgba[to + 2] = data[grey ? from : from + 2] ?? 0;
    rgba[to + 3] = channels === 2 ? (data[from + 1] ?? 0) : 255;
  }
  return rgba;
};
