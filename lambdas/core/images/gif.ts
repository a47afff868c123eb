/**
 * Whether a GIF's block structure runs to its trailer.
 *
 * libvips' GIF loader (libnsgif) shows whatever frames arrived before the data ran out, even with
 * `failOn: 'truncated'`, so a GIF cut in transit would be accepted with fewer frames than it was
 * sent with, or with a half-drawn last frame. Walking the blocks is cheap (no decompression: every
 * block states its length) and tells a complete file from a cut one.
 *
 * Bytes after the trailer are ignored, as browsers ignore them. A byte that starts no known block
 * ends the walk as it ends a browser's decode; libvips then judges what came before it.
 */
export const gifIsComplete = (bytes: Uint8Array): boolean => {
  const HEADER = 6;
  const SCREEN_DESCRIPTOR = 7;
  if (bytes.length < HEADER + SCREEN_DESCRIPTOR) return false;
  let at = HEADER + SCREEN_DESCRIPTOR;
  at += colourTableBytes(bytes[HEADER + 4] ?? 0);
  while (at < bytes.length) {
    const introducer = bytes[at];
    if (introducer === 0x3b) return true; // trailer
    if (introducer === 0x21) {
      // Extension: introducer, label, then data sub-blocks.
      at = afterSubBlocks(bytes, at + 2);
    } else if (introducer === 0x2c) {
      // Image: descriptor (separator + 9 bytes), local colour table, LZW code size, sub-blocks.
      const IMAGE_DESCRIPTOR = 10;
      if (at + IMAGE_DESCRIPTOR > bytes.length) return false;
      at += IMAGE_DESCRIPTOR + colourTableBytes(bytes[at + 9] ?? 0);
      at = afterSubBlocks(bytes, at + 1);
    } else {
      return true;
    }
    if (at < 0) return false;
  }
  return false;
};

/** Size of the colour table a packed-fields byte announces (its top bit says whether there is one). */
const colourTableBytes = (packed: number): number => (packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0);

/** Offset after a run of length-prefixed sub-blocks ended by a zero length, or -1 if the data ends first. */
const afterSubBlocks = (bytes: Uint8Array, start: number): number => {
  let at = start;
  while (at < bytes.length) {
    const size = bytes[at] ?? 0;
    at += 1 + size;
    if (size === 0) return at;
  }
  return -1;
};
