import { filterCopyright } from './copyright.ts';
import { embedIccProfile } from './icc.ts';
import { jsDecoders } from './js-decoders.ts';
import type { ImageLimits } from './limits.ts';
import type { Dimensions } from './raster.ts';
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
): Promise<Dimensions & { body: Uint8Array }> => {
  const container = await sharp(bytes, { limitInputPixels: false, failOn: FAIL_ON }).metadata();
  // Both libraries list top-level images in the same order, so sharp's primary index applies.
  const { width, height, data } = await jsDecoders().heic(bytes, container.pagePrimary ?? 0, limits);

  let jpeg = sharp(data, { raw: { width, height, channels: 4 } })
    // JPEG has no alpha; transparent areas (rare in HEIC) become white rather than black.
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: JPEG_QUALITY, mozjpeg: false });
  const { kept } = filterCopyright(container.exif);
  if (kept) jpeg = jpeg.withExif(kept);
  const body = await jpeg.toBuffer();
  return { width, height, body: container.icc ? embedIccProfile(body, container.icc) : body };
};
