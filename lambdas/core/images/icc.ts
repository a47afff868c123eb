const APP2 = 0xffe2;
const SIGNATURE = new TextEncoder().encode('ICC_PROFILE\0');
/** A segment's length field counts itself (2), the signature (12) and the chunk numbers (2). */
const MAX_CHUNK = 0xffff - 2 - SIGNATURE.length - 2;

/**
 * Tags a JPEG with an ICC profile without touching its pixels.
 *
 * sharp can only attach a profile by converting into it, and pixels that arrive raw (from the
 * HEIC decoder) carry no profile to convert from. iPhone HEICs are Display P3, so their pixels
 * must keep the P3 tag or every browser shows them desaturated as sRGB.
 */
export const embedIccProfile = (jpeg: Uint8Array, icc: Uint8Array): Uint8Array => {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  const chunks = Math.ceil(icc.length / MAX_CHUNK);
  if (chunks === 0 || chunks > 255) throw new Error(`unusable ICC profile of ${icc.length} bytes`);

  const segments: Uint8Array[] = [];
  for (let index = 0; index < chunks; index++) {
    const data = icc.subarray(index * MAX_CHUNK, (index + 1) * MAX_CHUNK);
    const segment = new Uint8Array(4 + SIGNATURE.length + 2 + data.length);
    const view = new DataView(segment.buffer);
    view.setUint16(0, APP2);
    view.setUint16(2, segment.length - 2);
    segment.set(SIGNATURE, 4);
    segment[4 + SIGNATURE.length] = index + 1;
    segment[5 + SIGNATURE.length] = chunks;
    segment.set(data, 6 + SIGNATURE.length);
    segments.push(segment);
  }

  const at = afterLeadingAppSegments(jpeg);
  return Buffer.concat([jpeg.subarray(0, at), ...segments, jpeg.subarray(at)]);
};

/** JFIF (APP0) must stay first, and readers expect EXIF (APP1) before the ICC segments. */
const afterLeadingAppSegments = (jpeg: Uint8Array): number => {
  const view = new DataView(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  let offset = 2;
  while (
    offset + 4 <= jpeg.length &&
    jpeg[offset] === 0xff &&
    (jpeg[offset + 1] === 0xe0 || jpeg[offset + 1] === 0xe1)
  ) {
    offset += 2 + view.getUint16(offset + 2);
  }
  return Math.min(offset, jpeg.length);
};
