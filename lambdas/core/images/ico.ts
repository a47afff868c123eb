import decodeIco from 'decode-ico';
import { thumbnailOfPixels } from './facts.ts';
import { type IcoEntry, offloadedDecoders } from './js-decoders.ts';
import { assertJsDecodable, assertSides, type ImageLimits } from './limits.ts';
import { type Dimensions, type Inspected, inspectRaster } from './raster.ts';
import type { RgbaPixels } from './rgba.ts';

const DIRECTORY_HEADER = 6;
const DIRECTORY_ENTRY = 16;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Validates an ICO (libvips cannot decode ICO) and returns the dimensions of its largest image,
 * the one a browser shows when the icon is opened on its own.
 *
 * decode-ico decodes every image at the size each one claims, so the claims are read and checked
 * against the limits first; embedded PNGs it only locates, so sharp decodes those.
 *
 * Throws a 422 for a limit and lets decoder errors escape.
 */
export const inspectIco = async (bytes: Uint8Array, limits: ImageLimits): Promise<Inspected> => {
  let largest: Inspected | undefined;
  for (const image of await decodeChecked(bytes, limits)) {
    // Every image is decoded (that is what validates it); only the largest one's thumbnail is kept.
    const inspected =
      image.type === 'png'
        ? await inspectRaster(image.data, 'png', limits)
        : {
            width: image.width,
            height: image.height,
            thumbnail: undefined,
            frames: 1,
            colorSpace: 'srgb',
            alphaChannel: true,
          };
    if (!largest || inspected.width * inspected.height > largest.width * largest.height) {
      largest =
        image.type === 'png' ? inspected : { ...inspected, thumbnail: await thumbnailOfPixels(image) };
    }
  }
  if (!largest) throw new Error('ICO holds no image');
  return largest;
};

/** The image a viewer shows: an embedded PNG's bytes as they are, or decoded RGBA pixels. */
export type IcoImage = { kind: 'png'; bytes: Uint8Array } | { kind: 'rgba'; pixels: RgbaPixels };

/**
 * The largest image of an ICO that ingest accepted, for sharp to transform. Sizes are compared
 * as the directory and headers state them, which ingest checked against the decoded ones.
 */
export const largestIcoImage = async (bytes: Uint8Array, limits: ImageLimits): Promise<IcoImage> => {
  const images = await decodeChecked(bytes, limits);
  const largest = images.reduce<(typeof images)[number] | undefined>(
    (best, image) => (!best || image.width * image.height > best.width * best.height ? image : best),
    undefined,
  );
  if (!largest) throw new Error('ICO holds no image');
  return largest.type === 'png'
    ? { kind: 'png', bytes: largest.data }
    : { kind: 'rgba', pixels: { width: largest.width, height: largest.height, data: largest.data } };
};

const decodeChecked = (bytes: Uint8Array, limits: ImageLimits) => {
  const claimed = claimedSizes(bytes);
  for (const { width, height } of claimed) assertSides(width, height, limits);
  const pixels = claimed.reduce((sum, { width, height }) => sum + width * height, 0);
  assertJsDecodable(pixels, limits, claimed.length > 1 ? `The ${claimed.length} icons have` : 'The icon has');
  return (offloadedDecoders()?.ico ?? decodeIcoInline)(bytes);
};

/** Each image's size as its own header states it (the directory's one-byte sizes stop at 256). */
const claimedSizes = (bytes: Uint8Array): Dimensions[] => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < DIRECTORY_HEADER) throw new Error('ICO header truncated');
  const count = view.getUint16(4, true);
  if (count === 0) throw new Error('ICO holds no image');
  if (bytes.length < DIRECTORY_HEADER + count * DIRECTORY_ENTRY) throw new Error('ICO directory truncated');

  return Array.from({ length: count }, (_, index) => {
    const entry = DIRECTORY_HEADER + index * DIRECTORY_ENTRY;
    const size = view.getUint32(entry + 8, true);
    const offset = view.getUint32(entry + 12, true);
    if (offset + size > bytes.length || size < 24)
      throw new Error(`ICO image ${index} lies outside the file`);
    if (PNG_SIGNATURE.every((byte, i) => bytes[offset + i] === byte)) {
      return { width: view.getUint32(offset + 16), height: view.getUint32(offset + 20) };
    }
    // A DIB inside an ICO stores twice its height: the colour rows, then the transparency mask.
    // Zero defers to the directory, whose zero in turn means 256.
    const width = view.getUint32(offset + 4, true) || bytes[entry] || 256;
    const height = Math.floor(view.getUint32(offset + 8, true) / 2) || bytes[entry + 1] || 256;
    return { width, height };
  });
};

/** decode-ico on this thread (see js-decoders.ts for when it runs elsewhere). */
export const decodeIcoInline = async (bytes: Uint8Array): Promise<IcoEntry[]> =>
  decodeIco(bytes).map((image) =>
    image.type === 'png'
      ? { type: 'png', width: image.width, height: image.height, data: image.data }
      : { type: 'bmp', width: image.width, height: image.height, data: image.data },
  );
