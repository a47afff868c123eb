import { crc32 } from 'node:zlib';
import exifReader from 'exif-reader';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { keptExifBlock } from '#core/images/exif-block';
import { stripLosslessly } from '#core/images/lossless-strip';
import { prepareForViewing } from '#core/images/viewing';
import { animation, PRIVATE_EXIF, textured } from '#test/fixtures';

/**
 * The plain link strips metadata from JPEG, PNG and WebP without decoding: the pixels a decoder
 * gets must be the original's bit for bit, and the bytes that hold them copied unchanged.
 */

const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="52,31.0N"/></rdf:RDF></x:xmpmeta>';

const CAMERA_EXIF = PRIVATE_EXIF;

const raw = (bytes: Uint8Array, animated = false) =>
  sharp(bytes, { animated }).raw().toBuffer({ resolveWithObject: true });

const expectSamePixels = async (output: Uint8Array, original: Uint8Array, animated = false) => {
  const [out, source] = [await raw(output, animated), await raw(original, animated)];
  expect(out.info).toEqual(source.info);
  expect(out.data.equals(source.data)).toBe(true);
};

const exifOf = async (bytes: Uint8Array) => {
  const { exif } = await sharp(bytes).metadata();
  return exif ? exifReader(exif) : undefined;
};

/** EXIF reduced to artist and copyright, everything private gone. */
const expectOnlyCopyright = async (bytes: Uint8Array) => {
  const exif = await exifOf(bytes);
  expect(Object.keys(exif?.Image ?? {}).sort()).toEqual(['Artist', 'Copyright']);
  expect(exif?.Image).toEqual({ Artist: 'Ann Artist', Copyright: '(c) Test Owner' });
  expect(exif?.GPSInfo).toBeUndefined();
  expect(exif?.Photo).toBeUndefined();
};

// --- JPEG -------------------------------------------------------------------------------------

const jpegSegment = (marker: number, payload: Buffer) => {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
};

/** An IPTC record (city) in a Photoshop resource block, as APP13 carries it. */
const IPTC = (() => {
  const record = Buffer.from([0x1c, 0x02, 0x5a, 0x00, 0x06, ...Buffer.from('Berlin')]);
  const resource = Buffer.alloc(12);
  resource.write('8BIM', 0, 'latin1');
  resource.writeUInt16BE(0x0404, 4);
  resource.writeUInt32BE(record.length, 8);
  return jpegSegment(
    0xed,
    Buffer.concat([Buffer.from('Photoshop 3.0\0', 'latin1'), resource, record, Buffer.alloc(1)]),
  );
})();
const MPF = jpegSegment(0xe2, Buffer.from('MPF\0II*\0 device data', 'latin1'));
/** JFIF with a 1×1 thumbnail (an older version of the picture) and Adobe's colour transform flag. */
const JFIF = jpegSegment(0xe0, Buffer.from([...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 1, 1, 9, 9, 9]));
const ADOBE = jpegSegment(0xee, Buffer.from([...Buffer.from('Adobe'), 0, 100, 0, 0, 0, 0, 1]));
const COMMENT = jpegSegment(0xfe, Buffer.from('Shot on Cam 1', 'latin1'));
/** What phones append after the image: a second JPEG (MPF), a motion-photo video, maker data. */
const TRAILER = Buffer.from('\xff\xd8 secondary image with its own GPS \xff\xd9', 'latin1');

const cameraJpeg = async (options: { progressive?: boolean } = {}) => {
  const jpeg = await textured(96, 64)
    .jpeg({ quality: 85, ...options })
    .withIccProfile('p3')
    .withExif(CAMERA_EXIF)
    .withXmp(XMP)
    .toBuffer();
  return Buffer.concat([jpeg.subarray(0, 2), JFIF, IPTC, MPF, ADOBE, COMMENT, jpeg.subarray(2), TRAILER]);
};

