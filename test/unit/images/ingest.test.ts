import exifReader from 'exif-reader';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ingestImage } from '#core/images/ingest';
import { IMAGE_LIMITS } from '#core/images/limits';
import { ImageRejected } from '#core/images/rejected';
import {
  animation,
  bmp,
  ico,
  jpegClaiming,
  jpegWithStrayBytes,
  pngClaiming,
  solid,
  splitImage,
  tinyHeic,
} from '#test/fixtures';

const LIMITS = IMAGE_LIMITS;

/** The refusal `ingestImage` must throw (the upload answers it as a 422 on `file`), and its reason. */
const rejection = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => expect.unreachable('the image was accepted'),
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ImageRejected);
  return (error as ImageRejected).message;
};

describe('ingestImage', () => {
  describe('accepts each format with its real dimensions and stores the bytes unchanged', () => {
    it.each([
      ['jpeg', 'jpeg', 'image/jpeg', () => solid(30, 20).jpeg().toBuffer()],
      ['png', 'png', 'image/png', () => solid(30, 20, 4).png().toBuffer()],
      ['gif', 'gif', 'image/gif', () => solid(30, 20).gif().toBuffer()],
      ['webp', 'webp', 'image/webp', () => solid(30, 20).webp().toBuffer()],
      ['avif', 'avif', 'image/avif', () => solid(30, 20).avif({ effort: 0 }).toBuffer()],
      [
        'svg',
        'svg',
        'image/svg+xml',
        async () =>
          Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"><circle r="5"/></svg>'),
      ],
      ['bmp', 'bmp', 'image/bmp', async () => bmp(30, 20)],
    ])('%s', async (format, extension, contentType, make) => {
      const bytes = await make();
      const image = await ingestImage(bytes, LIMITS);
      expect(image).toMatchObject({ format, extension, contentType, width: 30, height: 20 });
      expect(image.body).toBe(bytes);
    });
  });

  it('refuses formats it does not take, naming the ones it does', async () => {
    const message = await rejection(ingestImage(await solid(8, 8).tiff().toBuffer(), LIMITS));
    expect(message).toMatch(/^Unsupported image format/);
    expect(message).toContain('JPEG, PNG, GIF, WebP, AVIF, HEIC, SVG, BMP, ICO');
  });

  it('accepts a JPEG that libjpeg only warns about, as browsers do', async () => {
    expect(await ingestImage(await jpegWithStrayBytes(), LIMITS)).toMatchObject({ width: 64, height: 64 });
  });

  it('accepts a GIF with bytes after its trailer', async () => {
    const gif = await animation('gif', 16, 16, 3);
    expect(await ingestImage(Buffer.concat([gif, Buffer.alloc(16)]), LIMITS)).toMatchObject({ width: 16 });
  });

  describe('refuses data that does not decode', () => {
    const corrupt = 'The image data is corrupt or truncated.';

    it('a truncated JPEG', async () => {
      const jpeg = await splitImage(256, 256).jpeg().toBuffer();
      expect(await rejection(ingestImage(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), LIMITS))).toBe(
        corrupt,
      );
    });

    it('a truncated PNG', async () => {
      const png = await splitImage(256, 256).png().toBuffer();
      expect(await rejection(ingestImage(png.subarray(0, Math.floor(png.length * 0.6)), LIMITS))).toBe(
        corrupt,
      );
    });

    it('a JPEG whose header claims more pixels than its data fills', async () => {
      expect(await rejection(ingestImage(await jpegClaiming(7000, 7000), LIMITS))).toBe(corrupt);
    });

    it('a GIF cut short, even at a block boundary', async () => {
      const gif = await animation('gif', 64, 64, 10);
      expect(await rejection(ingestImage(gif.subarray(0, Math.floor(gif.length * 0.6)), LIMITS))).toBe(
        corrupt,
      );
      expect(await rejection(ingestImage(gif.subarray(0, -1), LIMITS))).toBe(corrupt);
    });

    it('a JPEG that is only a header', async () => {
      const jpeg = await splitImage(64, 64).jpeg().toBuffer();
      expect(await rejection(ingestImage(jpeg.subarray(0, 200), LIMITS))).toBe(corrupt);
    });

    it('a truncated SVG', async () => {
      const shapes = '<circle cx="10" cy="10" r="5" fill="#336699"/>'.repeat(20);
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20">${shapes}</svg>`;
      expect(await rejection(ingestImage(Buffer.from(svg.slice(0, 500)), LIMITS))).toBe(corrupt);
    });

    it('an SVG with mismatched tags', async () => {
      const shapes = '<circle cx="10" cy="10" r="5" fill="#336699"/>'.repeat(20);
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20">${shapes}<g><rect></g></svg>`;
      expect(await rejection(ingestImage(Buffer.from(svg), LIMITS))).toBe(corrupt);
    });

    it('a BMP whose pixel data is missing', async () => {
      expect(await rejection(ingestImage(bmp(30, 20, { pixelBytes: 100 }), LIMITS))).toBe(corrupt);
    });

    it('a truncated HEIC', async () => {
      const heic = await tinyHeic();
      expect(await rejection(ingestImage(heic.subarray(0, heic.length - 200), LIMITS))).toBe(corrupt);
    });
  });

  describe('limits', () => {
    it('refuses a ~100-byte PNG claiming 100000×100000 pixels without decoding it', async () => {
      const bomb = pngClaiming(100_000, 100_000);
      expect(bomb.length).toBeLessThan(400);
      const started = performance.now();
      const message = await rejection(
        ingestImage(bomb, { ...IMAGE_LIMITS, maxPixels: 50_000_000, maxSide: 200_000 }),
      );
      expect(performance.now() - started).toBeLessThan(1000);
      expect(message).toBe(
        'The image has 10,000,000,000 pixels, which exceeds the limit of 50,000,000 pixels.',
      );
    });

    it('refuses a side longer than maxSide even when the pixel count fits', async () => {
      const tall = await solid(10, 300).png().toBuffer();
      const message = await rejection(
        ingestImage(tall, { ...IMAGE_LIMITS, maxPixels: 1_000_000, maxSide: 256 }),
      );
      expect(message).toBe('The image is 10×300 pixels, which exceeds the limit of 256 pixels per side.');
      expect((await ingestImage(tall, { ...IMAGE_LIMITS, maxPixels: 1_000_000, maxSide: 300 })).height).toBe(
        300,
      );
    });

    it('counts every frame of an animated GIF and reports one frame as the height', async () => {
      const gif = await animation('gif', 40, 30, 5);
      const image = await ingestImage(gif, { ...IMAGE_LIMITS, maxPixels: 40 * 30 * 5, maxSide: 100 });
      expect(image).toMatchObject({ format: 'gif', width: 40, height: 30 });
      const message = await rejection(
        ingestImage(gif, { ...IMAGE_LIMITS, maxPixels: 40 * 30 * 5 - 1, maxSide: 100 }),
      );
      expect(message).toBe(
        "The animation's 5 frames of 40×30 have 6,000 pixels, which exceeds the limit of 5,999 pixels.",
      );
    });

    it('counts every frame of an animated WebP', async () => {
      const webp = await animation('webp', 40, 30, 4);
      expect(await ingestImage(webp, { ...IMAGE_LIMITS, maxPixels: 4800, maxSide: 100 })).toMatchObject({
        width: 40,
        height: 30,
      });
      await rejection(ingestImage(webp, { ...IMAGE_LIMITS, maxPixels: 4799, maxSide: 100 }));
    });

    it('refuses a BMP header claiming a huge image before decoding anything', async () => {
      const message = await rejection(ingestImage(bmp(100_000, 100_000, { pixelBytes: 16 }), LIMITS));
      expect(message).toMatch(/exceeds the limit of 16,384 pixels per side/);
    });

    it('refuses an ICO hiding a PNG bomb', async () => {
      const message = await rejection(ingestImage(ico([pngClaiming(60_000, 60_000)]), LIMITS));
      expect(message).toMatch(/exceeds the limit of 16,384 pixels per side/);
    });

    it('refuses a HEIC larger than the limits', async () => {
      const message = await rejection(
        ingestImage(await tinyHeic(), { ...IMAGE_LIMITS, maxPixels: 64 * 48 - 1, maxSide: 100 }),
      );
      expect(message).toBe('The image has 3,072 pixels, which exceeds the limit of 3,071 pixels.');
    });
  });

  it('reports display dimensions: width and height swap for EXIF orientation 6', async () => {
    const jpeg = await splitImage(60, 40).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const image = await ingestImage(jpeg, LIMITS);
    expect(image).toMatchObject({ width: 40, height: 60 });
    expect(image.body).toBe(jpeg);
  });

  describe('BMP', () => {
    it('reads the dimensions of a hand-built bitmap', async () => {
      expect(await ingestImage(bmp(7, 3), LIMITS)).toMatchObject({ format: 'bmp', width: 7, height: 3 });
    });

    it('says so when the BMP is of a kind it cannot decode', async () => {
      const message = await rejection(ingestImage(bmp(7, 3, { topDown: true }), LIMITS));
      expect(message).toMatch(/kind of BMP .* is not supported/);
    });
  });

  describe('ICO', () => {
    it('reports the largest image of an ICO wrapping PNGs', async () => {
      const small = await solid(16, 16, 4).png().toBuffer();
      const large = await solid(48, 32, 4).png().toBuffer();
      const bytes = ico([small, large]);
      const image = await ingestImage(bytes, LIMITS);
      expect(image).toMatchObject({ format: 'ico', extension: 'ico', contentType: 'image/x-icon' });
      expect(image).toMatchObject({ width: 48, height: 32 });
      expect(image.body).toBe(bytes);
    });

    it('decodes classic bitmap icons too', async () => {
      expect(await ingestImage(ico([16, 32]), LIMITS)).toMatchObject({ width: 32, height: 32 });
    });

    it('refuses an ICO whose embedded PNG is corrupt', async () => {
      const png = await splitImage(32, 32).png().toBuffer();
      const broken = Buffer.from(png);
      broken.fill(0, 60, png.length - 12);
      expect(await rejection(ingestImage(ico([broken]), LIMITS))).toBe(
        'The image data is corrupt or truncated.',
      );
    });
  });

  describe('HEIC', () => {
    it('converts to an upright JPEG stored as jpg, keeping colour profile and copyright only', async () => {
      const heic = await tinyHeic();
      const image = await ingestImage(heic, LIMITS);
      expect(image).toMatchObject({
        format: 'heic',
        extension: 'jpg',
        contentType: 'image/jpeg',
        width: 64,
        height: 48,
      });

      const stored = await sharp(image.body).metadata();
      expect(stored).toMatchObject({ format: 'jpeg', width: 64, height: 48 });
      const source = await sharp(heic).metadata();
      expect(stored.icc).toEqual(source.icc);

      expect(stored.exif).toBeDefined();
      const exif = exifReader(stored.exif as Buffer);
      expect(exif.Image).toMatchObject({ Copyright: '(c) Test Owner', Artist: 'Ann Artist' });
      expect(exif.Image).not.toHaveProperty('Make');
      expect(exif.Image).not.toHaveProperty('Model');
      expect(exif.GPSInfo).toBeUndefined();
      expect(exif.Photo?.BodySerialNumber).toBeUndefined();

      // Left half red, right half blue, as encoded.
      const { data } = await sharp(image.body).raw().toBuffer({ resolveWithObject: true });
      const pixel = (x: number, y: number) => [...data.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3)];
      const [leftR = 0, , leftB = 0] = pixel(8, 24);
      const [rightR = 0, , rightB = 0] = pixel(56, 24);
      expect(leftR).toBeGreaterThan(leftB + 100);
      expect(rightB).toBeGreaterThan(rightR + 100);
    });
  });

  it('never lets a decoder error escape as anything but the 422', async () => {
    const cases = [
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(40, 0xff)]),
      Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'),
      Buffer.from('BM', 'latin1'),
      Buffer.from([0, 0, 1, 0, 1, 0]),
      ico([16]).subarray(0, 30),
      Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"', 'utf8'),
    ];
    for (const bytes of cases) await rejection(ingestImage(bytes, LIMITS));
  });
});
