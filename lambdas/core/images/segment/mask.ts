import { sharp } from '../sharp.ts';

/** One 8-bit value per pixel, row by row: 0 is background, 255 foreground. */
export interface Mask {
  data: Uint8Array;
  width: number;
  height: number;
}

const greyscale = (mask: Mask) =>
  sharp(mask.data, { raw: { width: mask.width, height: mask.height, channels: 1 } });

/**
 * `mask` at `width`×`height`. Bicubic, not sharp's default Lanczos: Lanczos rings around a hard
 * edge, which in a mask shows as a faint halo or a notch in the subject.
 */
export const resizeMask = async (mask: Mask, width: number, height: number): Promise<Mask> => {
  if (mask.width === width && mask.height === height) return mask;
  const data = await greyscale(mask)
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    // libvips hands a single band back as sRGB unless told otherwise; this keeps one byte a pixel.
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  return { data, width, height };
};

/**
 * How soft the edge of the final mask is: about one pixel on a small image, two on a 12 MP
 * photo. Enough to hide the staircase of a hard mask; a wider feather reads as a halo.
 */
const featherSigma = (width: number, height: number): number =>
  Math.min(2, Math.max(0.5, 0.5 + Math.min(width, height) / 2000));

/** A Gaussian blur of the mask: the feathered edge. */
export const featherMask = async (
  mask: Mask,
  sigma = featherSigma(mask.width, mask.height),
): Promise<Mask> => {
  const data = await greyscale(mask).blur(sigma).toColourspace('b-w').raw().toBuffer();
  return { data, width: mask.width, height: mask.height };
};