/** The marker and signature of each segment before the first scan; the offset of that scan. */
const jpegHeader = (bytes: Uint8Array) => {
  const buffer = Buffer.from(bytes);
  const segments: string[] = [];
  let at = 2;
  while (buffer[at + 1] !== 0xda) {
    const marker = buffer[at + 1] ?? 0;
    const length = buffer.readUInt16BE(at + 2);
    if (marker >= 0xe0 || marker === 0xfe)
      segments.push(
        `${marker.toString(16)} ${buffer.toString('latin1', at + 4, at + 4 + 12).split('\0')[0]}`,
      );
    at += 2 + length;
  }
  return { segments, scan: at };
};

describe('lossless metadata policy: JPEG', () => {
  it('keeps the scans byte for byte and drops GPS, device tags, XMP, IPTC, MPF, comments and trailers', async () => {
    const original = await cameraJpeg();
    const before = await sharp(original).metadata();
    expect(before.iptc).toBeDefined();
    expect(before.xmp).toBeDefined();
    expect((await exifOf(original))?.GPSInfo).toBeDefined();

    const { body } = await prepareForViewing(original, 'image/jpeg');

    await expectSamePixels(body, original);
    // The entropy-coded data up to EOI is the original's: nothing was decoded or re-encoded.
    const [out, source] = [jpegHeader(body), jpegHeader(original)];
    const scans = Buffer.from(body).subarray(out.scan);
    expect(Buffer.from(original).indexOf(scans)).toBe(source.scan);
    expect(out.segments).toEqual(['e0 JFIF', 'ee Adobe', 'e1 Exif', 'e2 ICC_PROFILE']);
    await expectOnlyCopyright(body);
    const after = await sharp(body).metadata();
    expect(after.xmp).toBeUndefined();
    expect(after.iptc).toBeUndefined();
    expect(after.icc).toEqual(before.icc);
    expect(Buffer.from(body).includes(TRAILER)).toBe(false);
    // JFIF stays (it says how to read the colours), without its thumbnail.
    expect(Buffer.from(body).subarray(2, 20)).toEqual(
      Buffer.concat([JFIF.subarray(0, 16), Buffer.from([0, 0])]).fill(16, 3, 4),
    );
    expect(body.length).toBeLessThan(original.length);
  });

  it('walks every scan of a progressive JPEG', async () => {
    const original = await cameraJpeg({ progressive: true });
    const { body } = await prepareForViewing(original, 'image/jpeg');
    await expectSamePixels(body, original);
    const scans = Buffer.from(body).subarray(jpegHeader(body).scan);
    expect(Buffer.from(original).indexOf(scans)).toBe(jpegHeader(original).scan);
    expect((await sharp(body).metadata()).isProgressive).toBe(true);
    await expectOnlyCopyright(body);
  });

  it('keeps no EXIF at all under metadata=none, but the colour profile', async () => {
    const original = await cameraJpeg();
    const { body } = await prepareForViewing(original, 'image/jpeg', 'none');
    await expectSamePixels(body, original);
    expect(jpegHeader(body).segments).toEqual(['e0 JFIF', 'ee Adobe', 'e2 ICC_PROFILE']);
    expect((await sharp(body).metadata()).icc).toEqual((await sharp(original).metadata()).icc);
  });

  it('falls back to decoding when it cannot tell which of two EXIF blocks counts', async () => {
    const original = await cameraJpeg();
    const exif = jpegHeader(original);
    const twice = Buffer.concat([
      original.subarray(0, 2),
      jpegSegment(0xe1, Buffer.from('Exif\0\0MM\0*\0\0\0\x08\0\0')),
      original.subarray(2),
    ]);
    expect(exif.segments).toContain('e1 Exif');
    expect(stripLosslessly(twice, 'image/jpeg', 'copyright')).toBeUndefined();
    const { body } = await prepareForViewing(twice, 'image/jpeg');
    expect((await exifOf(body))?.GPSInfo).toBeUndefined();
    expect((await sharp(body).metadata()).xmp).toBeUndefined();
  });
});

