import decodeBmp from 'decode-bmp';
import { thumbnailOfPixels } from './facts.ts';
import { offloadedDecoders } from './js-decoders.ts';
import { assertJsDecodable, assertWithinLimits, type ImageLimits } from './limits.ts';
import type { Inspected } from './raster.ts';
import { ImageRejected } from './rejected.ts';
import type { RgbaPixels } from './rgba.ts';

/** Smallest DIB header decode-bmp reads correctly (BITMAPINFOHEADER); OS/2 headers are shorter. */
const MIN_DIB_HEADER = 40;
const FILE_HEADER = 14;
const BI_RGB = 0;
const BI_BITFIELDS = 3;
const DECODABLE_DEPTHS = new Set([1, 2, 4, 8, 24, 32]);

/** Validates a BMP (libvips cannot decode BMP) and returns its dimensions; see decodeBmpPixels. */
export const inspectBmp = async (bytes: Uint8Array, limits: ImageLimits): Promise<Inspected> => {
  const pixels = await decodeBmpPixels(bytes, limits);
  const thumbnail = await thumbnailOfPixels(pixels);
  return {
    width: pixels.width,
    height: pixels.height,
    thumbnail,
    frames: 1,
    colorSpace: 'srgb',
    alphaChannel: true,
  };
};

/**
 * Decodes a BMP to RGBA for sharp, which cannot read BMP itself.
 *
 * decode-bmp allocates for whatever size the header claims, so the header is read and checked
 * against the limits first. It also only knows bottom-up, uncompressed bitmaps; other variants
 * get a message that says so rather than "corrupt".
 *
 * Throws a 422 for a limit or an unsupported variant and lets decoder errors escape.
 */
export const decodeBmpPixels = async (bytes: Uint8Array, limits: ImageLimits): Promise<RgbaPixels> => {
  if (bytes.length < FILE_HEADER + MIN_DIB_HEADER) throw new Error('BMP header truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dibHeaderSize = view.getUint32(14, true);
  const width = view.getInt32(18, true);
  // Negative height means rows stored top-down.
  const height = view.getInt32(22, true);
  const depth = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  if (width <= 0 || height === 0) throw new Error(`BMP claims ${width}×${height} pixels`);
  assertWithinLimits(width, Math.abs(height), limits);
  assertJsDecodable(width * Math.abs(height), limits, 'The BMP has');

  const decodable =
    dibHeaderSize >= MIN_DIB_HEADER &&
    height > 0 &&
    DECODABLE_DEPTHS.has(depth) &&
    (compression === BI_RGB || (compression === BI_BITFIELDS && depth === 32));
  if (!decodable) {
    throw new ImageRejected(
      'This kind of BMP (compressed, top-down, 16-bit or OS/2) is not supported; convert it to PNG.',
    );
  }

  return (offloadedDecoders()?.bmp ?? decodeBmpInline)(bytes);
};

/** decode-bmp on this thread (see js-decoders.ts for when it runs elsewhere). */
export const decodeBmpInline = async (bytes: Uint8Array): Promise<RgbaPixels> => {
  const { width, height, data } = decodeBmp(bytes);
  return { width, height, data };
};
