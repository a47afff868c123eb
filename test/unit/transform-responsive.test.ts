import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { IMAGE_LIMITS } from '#core/images/limits';
import { describeOutput, type TransformOptions, transform } from '#core/images/transform';
import { animation, BLUE, GREEN, quadrants, RED, WHITE } from '#test/fixtures';

/** format=auto, dpr, named sizes, gravity and trim, checked on the pixels they produce. */
const run = (input: Uint8Array, options: TransformOptions) => transform(input, options, IMAGE_LIMITS);

const decode = async (bytes: Uint8Array) => {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => {
    const i = (y * info.width + x) * info.channels;
    return { r: data[i] ?? -1, g: data[i + 1] ?? -1, b: data[i + 2] ?? -1 };
  };
  return { width: info.width, height: info.height, at };
};

const near = (pixel: { r: number; g: number; b: number }, colour: { r: number; g: number; b: number }) =>
  Math.abs(pixel.r - colour.r) <= 16 &&
  Math.abs(pixel.g - colour.g) <= 16 &&
  Math.abs(pixel.b - colour.b) <= 16;

const size = async (bytes: Uint8Array) => {
  const { width, height } = await sharp(bytes).metadata();
  return { width, height };
};

describe('format=auto', () => {
  const photo = () => quadrants(64, 48).jpeg().toBuffer();

  it.each([
    ['avif', 'image/avif', 'heif'],
    ['webp', 'image/webp', 'webp'],
    ['legacy', 'image/jpeg', 'jpeg'],
    [undefined, 'image/jpeg', 'jpeg'],
  ] as const)('serves a JPEG to the %s class as %s', async (accepts, contentType, decoded) => {
    const image = await run(await photo(), { format: 'auto', accepts, width: 32 });
    expect(image.contentType).toBe(contentType);
    const { format, width } = await sharp(image.body).metadata();
    expect(format).toBe(decoded);
    expect(width).toBe(32);
    const pixels = await decode(image.body);
    expect(near(pixels.at(4, 4), RED)).toBe(true);
  });

  it('keeps an animation animated: WebP where accepted (never single-frame AVIF), else as stored', async () => {
    const gif = await animation('gif', 16, 16, 4);
    const avifClient = await run(gif, { format: 'auto', accepts: 'avif' });
    expect(avifClient.contentType).toBe('image/webp');
    expect((await sharp(avifClient.body).metadata()).pages).toBe(4);
    const legacy = await run(gif, { format: 'auto', accepts: 'legacy' });
    expect(legacy.contentType).toBe('image/gif');
    expect((await sharp(legacy.body).metadata()).pages).toBe(4);
  });

  it('gives legacy clients what every browser shows: a stored WebP as JPEG, or PNG with alpha', async () => {
    const opaque = await quadrants(16, 16).webp().toBuffer();
    expect((await run(opaque, { format: 'auto', accepts: 'legacy' })).contentType).toBe('image/jpeg');
    const clear = await sharp({
      create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } },
    })
      .avif()
      .toBuffer();
    expect((await run(clear, { format: 'auto', accepts: 'legacy' })).contentType).toBe('image/png');
    const png = await quadrants(16, 16).png().toBuffer();
    expect((await run(png, { format: 'auto', accepts: 'legacy' })).contentType).toBe('image/png');
  });

  it('keeps SVG vector', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    );
    expect((await run(svg, { format: 'auto', accepts: 'avif' })).contentType).toBe('image/svg+xml');
  });

  it('describes the page image for unfurlers as the legacy class', () => {
    const described = describeOutput(
      'image/jpeg',
      { width: 100, height: 50 },
      { format: 'auto', width: 50 },
      IMAGE_LIMITS,
    );
    expect(described).toMatchObject({ contentType: 'image/jpeg', width: 50, height: 25 });
  });
});

describe('dpr', () => {
  const wide = () => quadrants(400, 200).png().toBuffer();

  it('multiplies w and h', async () => {
    expect(await size((await run(await wide(), { width: 100, dpr: 2 })).body)).toEqual({
      width: 200,
      height: 100,
    });
    expect(await size((await run(await wide(), { height: 50, dpr: 1.5 })).body)).toEqual({
      width: 150,
      height: 75,
    });
  });

  it('never asks for more than the original, even where the fit enlarges', async () => {
    expect(await size((await run(await wide(), { width: 300, dpr: 2 })).body)).toEqual({
      width: 400,
      height: 200,
    });
    expect(await size((await run(await wide(), { width: 300, dpr: 2, fit: 'contain' })).body)).toEqual({
      width: 400,
      height: 200,
    });
    // Cover 100×100 at 3×: the height runs out first (200 = 100 × 2), so 2× it is.
    expect(
      await size((await run(await wide(), { width: 100, height: 100, fit: 'cover', dpr: 3 })).body),
    ).toEqual({ width: 200, height: 200 });
  });
});

