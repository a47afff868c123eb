import type { Metadata, Sharp } from 'sharp';
import { filterCopyright } from './copyright.ts';
import { stripLosslessly } from './lossless-strip.ts';
import { FAIL_ON, sharp } from './sharp.ts';

export interface ViewableImage {
  body: Uint8Array;
  contentType: string;
}

type Encoder = (pipeline: Sharp, source: Metadata, bytes: Uint8Array) => Sharp;

/**
 * Re-encoding settings per stored type: high quality, because this replaces the original for
 * every viewer, and low effort, because it runs on each cache miss. Measured on a 1080p
 * photo-like image here: WebP effort 2 ≈ 0.25 s; AVIF effort 1 ≈ 0.3 s against 0.7 s at effort 2
 * (and ~5 s at the default 4) for output within 2% of the size.
 */
const ENCODERS: ReadonlyMap<string, Encoder> = new Map<string, Encoder>([
  [
    'image/jpeg',
    (pipeline, source) =>
      pipeline.jpeg({
        quality: 90,
        mozjpeg: false,
        // Keep full colour resolution where the original had it (screenshots, graphics).
        chromaSubsampling: source.chromaSubsampling === '4:4:4' ? '4:4:4' : '4:2:0',
        progressive: source.isProgressive,
      }),
  ],
  ['image/png', (pipeline) => pipeline.png({ compressionLevel: 6 })],
  [
    'image/webp',
    (pipeline, _source, bytes) =>
      pipeline.webp(isLosslessWebp(bytes) ? { lossless: true, effort: 2 } : { quality: 90, effort: 2 }),
  ],
  ['image/avif', (pipeline) => pipeline.avif({ quality: 70, effort: 1 })],
]);

/**
 * The stored image as the viewer serves it in its own format: EXIF orientation applied to the
 * pixels, GPS, device and all other metadata gone; copyright and artist kept under the default
 * policy (`metadata=copyright`), nothing under `metadata=none`.
 *
 * JPEG, PNG and WebP are stripped without decoding (lossless-strip.ts): the metadata segments go,
 * the pixels stay the original's bit for bit. Only an image whose EXIF orientation is not 1 is
 * decoded, rotated and re-encoded: the viewer promises upright pixels, and while browsers honour
 * the tag on JPEG (since 2020), not every client does (native image loaders, mail clients, image
 * pipelines that read raw pixels), readers disagree on PNG and WebP, and the dimensions the media
 * record and the page announce are the upright ones.
 *
 * Otherwise (AVIF, or a file the walk does not understand) an image with nothing to remove or
 * rotate is returned as is, without a lossy round trip; so is one whose EXIF already holds only
 * what the policy keeps. XMP and IPTC always count as something to remove: they carry GPS and
 * device data too.
 * GIF, SVG, BMP and ICO are served unchanged.
 */
export const prepareForViewing = async (
  body: Uint8Array,
  contentType: string,
  policy: 'copyright' | 'none' = 'copyright',
): Promise<ViewableImage> => {
  const encode = ENCODERS.get(contentType);
  if (!encode) return { body, contentType };
  const stripped = stripLosslessly(body, contentType, policy);
  // libvips cannot rotate an animation either, so an animated WebP is served as stored (stripped).
  if (stripped && (stripped.orientation === 1 || stripped.animated))
    return { body: stripped.body, contentType };

  const source = await sharp(body, { failOn: FAIL_ON }).metadata();
  const exif =
    policy === 'copyright'
      ? filterCopyright(source.exif)
      : { kept: undefined, dropsSomething: source.exif !== undefined };
  const upright = (source.orientation ?? 1) === 1;
  if (upright && !exif.dropsSomething && !source.xmp && !source.iptc) return { body, contentType };

  // libvips cannot rotate a multi-frame image, so an animated WebP is only stripped of metadata
  // (an orientation tag on an animation is rare enough not to matter).
  const animated = (source.pages ?? 1) > 1 && contentType === 'image/webp';
  let pipeline = sharp(body, { failOn: FAIL_ON, animated, autoOrient: !animated });
  // The ICC profile is colour, not metadata: without it wide-gamut photos lose saturation.
  pipeline = encode(pipeline, source, body).keepIccProfile();
  if (exif.kept) pipeline = pipeline.withExif(exif.kept);
  return { body: await pipeline.toBuffer(), contentType };
};

/**
 * A lossless WebP (screenshots, graphics) must not come back lossy. The RIFF chunk after the
 * header says which codec holds the pixels; extended files (VP8X) put it after other chunks,
 * animations inside each ANMF frame.
 */
export const isLosslessWebp = (bytes: Uint8Array): boolean => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fourcc = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const chunk = fourcc(offset);
    if (chunk === 'VP8L') return true;
    if (chunk === 'VP8 ') return false;
    // An ANMF payload starts with 16 bytes of frame geometry, then the frame's own chunks
    // (an ALPH chunk only ever precedes lossy VP8 data).
    if (chunk === 'ANMF') return fourcc(offset + 24) === 'VP8L';
    const size = view.getUint32(offset + 4, true);
    // Chunks are padded to an even length.
    offset += 8 + size + (size % 2);
  }
  return false;
};
