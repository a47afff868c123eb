import { crc32 } from 'node:zlib';
import { filterCopyright } from './copyright.ts';
import { keptExifBlock, tiffOf } from './exif-block.ts';

/**
 * The viewer's metadata policy applied to JPEG, PNG and WebP without decoding: the container's
 * segments or chunks are walked, the ones that carry metadata dropped, the EXIF block replaced by
 * one holding only copyright and artist (`metadata=copyright`) or dropped (`none`), and every byte
 * that holds pixels or colour (quantisation and Huffman tables, scans, IDAT, VP8/VP8L, ICC
 * profiles, JFIF and Adobe markers, gamma and chromaticities) copied as it was. The pixels a
 * decoder gets are therefore the original's, bit for bit, and it costs a copy instead of a
 * decode and a lossy re-encode.
 *
 * Anything the walk does not understand (truncation, a length past the end, two EXIF blocks, an
 * unreadable EXIF block) answers undefined, and the caller falls back to decoding.
 */
export type StripPolicy = 'copyright' | 'none';

export interface Stripped {
  /** The image without its metadata: the input itself when there was nothing to remove. */
  body: Uint8Array;
  /** The EXIF orientation the pixels need to be shown upright; 1 when none. */
  orientation: number;
  /** A multi-frame image (animated WebP). */
  animated: boolean;
}

export const stripLosslessly = (
  bytes: Uint8Array,
  contentType: string,
  policy: StripPolicy,
): Stripped | undefined => {
  const strip = STRIPPERS.get(contentType);
  return strip ? strip(bytes, policy) : undefined;
};

type Stripper = (bytes: Uint8Array, policy: StripPolicy) => Stripped | undefined;

/** What becomes of an EXIF block: kept as is, dropped (null) or replaced by a smaller TIFF block. */
interface ExifPlan {
  tiff: Uint8Array | null | 'same';
  orientation: number;
}

/** Undefined when the block is unreadable: libvips might still read an orientation from it. */
const planExif = (payload: Uint8Array, policy: StripPolicy): ExifPlan | undefined => {
  const tiff = tiffOf(payload);
  const filter = filterCopyright(Buffer.from(tiff.buffer, tiff.byteOffset, tiff.byteLength));
  if (!filter.readable) return undefined;
  const { orientation } = filter;
  if (policy === 'none') return { tiff: null, orientation };
  // A block holding only neutral and kept tags (what libvips writes) stays byte for byte.
  if (!filter.dropsSomething) return { tiff: 'same', orientation };
  return { tiff: keptExifBlock(tiff) ?? null, orientation };
};

/**
 * The output as a list of slices of the input and new pieces; it stays the input itself until
 * something is left out or added.
 */
const splice = (input: Uint8Array) => {
  const parts: Uint8Array[] = [];
  let copiedTo = 0;
  let changed = false;
  return {
    /** Leaves out input[from, to), putting `replacement` in its place. */
    replace(from: number, to: number, replacement?: Uint8Array) {
      parts.push(input.subarray(copiedTo, from));
      if (replacement) parts.push(replacement);
      copiedTo = to;
      changed = true;
    },
    /** The output up to input[end); anything after it is left out. */
    finish(end: number): Uint8Array {
      if (!changed && end === input.length) return input;
      parts.push(input.subarray(copiedTo, end));
      return Buffer.concat(parts);
    },
  };
};

const ascii = (bytes: Uint8Array, from: number, length: number) =>
  String.fromCharCode(...bytes.subarray(from, from + length));

// ---------------------------------------------------------------------------------------------
// JPEG: marker segments up to the first scan, the entropy-coded data skipped by scanning for the
// next marker (0xFF not followed by 0x00 or a restart marker), everything after EOI left out
// (MPF secondary images, motion-photo videos and maker trailers carry their own metadata).

const JPEG_KEPT_APP: ReadonlyMap<number, string> = new Map([
  // Colour: the JFIF marker and Adobe's transform flag decide how libjpeg reads the components.
  [0xe0, 'JFIF\0'],
  [0xe2, 'ICC_PROFILE\0'],
  [0xee, 'Adobe'],
]);
const EXIF_HEADER = 'Exif\0\0';
/** Standalone markers: no length follows (TEM, RST0–7). */
const isStandalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);