describe('keptExifBlock', () => {
  it('copies the bytes of artist and copyright as written (none dropped for being non-ASCII)', () => {
    // Big-endian IFD0: Make "ACME", Copyright "© Owner" (UTF-8), Artist "Ann".
    const copyright = Buffer.from('© Owner\0');
    const tiff = Buffer.alloc(8 + 2 + 3 * 12 + 4 + copyright.length);
    tiff.write('MM\0*', 0, 'latin1');
    tiff.writeUInt32BE(8, 4);
    tiff.writeUInt16BE(3, 8);
    const entry = (i: number, tag: number, count: number) => {
      tiff.writeUInt16BE(tag, 10 + i * 12);
      tiff.writeUInt16BE(2, 12 + i * 12);
      tiff.writeUInt32BE(count, 14 + i * 12);
    };
    entry(0, 0x010f, 4);
    tiff.write('ACME', 18, 'latin1');
    entry(1, 0x013b, 4);
    tiff.write('Ann\0', 30, 'latin1');
    entry(2, 0x8298, copyright.length);
    tiff.writeUInt32BE(50, 42);
    copyright.copy(tiff, 50);

    const block = Buffer.from(keptExifBlock(tiff) ?? []);
    expect(block.includes(copyright)).toBe(true);
    expect(block.includes('ACME')).toBe(false);
    // exif-reader hands non-ASCII text back as bytes.
    expect(exifReader(block).Image).toEqual({ Artist: 'Ann', Copyright: copyright });
    expect(keptExifBlock(tiff.subarray(0, 20))).toBeUndefined();
  });
});

// --- PNG --------------------------------------------------------------------------------------

const pngChunk = (type: string, data: Buffer) => {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
};

const pngChunks = (bytes: Uint8Array) => {
  const buffer = Buffer.from(bytes);
  const chunks: { type: string; data: Buffer; crcOk: boolean }[] = [];
  for (let at = 8; at < buffer.length; ) {
    const length = buffer.readUInt32BE(at);
    const data = buffer.subarray(at + 8, at + 8 + length);
    const crcOk = buffer.readUInt32BE(at + 8 + length) === crc32(buffer.subarray(at + 4, at + 8 + length));
    chunks.push({ type: buffer.toString('latin1', at + 4, at + 8), data, crcOk });
    at += 12 + length;
    if (chunks.at(-1)?.type === 'IEND') break;
  }
  return chunks;
};

const idat = (bytes: Uint8Array) =>
  Buffer.concat(
    pngChunks(bytes)
      .filter((chunk) => chunk.type === 'IDAT')
      .map((chunk) => chunk.data),
  );

const cameraPng = async () => {
  const png = await textured(48, 32)
    .png({ compressionLevel: 9 })
    .withIccProfile('p3')
    .withExif(CAMERA_EXIF)
    .withXmp(XMP)
    .toBuffer();
  const firstIdat = png.indexOf('IDAT') - 4;
  const text = (keyword: string, value: string) =>
    pngChunk('tEXt', Buffer.from(`${keyword}\0${value}`, 'latin1'));
  return Buffer.concat([
    png.subarray(0, firstIdat),
    text('Copyright', '(c) Test Owner'),
    text('Comment', 'Shot on Cam 1 at 52N 13E'),
    pngChunk('tIME', Buffer.from([7, 234, 12, 2, 8, 0, 0])),
    png.subarray(firstIdat),
    Buffer.from('trailing'),
  ]);
};

