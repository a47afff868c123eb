import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { planGeometry } from '#core/images/geometry';
import { IMAGE_LIMITS } from '#core/images/limits';
import { describeOutput, type TransformOptions, transform } from '#core/images/transform';
import { bmp, ico, splitImage } from '#test/fixtures';

const LIMITS = IMAGE_LIMITS;
const NO_CAP = { maxPixels: Number.POSITIVE_INFINITY, maxSide: Number.POSITIVE_INFINITY, frames: 1 };

describe('planGeometry', () => {
  const source = { width: 1000, height: 500 };

  it('leaves the image alone without w or h', () => {
    expect(planGeometry(source, {}, NO_CAP)).toMatchObject({ scaled: source, output: source, kind: 'scale' });
  });

  it('crops centred for cover and pads centred for pad', () => {
    expect(planGeometry(source, { width: 200, height: 200, fit: 'cover' }, NO_CAP)).toEqual({
      scaled: { width: 400, height: 200 },
      output: { width: 200, height: 200 },
      offset: { left: 100, top: 0 },
      kind: 'crop',
    });
    expect(planGeometry(source, { width: 200, height: 200, fit: 'pad' }, NO_CAP)).toEqual({
      scaled: { width: 200, height: 100 },
      output: { width: 200, height: 200 },
      offset: { left: 0, top: 50 },
      kind: 'pad',
    });
  });

  it('treats a single dimension the same for every fit, only scale-down and crop refusing to enlarge', () => {
    for (const fit of ['contain', 'cover', 'pad'] as const) {
      expect(planGeometry(source, { width: 2000, fit }, NO_CAP).output, fit).toEqual({
        width: 2000,
        height: 1000,
      });
    }
    for (const fit of ['scale-down', 'crop'] as const) {
      expect(planGeometry(source, { width: 2000, fit }, NO_CAP).output, fit).toEqual(source);
    }
  });

  it('shrinks an oversized request into the pixel and side caps, frames included', () => {
    const capped = planGeometry(
      source,
      { width: 8000, height: 8000, fit: 'cover' },
      { maxPixels: 4_000_000, maxSide: 10_000, frames: 4 },
    );
    expect(capped.output.width * capped.output.height * 4).toBeLessThanOrEqual(4_000_000);
    expect(capped.scaled.width * capped.scaled.height * 4).toBeLessThanOrEqual(4_000_000);
    const webp = planGeometry(
      { width: 16_384, height: 100 },
      {},
      { maxPixels: 1e9, maxSide: 16_383, frames: 1 },
    );
    expect(webp.output.width).toBeLessThanOrEqual(16_383);
  });
});

describe('describeOutput agrees with transform', () => {
  it.each<[string, TransformOptions]>([
    ['nothing', {}],
    ['w', { width: 37 }],
    ['h and rotate', { height: 30, rotate: 90 }],
    ['cover', { width: 50, height: 50, fit: 'cover' }],
    ['crop', { width: 300, height: 20, fit: 'crop' }],
    ['pad and format', { width: 90, height: 90, fit: 'pad', format: 'webp' }],
    ['contain enlarging', { width: 500, height: 100, fit: 'contain', format: 'avif' }],
  ])('%s', async (_, options) => {
    const input = await splitImage(120, 80).png().toBuffer();
    const described = describeOutput('image/png', { width: 120, height: 80 }, options, LIMITS);
    const actual = await transform(input, options, LIMITS);
    const { info } = await sharp(actual.body).toBuffer({ resolveWithObject: true });
    expect(described).toMatchObject({
      contentType: actual.contentType,
      width: info.width,
      height: info.height,
    });
  });
});

describe('BMP and ICO', () => {
  it('are served as stored without a transform', async () => {
    const file = bmp(10, 8);
    expect(await transform(file, { metadata: 'none', quality: 20 }, LIMITS)).toEqual({
      body: file,
      contentType: 'image/bmp',
    });
    const icon = ico([16]);
    expect(await transform(icon, {}, LIMITS)).toEqual({ body: icon, contentType: 'image/x-icon' });
  });

  it('are decoded when transformed, to PNG unless a format is asked', async () => {
    const fromBmp = await transform(bmp(10, 8), { rotate: 90 }, LIMITS);
    expect(fromBmp.contentType).toBe('image/png');
    expect(await sharp(fromBmp.body).metadata()).toMatchObject({ width: 8, height: 10 });
    const fromIco = await transform(ico([16, 48]), { format: 'webp' }, LIMITS);
    expect(await sharp(fromIco.body).metadata()).toMatchObject({ format: 'webp', width: 48, height: 48 });
    const pngIcon = ico([await splitImage(24, 24).png().toBuffer()]);
    expect(await sharp((await transform(pngIcon, { width: 12 }, LIMITS)).body).metadata()).toMatchObject({
      width: 12,
    });
  });

  it('keep the BMP pixel values through a transform', async () => {
    // bmp() fills every byte with 0x80.
    const { data } = await sharp((await transform(bmp(4, 4), { format: 'png' }, LIMITS)).body)
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([128, 128, 128]);
  });
});
