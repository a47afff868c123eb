import { animation } from './fixtures.ts';

/**
 * Small files that are expensive to render: what an attacker uploads to make every view cost
 * seconds of CPU and gigabytes of memory. Each is generated here, the way the attack built it.
 */

/** A `width`×`height` drawing covered by a blur and a turbulence filter (blurs cost per pixel). */
export const filteredSvg = (width: number, height: number): Buffer =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      '<filter id="f"><feTurbulence baseFrequency="0.05" numOctaves="8"/><feGaussianBlur stdDeviation="40"/></filter>' +
      '<rect width="100%" height="100%" fill="teal" filter="url(#f)"/></svg>',
  );

/**
 * The "billion laughs" of SVG: each level `<use>`s the one below `fanOut` times, so `levels`
 * levels draw fanOut^levels copies of one small text in a file of a few hundred bytes.
 */
export const useAmplifiedSvg = (levels: number, fanOut = 10): Buffer => {
  let defs = '<g id="l0"><text x="1" y="10">amplified</text></g>';
  for (let level = 1; level <= levels; level++) {
    defs += `<g id="l${level}">${'<use href="#l'.concat(String(level - 1), '"/>').repeat(fanOut)}</g>`;
  }
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"><defs>${defs}</defs><use href="#l${levels}"/></svg>`,
  );
};

/** One text element of `chars` characters (Pango shapes every glyph). */
export const longTextSvg = (chars: number): Buffer =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><text x="0" y="20">${'lorem ipsum '.repeat(Math.ceil(chars / 12)).slice(0, chars)}</text></svg>`,
  );

/** About `bytes` of path data: many small zig-zag paths, as an unoptimised map export looks. */
export const pathHeavySvg = (bytes: number): Buffer => {
  const path = `<path d="${Array.from({ length: 40 }, (_, i) => `L${(i * 37) % 1000} ${(i * 53) % 800}`).join(' ')}" stroke="black" fill="none"/>`;
  const count = Math.floor(bytes / path.length);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="800">${`<g>${path}</g>`.repeat(count)}</svg>`,
  );
};

/** A GIF of `frames` distinct frames of `side`² pixels. */
export const manyFramesGif = (frames: number, side = 8): Promise<Buffer> =>
  animation('gif', side, side, frames);

/**
 * An ICO whose `entries` directory entries all point at one 1-bit 256² icon: 27 KB that decode as
 * `entries` full images.
 */
export const overlappingIco = (entries: number): Buffer => {
  const side = 256;
  const rows = (side / 8) * side;
  const dib = Buffer.alloc(40 + 8 + rows * 2, 0);
  dib.writeUInt32LE(40, 0);
  dib.writeInt32LE(side, 4);
  dib.writeInt32LE(side * 2, 8);
  dib.writeUInt16LE(1, 12);
  dib.writeUInt16LE(1, 14); // bits per pixel
  dib.writeUInt32LE(0xffffff, 44); // palette: black, white
  const directory = Buffer.alloc(6 + 16 * entries, 0);
  directory.writeUInt16LE(1, 2);
  directory.writeUInt16LE(entries, 4);
  for (let index = 0; index < entries; index++) {
    const entry = 6 + index * 16;
    directory.writeUInt16LE(1, entry + 4);
    directory.writeUInt16LE(1, entry + 6);
    directory.writeUInt32LE(dib.length, entry + 8);
    directory.writeUInt32LE(directory.length, entry + 12);
  }
  return Buffer.concat([directory, dib]);
};

/** A 1-bit `side`² BMP: 6 MB of file for 49 million pixels at 7000². */
export const oneBitBmp = (side: number): Buffer => {
  const stride = Math.ceil(side / 32) * 4;
  const offset = 14 + 40 + 8;
  const file = Buffer.alloc(offset + stride * side, 0x55);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(0, 6);
  file.writeUInt32LE(offset, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(side, 18);
  file.writeInt32LE(side, 22);
  file.writeUInt16LE(1, 26); // planes
  file.writeUInt16LE(1, 28); // bits per pixel
  file.fill(0, 30, 54); // BI_RGB, sizes, resolution, palette counts
  file.writeUInt32LE(0, 54); // palette: black
  file.writeUInt32LE(0xffffff, 58); // and white
  return file;
};

const drawing = (body: string, width = 200, height = 200): Buffer =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`);

/** Patterns that fill ten shapes each with the pattern below: `levels` deep, 10^levels circles drawn. */
export const nestedPatternsSvg = (levels: number): Buffer => {
  let defs =
    '<pattern id="p0" width="4" height="4" patternUnits="userSpaceOnUse"><circle r="2" cx="2" cy="2"/></pattern>';
  for (let level = 1; level <= levels; level++) {
    const shapes = `<rect width="4" height="4" fill="url(#p${level - 1})"/>`.repeat(10);
    defs += `<pattern id="p${level}" width="4" height="4" patternUnits="userSpaceOnUse">${shapes}</pattern>`;
  }
  return drawing(`${defs}<rect width="4" height="4" fill="url(#p${levels})"/>`);
};

/** A marker of `circles` circles on each of the `vertices` vertices of one path. */
export const markedPathSvg = (circles: number, vertices: number): Buffer =>
  drawing(
    `<marker id="m" markerWidth="10" markerHeight="10">${'<circle r="3" cx="5" cy="5"/>'.repeat(circles)}</marker>` +
      `<path marker-mid="url(#m)" fill="none" d="M0 0${' l1 1'.repeat(vertices)}"/>`,
    500,
    500,
  );

/** A filter applied to `shapes` full-size rectangles by a style sheet rather than an attribute. */
export const styleSheetFilterSvg = (shapes: number): Buffer =>
  drawing(
    '<style>rect{filter:url(#f)}</style><filter id="f"><feTurbulence baseFrequency="0.05" numOctaves="8"/>' +
      `<feGaussianBlur stdDeviation="40"/></filter>${'<rect width="100%" height="100%" fill="teal"/>'.repeat(shapes)}`,
    1000,
    750,
  );

/** Dilation over the whole canvas: ten times a blur's cost per pixel, whatever its radius. */
export const morphologySvg = (width: number, height: number): Buffer =>
  drawing(
    '<filter id="f"><feMorphology operator="dilate" radius="60"/></filter><rect width="100%" height="100%" fill="teal" filter="url(#f)"/>',
    width,
    height,
  );