describe('lossless metadata policy: PNG', () => {
  it('keeps IDAT and the colour chunks, copyright in EXIF and text, nothing else', async () => {
    const original = await cameraPng();
    const types = pngChunks(original).map((chunk) => chunk.type);
    expect(types).toEqual(expect.arrayContaining(['iCCP', 'eXIf', 'zTXt', 'tEXt', 'tIME']));

    const { body } = await prepareForViewing(original, 'image/png');

    await expectSamePixels(body, original);
    expect(idat(body).equals(idat(original))).toBe(true);
    const chunks = pngChunks(body);
    expect(chunks.every((chunk) => chunk.crcOk)).toBe(true);
    expect(chunks.map((chunk) => chunk.type).filter((type) => type !== 'IDAT')).toEqual([
      'IHDR',
      'iCCP',
      'eXIf',
      'pHYs',
      'tEXt',
      'IEND',
    ]);
    expect(chunks.find((chunk) => chunk.type === 'tEXt')?.data.toString('latin1')).toBe(
      'Copyright\0(c) Test Owner',
    );
    await expectOnlyCopyright(body);
    expect((await sharp(body).metadata()).xmp).toBeUndefined();
    expect((await sharp(body).metadata()).icc).toEqual((await sharp(original).metadata()).icc);
  });

  it('keeps neither EXIF nor text under metadata=none', async () => {
    const original = await cameraPng();
    const { body } = await prepareForViewing(original, 'image/png', 'none');
    await expectSamePixels(body, original);
    expect(idat(body).equals(idat(original))).toBe(true);
    expect(pngChunks(body).map((chunk) => chunk.type)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^(eXIf|tEXt|iTXt|zTXt|tIME)$/)]),
    );
  });
});

// --- WebP -------------------------------------------------------------------------------------

const webpChunks = (bytes: Uint8Array) => {
  const buffer = Buffer.from(bytes);
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 12; at + 8 <= buffer.length; ) {
    const size = buffer.readUInt32LE(at + 4);
    chunks.push({
      type: buffer.toString('latin1', at, at + 4),
      data: buffer.subarray(at + 8, at + 8 + size),
    });
    at += 8 + size + (size % 2);
  }
  return chunks;
};
const chunk = (bytes: Uint8Array, type: string) => webpChunks(bytes).find((c) => c.type === type)?.data;
/** VP8X flags: ICC 0x20, EXIF 0x08, XMP 0x04, animation 0x02. */
const flags = (bytes: Uint8Array) => chunk(bytes, 'VP8X')?.[0] ?? 0;

describe('lossless metadata policy: WebP', () => {
  it('keeps a lossy WebP’s VP8 data and fixes the VP8X flags and RIFF size', async () => {
    const original = await textured(96, 64)
      .webp({ quality: 80 })
      .withIccProfile('p3')
      .withExif(CAMERA_EXIF)
      .withXmp(XMP)
      .toBuffer();
    expect(flags(original) & 0x2c).toBe(0x2c);

    const { body } = await prepareForViewing(original, 'image/webp');

    await expectSamePixels(body, original);
    expect(chunk(body, 'VP8 ')?.equals(chunk(original, 'VP8 ') ?? Buffer.alloc(0))).toBe(true);
    expect(webpChunks(body).map((c) => c.type)).toEqual(['VP8X', 'ICCP', 'VP8 ', 'EXIF']);
    expect(flags(body)).toBe(flags(original) & ~0x04);
    expect(Buffer.from(body).readUInt32LE(4)).toBe(body.length - 8);
    await expectOnlyCopyright(body);
    expect((await sharp(body).metadata()).xmp).toBeUndefined();
    expect((await sharp(body).metadata()).icc).toEqual((await sharp(original).metadata()).icc);

    const none = (await prepareForViewing(original, 'image/webp', 'none')).body;
    await expectSamePixels(none, original);
    expect(webpChunks(none).map((c) => c.type)).toEqual(['VP8X', 'ICCP', 'VP8 ']);
    expect(flags(none)).toBe(flags(original) & ~0x0c);
    expect(Buffer.from(none).readUInt32LE(4)).toBe(none.length - 8);
  });

  it('keeps every frame of an animation as it was', async () => {
    const original = await sharp(await animation('webp', 20, 10, 3), { animated: true })
      .webp()
      .withExif(CAMERA_EXIF)
      .withXmp(XMP)
      .toBuffer();
    const { body } = await prepareForViewing(original, 'image/webp');
    await expectSamePixels(body, original, true);
    const frames = (bytes: Uint8Array) => webpChunks(bytes).filter((c) => c.type === 'ANMF');
    expect(frames(body)).toEqual(frames(original));
    expect(await sharp(body).metadata()).toMatchObject({
      pages: 3,
      delay: (await sharp(original).metadata()).delay,
    });
    await expectOnlyCopyright(body);
  });
});

