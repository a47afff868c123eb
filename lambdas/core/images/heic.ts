import { filterCopyright } from './copyright.ts';
import { colorSpaceOf, toThumbnail } from './facts.ts';
import { embedIccProfile } from './icc.ts';
import { offloadedDecoders } from './js-decoders.ts';
import { assertWithinLimits, type ImageLimits } from './limits.ts';
import type { Inspected } from './raster.ts';
import type { RgbaPixels } from './rgba.ts';
import { FAIL_ON, sharp } from './sharp.ts';

const JPEG_QUALITY = 90;

/**
 * Converts a HEIC upload to the JPEG we store (browsers cannot show HEIC).
 *
 * The prebuilt libvips reads HEIF containers but has no HEVC decoder, so sharp supplies what the
 * container says (primary image, EXIF, ICC profile) and heic-decode (libheif in WASM) the pixels.
 * libheif applies the container's rotation and mirroring while decoding, so the pixels come out
 * upright and the JPEG gets no orientation tag. Metadata follows the default viewer policy: only
 * copyright-type EXIF survives, never GPS or device tags.
 *
 * heic-decode is synchronous WASM: a 12 MP photo blocks the event loop for about a second and
 * grows the WASM heap by a few hundred MB (which never shrinks), hence the limit check before
 * any pixel is decoded.
 *
 * Throws a 422 for a limit and lets decoder errors escape for the caller to map.
 */
export const convertHeic = async (
  bytes: Uint8Array,
  limits: ImageLimits,
): Promise<Inspected & { body: Uint8Array }> => {
  const container = await sharp(bytes, { limitInputPixels: false, failOn: FAIL_ON }).metadata();
  // Both libraries list top-level images in the same order, so sharp's primary index applies.
  const decode = offloadedDecoders()?.heic ?? decodeHeicInline;
  const { width, height, data } = await decode(bytes, container.pagePrimary ?? 0, limits);

  // JPEG has no alpha; transparent areas (rare in HEIC) become white rather than black.
  const flat = () => sharp(data, { raw: { width, height, channels: 4 } }).flatten({ background: '#ffffff' });
  let jpeg = flat().jpeg({ quality: JPEG_QUALITY, mozjpeg: false });
  const { kept } = filterCopyright(container.exif);
  if (kept) jpeg = jpeg.withExif(kept);
  const [body, thumbnail] = await Promise.all([jpeg.toBuffer(), toThumbnail(flat())]);
  return {
    width,
    height,
    body: container.icc ? embedIccProfile(body, container.icc) : body,
    thumbnail,
    frames: 1,
    colorSpace: colorSpaceOf(container),
    alphaChannel: false,
  };
};

/**
 * heic-decode on this thread (see js-decoders.ts for when it runs elsewhere): the image at `index`,
 * its size checked against `limits` before any pixel is decoded.
 */
export const decodeHeicInline = async (
  bytes: Uint8Array,
  index: number,
  limits: ImageLimits,
): Promise<RgbaPixels> => {
  // Loaded on the first HEIC only: libheif is 2 MB of WebAssembly no other upload needs at start.
  const { default: heicDecode } = await import('heic-decode');
  const images = await heicDecode.all({ buffer: bytes });
  try {
    const image = images[index] ?? images[0];
    if (!image) throw new Error('HEIF file holds no image');
    assertWithinLimits(image.width, image.height, limits);
    const { width, height, data } = await image.decode();
    return { width, height, data };
  } finally {
    images.dispose();
  }
};
