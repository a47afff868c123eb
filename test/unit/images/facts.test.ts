import { decode as decodeBlurhash } from 'blurhash';
import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio, thumbHashToAverageRGBA, thumbHashToRGBA } from 'thumbhash';
import { describe, expect, it } from 'vitest';
import type { ImageFacts } from '#core/images/facts';
import { ingestImage } from '#core/images/ingest';
import { IMAGE_LIMITS } from '#core/images/limits';
import {
  animation,
  BLUE,
  bmp,
  framedPng,
  ico,
  jpeg,
  quadrants,
  RED,
  splitImage,
  tinyHeic,
} from '#test/fixtures';
import { pathHeavySvg } from '#test/hostile';

/** Placeholder and facts exactly as an upload of `bytes` stores them. */
const factsOf = async (bytes: Uint8Array): Promise<ImageFacts> =>
  (await ingestImage(bytes, IMAGE_LIMITS)).facts;

const placeholderOf = async (bytes: Uint8Array) => {
  const { placeholder } = await factsOf(bytes);
  if (!placeholder) throw new Error('no placeholder');
  return placeholder;
};

type Rgb = [number, number, number];

/** Mean colour of 8-bit RGBA pixels, weighted by opacity. */
const meanOf = (rgba: ArrayLike<number>): Rgb => {
  const sum = [0, 0, 0];
  let weight = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    const alpha = rgba[i + 3] as number;
    sum.forEach((value, band) => {
      sum[band] = value + (rgba[i + band] as number) * alpha;
    });
    weight += alpha;
  }
  return sum.map((value) => value / weight) as Rgb;
};

/** The mean colour of an image as sharp decodes it, every pixel counted. */
const originalMean = async (bytes: Uint8Array): Promise<Rgb> => {
  const { data } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return meanOf(data);
};

const distance = (a: Rgb, b: Rgb) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const rgbOf = (hex: string): Rgb => [1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16)) as Rgb;

/** Grain over mid-grey: a photo's texture with little contrast. */
const grainyPhoto = () =>
  sharp({
    create: {
      width: 640,
      height: 480,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 100, sigma: 30 },
    },
  })
    .jpeg()
    .toBuffer();

