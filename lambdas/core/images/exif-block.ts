/**
 * The smallest EXIF block that carries what the `metadata=copyright` policy keeps, written without
 * an encoder: a little-endian TIFF header and one IFD holding Artist and Copyright, their bytes
 * copied as the original had them (exif-reader hands non-ASCII text back as bytes, and sharp's
 * `withExif` takes strings, so "©" would not survive a round trip through them).
 *
 * sharp writes EXIF only while encoding (`withExif`), and exif-reader only reads, so the lossless
 * path needs this much of TIFF itself.
 */

/** IFD0 tags kept, in ascending order as TIFF requires. */
const KEPT_TAGS = [0x013b /* Artist */, 0x8298 /* Copyright */] as const;
/** TIFF field types whose values are bytes: BYTE, ASCII, UNDEFINED. */
const BYTE_TYPES: ReadonlySet<number> = new Set([1, 2, 7]);
const EXIF_PREFIX = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"

/** The TIFF structure inside an EXIF payload: JPEG's APP1 prefixes it with "Exif\0\0", some WebP writers too. */
export const tiffOf = (payload: Uint8Array): Uint8Array =>
  EXIF_PREFIX.every((byte, i) => payload[i] === byte) ? payload.subarray(EXIF_PREFIX.length) : payload;

/**
 * A TIFF block holding only the Artist and Copyright tags of `tiff`'s IFD0; undefined when it has
 * neither (or they are empty) or when IFD0 cannot be read within the block's bounds.
 */
export const keptExifBlock = (tiff: Uint8Array): Uint8Array | undefined => {
  const values = readKeptTags(tiff);
  if (!values || values.length === 0) return undefined;
  return writeTiff(values);
};

const readKeptTags = (tiff: Uint8Array): { tag: number; bytes: Uint8Array }[] | undefined => {
  if (tiff.length < 8) return undefined;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const order = String.fromCharCode(tiff[0] ?? 0, tiff[1] ?? 0);
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  if (view.getUint16(2, little) !== 42) return undefined;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return undefined;
  const count = view.getUint16(ifd, little);
  if (ifd + 2 + count * 12 > tiff.length) return undefined;

  const found: { tag: number; bytes: Uint8Array }[] = [];
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    const tag = view.getUint16(entry, little);
    if (!(KEPT_TAGS as readonly number[]).includes(tag) || found.some((f) => f.tag === tag)) continue;
    if (!BYTE_TYPES.has(view.getUint16(entry + 2, little))) continue;
    const length = view.getUint32(entry + 4, little);
    const start = length <= 4 ? entry + 8 : view.getUint32(entry + 8, little);
    if (start + length > tiff.length) continue;
    const bytes = trimNuls(tiff.subarray(start, start + length));
    // Blank is as good as absent (filterCopyright agrees).
    if (bytes.some((byte) => byte !== 0 && byte !== 0x20)) found.push({ tag, bytes });
  }
  return found.sort((a, b) => a.tag - b.tag);
};

const trimNuls = (bytes: Uint8Array) => {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.subarray(0, end);
};

const writeTiff = (values: { tag: number; bytes: Uint8Array }[]): Uint8Array => {
  const ifdEnd = 8 + 2 + values.length * 12 + 4;
  // ASCII values end in NUL; those over 4 bytes live after the IFD, at even offsets.
  const sizes = values.map(({ bytes }) => bytes.length + 1);
  const outside = sizes.reduce((sum, size) => sum + (size > 4 ? size + (size % 2) : 0), 0);
  const out = new Uint8Array(ifdEnd + outside);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, 8, true);
  view.setUint16(8, values.length, true);
  let data = ifdEnd;
  values.forEach(({ tag, bytes }, i) => {
    const entry = 10 + i * 12;
    const size = sizes[i] ?? 0;
    view.setUint16(entry, tag, true);
    view.setUint16(entry + 2, 2, true);
    view.setUint32(entry + 4, size, true);
    if (size <= 4) {
      out.set(bytes, entry + 8);
    } else {
      view.setUint32(entry + 8, data, true);
      out.set(bytes, data);
      data += size + (size % 2);
    }
  });
  // The next-IFD offset after the entries stays 0: no IFD1, so no thumbnail.
  return out;
};