describe('size', () => {
  // 4:3 like img.pro's example (4000×3000 → 426×320, 853×640, 1440×1080), at 1600×1200.
  const photo = () => quadrants(1600, 1200).jpeg().toBuffer();

  it.each([
    ['small', { width: 427, height: 320 }],
    ['medium', { width: 853, height: 640 }],
    ['large', { width: 1440, height: 1080 }],
    ['social', { width: 1200, height: 630 }],
  ] as const)('%s bounds the short side (social: the 1200×630 card)', async (named, expected) => {
    expect(await size((await run(await photo(), { size: named })).body)).toEqual(expected);
  });

  it('bounds the long side of a panorama, never enlarges, and takes dpr', async () => {
    const panorama = await quadrants(3000, 1000).png().toBuffer();
    expect(await size((await run(panorama, { size: 'small' })).body)).toEqual({ width: 320, height: 107 });
    const portrait = await quadrants(300, 400).png().toBuffer();
    expect(await size((await run(portrait, { size: 'small' })).body)).toEqual({ width: 300, height: 400 });
    expect(await size((await run(portrait, { size: 'small', dpr: 2 })).body)).toEqual({
      width: 300,
      height: 400,
    });
    expect(await size((await run(panorama, { size: 'small', dpr: 2 })).body)).toEqual({
      width: 640,
      height: 213,
    });
  });

  it('fills the social card, cropping centred', async () => {
    const image = await decode((await run(await photo(), { size: 'social' })).body);
    expect(near(image.at(10, 10), RED)).toBe(true);
    expect(near(image.at(1190, 620), WHITE)).toBe(true);
  });
});

describe('gravity', () => {
  // Quadrants: red top left, green top right, blue bottom left, white bottom right.
  const square = () => quadrants(200, 200).png().toBuffer();
  const crop = async (gravity: TransformOptions['gravity'], box: { width: number; height: number }) =>
    decode((await run(await square(), { ...box, fit: 'cover', gravity })).body);
  const tall = { width: 100, height: 200 };
  const flat = { width: 200, height: 100 };

  it.each([
    ['west', tall, RED, BLUE],
    ['east', tall, GREEN, WHITE],
    ['north', flat, RED, GREEN],
    ['south', flat, BLUE, WHITE],
  ] as const)('%s keeps that side', async (gravity, box, first, last) => {
    const image = await crop(gravity, box);
    expect(near(image.at(5, 5), first)).toBe(true);
    expect(near(image.at(box.width - 5, box.height - 5), last)).toBe(true);
  });

  it('keeps a corner: its side of whichever dimension overflows', async () => {
    const tallCrop = await crop('southeast', tall);
    expect(near(tallCrop.at(5, 5), GREEN)).toBe(true);
    const flatCrop = await crop('southeast', flat);
    expect(near(flatCrop.at(5, 5), BLUE)).toBe(true);
    expect(near(flatCrop.at(195, 95), WHITE)).toBe(true);
  });

  it('centres a focal point as far as the image allows', async () => {
    // x 0.9 of 200 = 180; a 100-wide window centred there would pass the edge: it stops at 100.
    const east = await crop({ x: 0.9, y: 0.5 }, tall);
    expect(near(east.at(5, 5), GREEN)).toBe(true);
    // x 0.4: the window starts at 30, so red (up to 100) then green.
    const image = await crop({ x: 0.4, y: 0.5 }, tall);
    expect(near(image.at(65, 5), RED)).toBe(true);
    expect(near(image.at(75, 5), GREEN)).toBe(true);
  });

  it('finds the salient region (attention) and the detailed one (entropy)', async () => {
    // Flat grey, with a saturated, busy patch on the right.
    const width = 400;
    const height = 200;
    const pixels = Buffer.alloc(width * height * 3, 128);
    for (let y = 0; y < height; y++)
      for (let x = 300; x < width; x++)
        pixels.set((x + y) % 8 < 4 ? [250, 20, 40] : [250, 200, 0], (y * width + x) * 3);
    const input = await sharp(pixels, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer();
    for (const gravity of ['attention', 'entropy'] as const) {
      const image = await decode((await run(input, { width: 100, height: 200, fit: 'cover', gravity })).body);
      expect(image.width, gravity).toBe(100);
      expect(near(image.at(50, 100), { r: 128, g: 128, b: 128 }), gravity).toBe(false);
      const centred = await decode((await run(input, { width: 100, height: 200, fit: 'cover' })).body);
      expect(near(centred.at(50, 100), { r: 128, g: 128, b: 128 })).toBe(true);
    }
  });
});

describe('trim', () => {
  const framed = () =>
    sharp({ create: { width: 200, height: 120, channels: 3, background: WHITE } })
      .composite([
        { input: { create: { width: 100, height: 60, channels: 3, background: BLUE } }, top: 20, left: 70 },
      ])
      .png()
      .toBuffer();

  it('removes a uniform border before resizing', async () => {
    const trimmed = await decode((await run(await framed(), { trim: 10 })).body);
    expect({ width: trimmed.width, height: trimmed.height }).toEqual({ width: 100, height: 60 });
    expect(near(trimmed.at(0, 0), BLUE)).toBe(true);
    expect(near(trimmed.at(99, 59), BLUE)).toBe(true);
    expect(await size((await run(await framed(), { trim: 10, width: 50 })).body)).toEqual({
      width: 50,
      height: 30,
    });
  });

  it('leaves an image that is all border as it is', async () => {
    const plain = await sharp({ create: { width: 30, height: 20, channels: 3, background: WHITE } })
      .png()
      .toBuffer();
    expect(await size((await run(plain, { trim: 10 })).body)).toEqual({ width: 30, height: 20 });
  });
});