describe('image facts computed at ingest', () => {
  it('stores a ThumbHash that decodes to an image of the original’s mean colour', async () => {
    for (const image of [
      await quadrants(400, 300).jpeg().toBuffer(),
      await splitImage(300, 500).png().toBuffer(),
      await grainyPhoto(),
    ]) {
      const { thumbhash } = await placeholderOf(image);
      const hash = Buffer.from(thumbhash, 'base64');
      expect(hash.length).toBeLessThanOrEqual(40);
      const decoded = thumbHashToRGBA(hash);
      // Within 6 of 255 per band on average: the colours a placeholder must get right.
      expect(distance(meanOf(decoded.rgba), await originalMean(image))).toBeLessThan(10);
    }
  });

  it('stores a BlurHash that decodes to the original’s colours', async () => {
    // BlurHash averages in linear light, so its mean matches an sRGB mean where contrast is low.
    const photo = await grainyPhoto();
    const { blurhash } = await placeholderOf(photo);
    expect(distance(meanOf(decodeBlurhash(blurhash, 32, 32)), await originalMean(photo))).toBeLessThan(10);
    // Left red, right blue: so is the decoded blur.
    const split = decodeBlurhash(
      (await placeholderOf(await splitImage(300, 200).png().toBuffer())).blurhash,
      32,
      32,
    );
    const at = (x: number) => [split[(16 * 32 + x) * 4], split[(16 * 32 + x) * 4 + 2]] as [number, number];
    expect(at(2)[0]).toBeGreaterThan(at(2)[1] as number);
    expect(at(29)[1]).toBeGreaterThan(at(29)[0] as number);
  });

  it('keeps the aspect ratio people see: EXIF orientation applied', async () => {
    // Stored landscape (200×100), orientation 6: shown portrait.
    const sideways = await splitImage(200, 100).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const { thumbhash } = await placeholderOf(sideways);
    expect(thumbHashToApproximateAspectRatio(Buffer.from(thumbhash, 'base64'))).toBeLessThan(0.75);
    const upright = await placeholderOf(await splitImage(200, 100).jpeg().toBuffer());
    expect(thumbHashToApproximateAspectRatio(Buffer.from(upright.thumbhash, 'base64'))).toBeGreaterThan(1.5);
  });

  it('sees through transparency: colours of what is drawn, alpha in the hash and the facts', async () => {
    // Transparent black all round an opaque red square of a quarter of the area.
    const framed = await framedPng(200, 100);
    const facts = await factsOf(framed);
    expect(facts.hasAlpha).toBe(true);
    expect(facts.placeholder?.dominantColor).toBe('#dc1e1e');
    expect(distance(rgbOf(facts.placeholder?.averageColor ?? ''), [RED.r, RED.g, RED.b])).toBeLessThan(3);
    expect(thumbHashToAverageRGBA(Buffer.from(facts.placeholder?.thumbhash ?? '', 'base64')).a).toBeLessThan(
      0.5,
    );

    const opaque = await factsOf(await splitImage(64, 64).png().toBuffer());
    expect(opaque.hasAlpha).toBe(false);
    // An alpha channel that is opaque everywhere is no transparency.
    expect((await factsOf(await splitImage(64, 64).ensureAlpha().png().toBuffer())).hasAlpha).toBe(false);
  });

  it('tells the dominant colour from the average one', async () => {
    // Three quarters red, a quarter blue.
    const mostlyRed = await sharp({ create: { width: 400, height: 400, channels: 3, background: RED } })
      .composite([
        { input: { create: { width: 100, height: 400, channels: 3, background: BLUE } }, left: 300, top: 0 },
      ])
      .png()
      .toBuffer();
    const { dominantColor, averageColor } = await placeholderOf(mostlyRed);
    expect(dominantColor).toBe('#dc1e1e');
    expect(
      distance(rgbOf(averageColor), [0.75 * RED.r + 0.25 * BLUE.r, 30, 0.75 * RED.b + 0.25 * BLUE.b]),
    ).toBeLessThan(4);
  });

  it('counts frames and paints the first one of an animation', async () => {
    for (const format of ['gif', 'webp'] as const) {
      // Frame 0 is pure green (0, 255, 0); later frames turn red.
      const facts = await factsOf(await animation(format, 40, 30, 5));
      expect(facts.frames).toBe(5);
      const [r, g] = rgbOf(facts.placeholder?.dominantColor ?? '');
      expect(g).toBeGreaterThan(230);
      expect(r).toBeLessThan(25);
    }
    expect((await factsOf(await jpeg(20, 20))).frames).toBe(1);
  });

  it('names the colour space by the embedded profile, else by the interpretation', async () => {
    const p3 = await splitImage(64, 64).withIccProfile('p3').jpeg().toBuffer();
    expect((await factsOf(p3)).colorSpace).toMatch(/P3/);
    expect((await factsOf(await splitImage(64, 64).jpeg().toBuffer())).colorSpace).toBe('srgb');
    const cmyk = await splitImage(64, 64).toColourspace('cmyk').jpeg().toBuffer();
    expect((await factsOf(cmyk)).colorSpace).toBe('cmyk');
  });

  it('covers the formats libvips cannot read: BMP, ICO and HEIC', async () => {
    const red = [RED.r, RED.g, RED.b] as Rgb;
    const fromBmp = await placeholderOf(bmp(30, 20));
    expect(fromBmp.dominantColor).toMatch(/^#[0-9a-f]{6}$/);
    const icon = ico([
      await sharp({ create: { width: 32, height: 32, channels: 4, background: { ...RED, alpha: 1 } } })
        .png()
        .toBuffer(),
      16,
    ]);
    expect(distance(rgbOf((await placeholderOf(icon)).dominantColor), red)).toBeLessThan(3);
    const heic = await factsOf(await tinyHeic());
    expect(heic.placeholder?.thumbhash).toEqual(expect.any(String));
    expect(heic.hasAlpha).toBe(false);
  });

  it('draws an SVG’s thumbnail only when that is cheap, and says what it knows otherwise', async () => {
    const simple = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150"><rect width="300" height="150" fill="#1e1edc"/></svg>',
    );
    expect((await placeholderOf(simple)).dominantColor).toBe('#1e1edc');
    // Within the render budget at full size, but seconds of drawing at any size.
    const heavy = await factsOf(pathHeavySvg(2_000_000));
    expect(heavy.placeholder).toBeUndefined();
    expect(heavy).toMatchObject({ frames: 1, hasAlpha: true });
  });
});
