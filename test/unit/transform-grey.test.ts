import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { IMAGE_LIMITS } from '#core/images/limits';
import { type TransformOptions, transform } from '#core/images/transform';
import { animation, framedPng, quadrants } from '#test/fixtures';

/**
 * `saturation=0` on one band (operations.ts, greyPlan): the same grey as the three-band tone
 * matrix, checked pixel for pixel, in a one-band file; and three bands where one cannot hold it.
 */
const run = (input: Uint8Array, options: TransformOptions) => transform(input, options, IMAGE_LIMITS);

/** The pixels as sRGB (a grey file decoded to R = G = B), and the channels the file itself holds. */
const raw = async (bytes: Uint8Array) => {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const { channels: stored } = await sharp(bytes).metadata();
  return { data, channels: info.channels, stored };
};

/** The first band's values. */
const band = ({ data, channels }: { data: Buffer; channels: number }) =>
  Buffer.from(data.filter((_, i) => i % channels === 0));

const LUMA: [number, number, number] = [0.2126, 0.7152, 0.0722];
/** The three-band tone matrix at saturation 0: every band the Rec. 709 luma. */
const toneMatrix = (brightness = 1) =>
  [LUMA, LUMA, LUMA].map((row) => row.map((weight) => weight * brightness)) as [
    [number, number, number],
    [number, number, number],
    [number, number, number],
  ];

/** The largest difference between two bands. */
const worst = (a: Buffer, b: Buffer) =>
  a.reduce((max, value, i) => Math.max(max, Math.abs(value - (b[i] ?? -255))), 0);

/** The mean difference between two bands. */
const mean = (a: Buffer, b: Buffer) =>
  a.reduce((sum, value, i) => sum + Math.abs(value - (b[i] ?? -255)), 0) / a.length;

/** A photo-like PNG: gradients in every channel, so any difference in the grey shows. */
const gradients = (width: number, height: number) => {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const grain = ((x * 7919 + y * 104_729) % 31) - 15;
      pixels.set(
        [(x * 255) / width + grain, (y * 255) / height - grain, ((x + y) * 127) / (width + height) + 64],
        (y * width + x) * 3,
      );
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
};

describe('transform: saturation=0 on one band', () => {
  it('writes the tone matrix’s grey, exactly, as a one-band PNG', async () => {
    const input = await gradients(96, 64);
    const got = await raw((await run(input, { saturation: 0 })).body);
    expect(got.stored).toBe(1);
    const expected = await sharp(input).recomb(toneMatrix()).extractChannel(0).raw().toBuffer();
    expect(band(got).equals(expected)).toBe(true);
  });

  it('blurs the grey on one band: within a level of blurring three bands first', async () => {
    const input = await gradients(96, 64);
    const got = await raw((await run(input, { saturation: 0, blur: 3 })).body);
    expect(got.stored).toBe(1);
    const threeBands = await sharp(input).blur(3).recomb(toneMatrix()).extractChannel(0).raw().toBuffer();
    expect(worst(band(got), threeBands)).toBeLessThanOrEqual(1);
  });

  it('blurs and sharpens after a resize on one band, and writes a one-component JPEG', async () => {
    const input = await gradients(120, 80);
    const options = { saturation: 0, width: 60, blur: 1, sharpen: 1 };
    const jpeg = await run(input, { ...options, format: 'jpeg' });
    expect(await sharp(jpeg.body).metadata()).toMatchObject({ format: 'jpeg', channels: 1, width: 60 });
    const threeBands = await sharp(input)
      .resize(60, 40, { fit: 'fill' })
      .blur(1)
      .recomb(toneMatrix())
      .sharpen({ sigma: 1, m1: 1, m2: 2, y2: 10, y3: 20 })
      .extractChannel(0)
      .raw()
      .toBuffer();
    // The blur's rounding, which the sharpening (non-linear, in LabS) may amplify here and there.
    const png = band(await raw((await run(input, options)).body));
    expect(worst(png, threeBands)).toBeLessThanOrEqual(4);
    expect(mean(png, threeBands)).toBeLessThan(1);
  });

  it('applies brightness after the blur, as before', async () => {
    const input = await gradients(96, 64);
    const got = await raw((await run(input, { saturation: 0, blur: 2, brightness: 1.8 })).body);
    expect(got.stored).toBe(1);
    const expected = await sharp(input).blur(2).recomb(toneMatrix(1.8)).extractChannel(0).raw().toBuffer();
    expect(band(got).equals(expected)).toBe(true);
  });

  it('goes through a cut (gamma) and a large blur on one band', async () => {
    const input = await gradients(200, 120);
    const gamma = await raw((await run(input, { saturation: 0, gamma: 2 })).body);
    expect(gamma.stored).toBe(1);
    const grey = await sharp(input).recomb(toneMatrix()).extractChannel(0).raw().toBuffer();
    expect(band(gamma).equals(grey.map((value) => Math.round(255 * (value / 255) ** 2)))).toBe(true);
    const large = await raw((await run(input, { saturation: 0, blur: 40 })).body);
    expect(large.stored).toBe(1);
    const threeBands = await raw((await run(input, { saturation: 0.000_001, blur: 40 })).body);
    expect(worst(band(large), band(threeBands))).toBeLessThanOrEqual(2);
  });

  it('keeps alpha in three bands and alpha, with the same grey', async () => {
    const input = await framedPng(20, 10);
    const got = await raw((await run(input, { saturation: 0, blur: 1 })).body);
    expect(got.stored).toBe(4);
    const expected = await sharp(input).blur(1).recomb(toneMatrix()).raw().toBuffer();
    expect(got.data.equals(expected)).toBe(true);
  });

  it('fills the background in its own colour, not grey', async () => {
    const background = { r: 0, g: 200, b: 0, alpha: 1 };
    const out = await raw((await run(await framedPng(20, 10), { saturation: 0, background })).body);
    expect([...out.data.subarray(0, 4)]).toEqual([0, 200, 0, 255].slice(0, out.channels));
  });

  it('greys an animation frame by frame, every frame kept', async () => {
    const out = await run(await animation('gif', 20, 10, 3), { saturation: 0, blur: 1 });
    const { data, info } = await sharp(out.body, { animated: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info.height).toBe(30);
    for (let i = 0; i < data.length; i += info.channels) {
      expect(data[i]).toBe(data[i + 1]);
      expect(data[i + 1]).toBe(data[i + 2]);
    }
  });

  it('keeps the metadata of metadata=keep in a one-band JPEG', async () => {
    const input = await quadrants(40, 40)
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 1 })
      .withIccProfile('srgb')
      .toBuffer();
    const out = await run(input, { saturation: 0, blur: 2, metadata: 'keep' });
    const metadata = await sharp(out.body).metadata();
    expect(metadata.channels).toBe(1);
    expect(metadata.exif).toBeDefined();
    // Red (220, 30, 30) in Rec. 709 luma: 70.
    expect(Math.abs(((await raw(out.body)).data[0] ?? 0) - 70)).toBeLessThan(4);
  });
});
