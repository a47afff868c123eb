import type { Sharp } from 'sharp';
import type { Size } from './geometry.ts';
import { sharp } from './sharp.ts';

/**
 * An image materialised between two sharp pipelines (a "cut" in the transform's steps), to be
 * reopened as a new pipeline.
 */
export interface Carried {
  size: Size;
  open(): Sharp;
  /** The pixels, 8 bits per channel, a private copy to edit. */
  pixels(): Promise<{ data: Buffer; channels: number }>;
  /** A pipeline over the same image (metadata included) with `data` as its pixels. */
  withPixels(data: Buffer, channels: number): Sharp;
}

/**
 * Materialises `pipeline`. Raw pixels are the cheapest carrier, but hold no metadata: when the
 * output must keep the original's metadata (`metadata=keep`: EXIF, XMP, ICC), the carrier is an
 * uncompressed PNG, which keeps all of it (libvips' TIFF drops the EXIF block).
 */
export const carry = async (pipeline: Sharp, keepMetadata: boolean): Promise<Carried> => {
  if (!keepMetadata) {
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    const raw = (channels: number) => ({
      width: info.width,
      height: info.height,
      channels: channels as 1 | 2 | 3 | 4,
    });
    return {
      size: { width: info.width, height: info.height },
      open: () => sharp(data, { raw: raw(info.channels) }),
      pixels: async () => ({ data: Buffer.from(data), channels: info.channels }),
      withPixels: (edited, channels) => sharp(edited, { raw: raw(channels) }),
    };
  }
  const { data: png, info } = await pipeline
    .keepMetadata()
    .png({ compressionLevel: 0, adaptiveFiltering: false })
    .toBuffer({ resolveWithObject: true });
  return {
    size: { width: info.width, height: info.height },
    open: () => sharp(png),
    pixels: async () => {
      // Kept in the carrier's own colour space, which compositing back onto it assumes.
      const { data, info } = await sharp(png).keepIccProfile().raw().toBuffer({ resolveWithObject: true });
      return { data, channels: info.channels };
    },
    // The edited pixels replace the carrier's, whose metadata stays.
    withPixels: (edited, channels) =>
      sharp(png).composite([
        {
          input: edited,
          raw: { width: info.width, height: info.height, channels: channels as 1 | 2 | 3 | 4 },
          blend: 'source',
        },
      ]),
  };
};
