import { readFile } from 'node:fs/promises';
import zlib from 'node:zlib';
import sharp from 'sharp';

/**
 * Tiny images built in the test, by sharp or by hand, so no fixture can drift from what the code
 * decodes. The one exception is HEIC: prebuilt sharp cannot encode HEVC, so tiny.heic was made
 * once with libheif's `heif-enc -q 60` from a 64×48 JPEG (left half red, right half blue) carrying
 * a Display P3 profile and EXIF with Copyright, Artist, Make, Model, BodySerialNumber and GPS.
 */
export const tinyHeic = (): Promise<Buffer> => readFile(new URL('../fixtures/tiny.heic', import.meta.url));

export const RED = { r: 220, g: 30, b: 30 };
export const BLUE = { r: 30, g: 30, b: 220 };

/** Left half red, right half blue: shows where the left edge went after a rotation. */
export const splitImage = (width: number, height: number) => {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const { r, g, b } = x < width / 2 ? RED : BLUE;
      pixels.set([r, g, b], (y * width + x) * 3);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } });
};

/**
 * Gradients with fine grain, as a photo has: a lossy re-encode changes its pixels (flat colours
 * can come back identical), so only a lossless path gives them back bit for bit.
 */
export const textured = (width: number, height: number) => {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const grain = ((x * 7919 + y * 104_729) % 61) - 30;
      pixels.set([(x * 4 + grain) & 255, (y * 5 - grain) & 255, (x * y + grain) & 255], (y * width + x) * 3);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } });
};

export const solid = (width: number, height: number, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background: { r: 40, g: 160, b: 90, alpha: 1 } } });

/** EXIF with everything the default viewer policy must drop, and the two tags it must keep. */
export const PRIVATE_EXIF = {
  IFD0: { Copyright: '(c) Test Owner', Artist: 'Ann Artist', Make: 'ACME', Model: 'Cam 1' },
  IFD2: { BodySerialNumber: 'SN123' },
  IFD3: {
    GPSLatitudeRef: 'N',
    GPSLatitude: '52/1 31/1 0/1',
    GPSLongitudeRef: 'E',
    GPSLongitude: '13/1 24/1 0/1',
  },
};

/** Frames of distinct colours (identical frames would be merged by the GIF encoder). */
export const animation = async (format: 'gif' | 'webp', width: number, height: number, frames: number) => {
  const strip = Buffer.alloc(width * height * frames * 4);
  for (let frame = 0; frame < frames; frame++) {
    const colour = [(frame * 60) % 256, 255 - ((frame * 60) % 256), 0, 255];
    for (let i = 0; i < width * height; i++) strip.set(colour, (frame * width * height + i) * 4);
  }
  const image = sharp(strip, { raw: { width, height: height * frames, channels: 4, pageHeight: height } });
  const delay = Array<number>(frames).fill(100);
  return format === 'gif'
    ? image.gif({ delay, loop: 0 }).toBuffer()
    : image.webp({ delay, loop: 0 }).toBuffer();
};

const pngChunk = (type: string, data: Uint8Array): Buffer => {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
};

/**
 * A well-formed PNG of ~100 bytes whose header claims `width`×`height` RGB pixels: the classic
 * decompression bomb shape (a decoder that trusts the header allocates width×height×3 bytes).
 */
export const pngClaiming = (width: number, height: number): Buffer => {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(1 + width * 3))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
};

/**
 * A real `width`×`height` baseline JPEG whose frame header is rewritten to claim
 * `claimedWidth`×`claimedHeight`: libjpeg decodes what scan data there is and only warns that it
 * ran out before the frame was filled.
 */
export const jpegClaiming = async (claimedWidth: number, claimedHeight: number): Promise<Buffer> => {
  const bytes = Buffer.from(await splitImage(256, 256).jpeg({ progressive: false }).toBuffer());
  for (let at = 2; at + 9 < bytes.length; at += 2 + bytes.readUInt16BE(at + 2)) {
    if (bytes[at + 1] === 0xc0) {
      bytes.writeUInt16BE(claimedHeight, at + 5);
      bytes.writeUInt16BE(claimedWidth, at + 7);
      return bytes;
    }
  }
  throw new Error('no baseline frame header');
};

/** A JPEG with stray bytes before its end marker: libjpeg warns, and every browser shows it. */
export const jpegWithStrayBytes = async (): Promise<Buffer> => {
  const bytes = await splitImage(64, 64).jpeg().toBuffer();
  return Buffer.concat([bytes.subarray(0, -2), Buffer.from([1, 2, 3, 4]), bytes.subarray(-2)]);
};

/**
 * A 24-bit BITMAPINFOHEADER BMP, bottom-up unless `topDown`. `pixelBytes` overrides how much
 * pixel data follows the header (a header alone claims an image it does not hold).
 */