const stripJpeg: Stripper = (bytes, policy) => {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = splice(bytes);
  let orientation = 1;
  let exifSeen = false;
  let at = 2;
  while (at + 2 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1; // a fill byte
      continue;
    }
    if (marker === 0xd9) return { body: out.finish(at + 2), orientation, animated: false };
    if (isStandalone(marker)) {
      at += 2;
      continue;
    }
    if (at + 4 > bytes.length) return undefined;
    const length = buffer.readUInt16BE(at + 2);
    const end = at + 2 + length;
    if (length < 2 || end > bytes.length) return undefined;
    const payload = bytes.subarray(at + 4, end);

    if (marker === 0xe1 && ascii(payload, 0, 4) === 'Exif') {
      // "Exif" with another padding than two NULs: some readers take it, so do not guess.
      if (ascii(payload, 0, EXIF_HEADER.length) !== EXIF_HEADER) return undefined;
      // Which of two EXIF blocks a reader takes is its own choice: decode instead of guessing.
      if (exifSeen) return undefined;
      exifSeen = true;
      const plan = planExif(payload, policy);
      if (!plan) return undefined;
      orientation = plan.orientation;
      if (plan.tiff === null) out.replace(at, end);
      else if (plan.tiff !== 'same') out.replace(at, end, jpegExifSegment(plan.tiff));
    } else if (marker === 0xe0 && ascii(payload, 0, 5) === 'JFIF\0') {
      // A JFIF thumbnail is an older version of the picture: keep the marker without it.
      if (payload.length > 14) out.replace(at, end, jfifWithoutThumbnail(payload));
    } else if ((marker >= 0xe0 && marker <= 0xef) || marker === 0xfe) {
      // Other APPn (XMP, IPTC, MPF, maker data) and comments go.
      const signature = JPEG_KEPT_APP.get(marker);
      if (!signature || ascii(payload, 0, signature.length) !== signature) out.replace(at, end);
    } else if (marker === 0xda) {
      const next = nextMarkerAfterScan(buffer, end);
      if (next === undefined) return undefined;
      at = next;
      continue;
    }
    at = end;
  }
  return undefined; // no EOI: truncated
};

/** The offset of the first marker after entropy-coded data starting at `from`. */
const nextMarkerAfterScan = (buffer: Buffer, from: number): number | undefined => {
  for (let at = buffer.indexOf(0xff, from); at !== -1; at = buffer.indexOf(0xff, at + 1)) {
    const next = buffer[at + 1];
    if (next === undefined) return undefined;
    // Stuffed zero, restart marker or fill byte: still inside the scan.
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) continue;
    return at;
  }
  return undefined;
};

const jpegExifSegment = (tiff: Uint8Array) => {
  const segment = Buffer.alloc(4 + EXIF_HEADER.length + tiff.length);
  segment.writeUInt16BE(0xffe1, 0);
  segment.writeUInt16BE(2 + EXIF_HEADER.length + tiff.length, 2);
  segment.write(EXIF_HEADER, 4, 'latin1');
  segment.set(tiff, 4 + EXIF_HEADER.length);
  return segment;
};

/** "JFIF\0", version, units, densities (9 bytes), then a 0×0 thumbnail. */
const jfifWithoutThumbnail = (payload: Uint8Array) => {
  const segment = Buffer.alloc(4 + 14);
  segment.writeUInt16BE(0xffe0, 0);
  segment.writeUInt16BE(2 + 14, 2);
  segment.set(payload.subarray(0, 12), 4);
  return segment;
};

// ---------------------------------------------------------------------------------------------
// PNG: chunks up to IEND; CRCs are copied with the chunks kept and computed for the one written.

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Ancillary chunks about pixels, colour or animation; every other ancillary chunk is metadata. */
const PNG_KEPT: ReadonlySet<string> = new Set([
  'tRNS',
  'cHRM',
  'gAMA',
  'iCCP',
  'sBIT',
  'sRGB',
  'cICP',
  'mDCV',
  'cLLI',
  'bKGD',
  'hIST',
  'pHYs',
  'sPLT',
  'acTL',
  'fcTL',
  'fdAT',
]);
const PNG_TEXT: ReadonlySet<string> = new Set(['tEXt', 'zTXt', 'iTXt']);
/** Text keywords (PNG's own) that say who made or owns the image. */
const PNG_KEPT_KEYWORDS: ReadonlySet<string> = new Set(['Copyright', 'Author']);

