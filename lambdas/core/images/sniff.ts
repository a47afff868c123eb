import { fileTypeFromBuffer } from 'file-type';
import isSvg from 'is-svg';
import type { ImageFormat } from './formats.ts';

/** file-type extensions we accept. APNG is a PNG to everything that cannot animate it. */
const FORMAT_BY_FILE_TYPE: ReadonlyMap<string, ImageFormat> = new Map([
  ['jpg', 'jpeg'],
  ['png', 'png'],
  ['apng', 'png'],
  ['gif', 'gif'],
  ['webp', 'webp'],
  ['bmp', 'bmp'],
  ['ico', 'ico'],
]);

/**
 * The image format of `bytes`, judged from the bytes alone (never a file name or declared type,
 * both of which the client controls), or undefined when it is not a format we accept.
 */
export const sniffFormat = async (bytes: Uint8Array): Promise<ImageFormat | undefined> => {
  const detected = await fileTypeFromBuffer(bytes);
  if (detected?.ext === 'heic' || detected?.ext === 'avif') return heifFamilyFormat(bytes);
  // file-type names any document with an XML declaration 'xml'; SVGs often have one.
  if (detected && detected.ext !== 'xml') return FORMAT_BY_FILE_TYPE.get(detected.ext);
  return looksLikeSvg(bytes) ? 'svg' : undefined;
};

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEVC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
/** Brands that say "HEIF" without naming a codec. */
const GENERIC_HEIF_BRANDS = new Set(['mif1', 'msf1']);
/** A real ftyp box has a handful of brands; this only bounds the loop on a hostile size field. */
const MAX_FTYP_BYTES = 1024;

/**
 * AVIF and HEIC share the HEIF container, and file-type decides between them by the major brand
 * alone, which calls a `mif1` file with an `avif` compatible brand HEIC. The compatible brands
 * name the codec, so an AV1 brand anywhere means AVIF, an HEVC brand means HEIC, and a bare
 * generic HEIF file is left to the HEIC decoder to accept or refuse.
 */
const heifFamilyFormat = (bytes: Uint8Array): ImageFormat | undefined => {
  const brands = ftypBrands(bytes);
  if (brands.some((brand) => AVIF_BRANDS.has(brand))) return 'avif';
  if (brands.some((brand) => HEVC_BRANDS.has(brand))) return 'heic';
  if (GENERIC_HEIF_BRANDS.has(brands[0] ?? '')) return 'heic';
  return undefined;
};

/** Major brand first, then the compatible brands (the minor version between them is skipped). */
const ftypBrands = (bytes: Uint8Array): string[] => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = Math.min(view.getUint32(0), bytes.length, MAX_FTYP_BYTES);
  const brand = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  const brands = [brand(8)];
  for (let offset = 16; offset + 4 <= end; offset += 4) brands.push(brand(offset));
  return brands;
};

/**
 * The root element of an SVG comes within its first few hundred bytes, so only a bounded head is
 * read: is-svg's validating mode re-parses the whole string and took 48 s on 10 MB of text. The
 * full document is parsed later by the decoder, which rejects malformed XML.
 */
const SVG_HEAD_BYTES = 64 * 1024;

const looksLikeSvg = (bytes: Uint8Array): boolean => {
  const head = bytes.subarray(0, SVG_HEAD_BYTES);
  // NUL never occurs in UTF-8 text; it marks binary data (or UTF-16, which librsvg does not read).
  if (head.includes(0)) return false;
  // Non-fatal decoding: the head may end inside a multi-byte character.
  const text = new TextDecoder().decode(head);
  if (!text.trimStart().startsWith('<')) return false;
  // Stops at the root element, reading 128 characters at a time: a document already malformed
  // that early is refused here as "unsupported" rather than later as "corrupt".
  return isSvg(text, { validate: false });
};