// --- Hostile input ----------------------------------------------------------------------------

const samples = async () => ({
  'image/jpeg': await cameraJpeg().then((jpeg) => jpeg.subarray(0, jpeg.length - TRAILER.length)),
  'image/png': await cameraPng().then((png) => png.subarray(0, png.length - 'trailing'.length)),
  'image/webp': await textured(24, 16).webp().withExif(CAMERA_EXIF).withXmp(XMP).toBuffer(),
});

/** A deterministic sequence in [0, 1): the same corruptions on every run. */
const random = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};

describe('lossless metadata policy: hostile input', () => {
  it('answers undefined for every truncation, never throws', async () => {
    for (const [type, bytes] of Object.entries(await samples())) {
      expect(stripLosslessly(bytes, type, 'copyright'), type).toBeDefined();
      for (let length = 0; length < bytes.length; length++) {
        expect(
          stripLosslessly(bytes.subarray(0, length), type, 'copyright'),
          `${type} cut at ${length}`,
        ).toBeUndefined();
      }
    }
  });

  it('survives corrupted bytes without throwing', async () => {
    const next = random(18);
    for (const [type, bytes] of Object.entries(await samples())) {
      for (let round = 0; round < 2000; round++) {
        const corrupt = Buffer.from(bytes);
        for (let flips = 1 + Math.floor(next() * 4); flips > 0; flips--) {
          corrupt[Math.floor(next() * Math.min(corrupt.length, 2000))] = Math.floor(next() * 256);
        }
        const result = stripLosslessly(corrupt, type, next() < 0.5 ? 'copyright' : 'none');
        if (result) expect(result.body.length, type).toBeLessThanOrEqual(corrupt.length + 64);
      }
    }
  });

  it('refuses lengths past the end', async () => {
    const { 'image/jpeg': jpeg, 'image/png': png, 'image/webp': webp } = await samples();
    const longSegment = Buffer.concat([
      jpeg.subarray(0, 2),
      Buffer.from([0xff, 0xe1, 0xff, 0xff]),
      Buffer.from('Exif\0\0'),
    ]);
    expect(stripLosslessly(longSegment, 'image/jpeg', 'copyright')).toBeUndefined();
    const longChunk = Buffer.from(png);
    longChunk.writeUInt32BE(0x7fff_ffff, 8);
    expect(stripLosslessly(longChunk, 'image/png', 'copyright')).toBeUndefined();
    const longRiff = Buffer.from(webp);
    longRiff.writeUInt32LE(0xffff_fff0, 4);
    expect(stripLosslessly(longRiff, 'image/webp', 'copyright')).toBeUndefined();
    const longWebpChunk = Buffer.from(webp);
    longWebpChunk.writeUInt32LE(0xffff_fff0, 16);
    expect(stripLosslessly(longWebpChunk, 'image/webp', 'copyright')).toBeUndefined();
  });

  it('does not guess at an EXIF block with another header than "Exif\\0\\0"', async () => {
    const { 'image/jpeg': jpeg } = await samples();
    const odd = Buffer.from(jpeg);
    const exif = odd.indexOf('Exif\0\0');
    odd[exif + 5] = 0xff;
    expect(stripLosslessly(jpeg, 'image/jpeg', 'copyright')).toBeDefined();
    expect(stripLosslessly(odd, 'image/jpeg', 'copyright')).toBeUndefined();
  });

  it('drops a hundred thousand empty segments in one pass', async () => {
    const { 'image/jpeg': jpeg } = await samples();
    const many = Buffer.concat([
      jpeg.subarray(0, 2),
      Buffer.alloc(100_000 * 4, Buffer.from([0xff, 0xfe, 0, 2])),
      jpeg.subarray(2),
    ]);
    const stripped = stripLosslessly(many, 'image/jpeg', 'copyright');
    expect(stripped?.body).toEqual(stripLosslessly(jpeg, 'image/jpeg', 'copyright')?.body);
  });
});
