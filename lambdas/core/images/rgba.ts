/** Decoded pixels, 8-bit RGBA, row by row: what the BMP and ICO decoders hand to sharp. */
export interface RgbaPixels {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}