const stripPng: Stripper = (bytes, policy) => {
  if (!PNG_SIGNATURE.every((byte, i) => bytes[i] === byte)) return undefined;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = splice(bytes);
  let orientation = 1;
  let exifSeen = false;
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = buffer.readUInt32BE(at);
    const end = at + 12 + length;
    if (end > bytes.length) return undefined;
    const type = ascii(bytes, at + 4, 4);
    if (type === 'IEND') return { body: out.finish(end), orientation, animated: false };
    const critical = ((bytes[at + 4] ?? 0) & 0x20) === 0;
    if (type === 'eXIf') {
      if (exifSeen) return undefined;
      exifSeen = true;
      const plan = planExif(bytes.subarray(at + 8, at + 8 + length), policy);
      if (!plan) return undefined;
      orientation = plan.orientation;
      if (plan.tiff === null) out.replace(at, end);
      else if (plan.tiff !== 'same') out.replace(at, end, pngChunk('eXIf', plan.tiff));
    } else if (PNG_TEXT.has(type)) {
      const keyword = ascii(bytes, at + 8, Math.min(length, 80)).split('\0')[0] ?? '';
      if (policy === 'none' || !PNG_KEPT_KEYWORDS.has(keyword)) out.replace(at, end);
    } else if (!critical && !PNG_KEPT.has(type)) {
      out.replace(at, end);
    }
    at = end;
  }
  return undefined; // no IEND: truncated
};

const pngChunk = (type: string, data: Uint8Array) => {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  chunk.set(data, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
};

// ---------------------------------------------------------------------------------------------
// WebP: RIFF chunks; the VP8X header's EXIF and XMP flags and the RIFF size follow what is kept.

const WEBP_KEPT: ReadonlySet<string> = new Set(['VP8X', 'ICCP', 'ANIM', 'ANMF', 'ALPH', 'VP8 ', 'VP8L']);
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;
const VP8X_ANIMATION = 0x02;

const stripWebp: Stripper = (bytes, policy) => {
  if (ascii(bytes, 0, 4) !== 'RIFF' || ascii(bytes, 8, 4) !== 'WEBP') return undefined;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riffEnd = 8 + buffer.readUInt32LE(4);
  if (riffEnd > bytes.length || riffEnd % 2 !== 0) return undefined;
  const out = splice(bytes);
  let vp8x: number | undefined;
  let orientation = 1;
  let exifSeen = false;
  let exifKept = false;
  let at = 12;
  for (; at + 8 <= riffEnd; ) {
    const size = buffer.readUInt32LE(at + 4);
    const end = at + 8 + size + (size % 2);
    if (end > riffEnd) return undefined;
    const type = ascii(bytes, at, 4);
    if (type === 'VP8X') {
      if (at !== 12 || size < 10) return undefined;
      vp8x = at;
    } else if (type === 'EXIF') {
      if (exifSeen || vp8x === undefined) return undefined;
      exifSeen = true;
      const plan = planExif(bytes.subarray(at + 8, at + 8 + size), policy);
      if (!plan) return undefined;
      orientation = plan.orientation;
      exifKept = plan.tiff !== null;
      if (plan.tiff === null) out.replace(at, end);
      else if (plan.tiff !== 'same') out.replace(at, end, webpChunk('EXIF', plan.tiff));
    } else if (!WEBP_KEPT.has(type)) {
      out.replace(at, end); // XMP and anything unknown
    }
    at = end;
  }
  if (at !== riffEnd) return undefined;
  const flags = vp8x === undefined ? 0 : (bytes[vp8x + 8] ?? 0);
  const animated = (flags & VP8X_ANIMATION) !== 0;
  const wanted = (flags & ~(VP8X_EXIF | VP8X_XMP)) | (exifKept ? VP8X_EXIF : 0);
  let body = out.finish(riffEnd);
  if (body === bytes && wanted === flags) return { body, orientation, animated };
  // The header and size of the new file: a copy, never the stored original.
  if (body === bytes) body = Buffer.from(bytes);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  view.setUint32(4, body.length - 8, true);
  if (vp8x !== undefined) body[vp8x + 8] = wanted;
  return { body, orientation, animated };
};

const webpChunk = (type: string, data: Uint8Array) => {
  const chunk = Buffer.alloc(8 + data.length + (data.length % 2));
  chunk.write(type, 0, 'latin1');
  chunk.writeUInt32LE(data.length, 4);
  chunk.set(data, 8);
  return chunk;
};

const STRIPPERS: ReadonlyMap<string, Stripper> = new Map([
  ['image/jpeg', stripJpeg],
  ['image/png', stripPng],
  ['image/webp', stripWebp],
]);