export const bmp = (
  width: number,
  height: number,
  options: { topDown?: boolean; pixelBytes?: number } = {},
) => {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const pixelBytes = options.pixelBytes ?? stride * height;
  const file = Buffer.alloc(54 + pixelBytes, 0x80);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(0, 6);
  file.writeUInt32LE(54, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(options.topDown ? -height : height, 22);
  file.writeUInt16LE(1, 26); // planes
  file.writeUInt16LE(24, 28); // bits per pixel
  file.writeUInt32LE(0, 30); // BI_RGB
  file.writeUInt32LE(pixelBytes, 34);
  file.fill(0, 38, 54); // resolution and palette counts
  return file;
};

/** The DIB an ICO embeds for a `size`×`size` 24-bit icon: header, colour rows, transparency mask. */
const icoDib = (size: number): Buffer => {
  const colourRows = Math.ceil((size * 3) / 4) * 4 * size;
  const maskRows = Math.ceil(size / 32) * 4 * size;
  const dib = Buffer.alloc(40 + colourRows + maskRows, 0);
  dib.writeUInt32LE(40, 0);
  dib.writeInt32LE(size, 4);
  dib.writeInt32LE(size * 2, 8);
  dib.writeUInt16LE(1, 12);
  dib.writeUInt16LE(24, 14);
  dib.fill(0x60, 40, 40 + colourRows);
  return dib;
};

/** An ICO holding the given images: PNG files as they are, numbers as DIB icons of that size. */
export const ico = (images: Array<Buffer | number>): Buffer => {
  const payloads = images.map((image) => (typeof image === 'number' ? icoDib(image) : image));
  const directory = Buffer.alloc(6 + 16 * payloads.length, 0);
  directory.writeUInt16LE(1, 2);
  directory.writeUInt16LE(payloads.length, 4);
  let offset = directory.length;
  payloads.forEach((payload, index) => {
    const entry = 6 + index * 16;
    const side = typeof images[index] === 'number' ? (images[index] as number) : 0;
    directory[entry] = side % 256;
    directory[entry + 1] = side % 256;
    directory.writeUInt16LE(1, entry + 4);
    directory.writeUInt16LE(32, entry + 6);
    directory.writeUInt32LE(payload.length, entry + 8);
    directory.writeUInt32LE(offset, entry + 12);
    offset += payload.length;
  });
  return Buffer.concat([directory, ...payloads]);
};

/** Just an ISO-BMFF `ftyp` box with the given brands, then padding: enough for sniffing. */
export const ftyp = (major: string, compatible: string[]): Buffer => {
  const box = Buffer.alloc(16 + 4 * compatible.length);
  box.writeUInt32BE(box.length, 0);
  box.write('ftyp', 4, 'latin1');
  box.write(major, 8, 'latin1');
  compatible.forEach((brand, index) => {
    box.write(brand, 16 + index * 4, 'latin1');
  });
  return Buffer.concat([box, Buffer.alloc(64)]);
};

/** A small JPEG, optionally with EXIF. */
export const jpeg = (
  width = 64,
  height = 48,
  options: { exif?: Record<string, Record<string, string>> } = {},
) => {
  const image = sharp({
    create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } },
  }).jpeg();
  return (options.exif ? image.withExif(options.exif) : image).toBuffer();
};

export const png = (width = 64, height = 48) =>
  sharp({ create: { width, height, channels: 4, background: { r: 10, g: 120, b: 200, alpha: 0.5 } } })
    .png()
    .toBuffer();

export const GREEN = { r: 30, g: 200, b: 30 };
export const WHITE = { r: 255, g: 255, b: 255 };

/** Quadrants red (top left), green (top right), blue (bottom left), white: any turn or mirror shows. */
export const quadrants = (width: number, height: number) => {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const top = y < height / 2;
      const left = x < width / 2;
      const { r, g, b } = top ? (left ? RED : GREEN) : left ? BLUE : WHITE;
      pixels.set([r, g, b], (y * width + x) * 3);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } });
};

/** A PNG, transparent except for an opaque red square of `inner` pixels in the middle. */
export const framedPng = (side: number, inner: number) =>
  sharp({ create: { width: side, height: side, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([
      {
        input: { create: { width: inner, height: inner, channels: 4, background: { ...RED, alpha: 1 } } },
        gravity: 'centre',
      },
    ])
    .png()
    .toBuffer();

/** A lossless uniform grey, for exact arithmetic on pixel values. */
export const greyPng = (value: number, width = 8, height = 8) =>
  sharp({ create: { width, height, channels: 3, background: { r: value, g: value, b: value } } })
    .png()
    .toBuffer();

/** Stripes one pixel wide, black and white: the most local variance an image can have. */
export const stripes = (width: number, height: number) => {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      pixels.fill(x % 4 < 2 ? 40 : 215, (y * width + x) * 3, (y * width + x) * 3 + 3);
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } });
};
