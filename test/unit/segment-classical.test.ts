import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { carry } from '#core/images/carry';
import { classicalSegmenter, WORKING_SIDE } from '#core/images/segment/classical';
import { foregroundPixels, removeBackground } from '#core/images/segment/segmenter';

type Colour = [number, number, number];
const WHITE: Colour = [255, 255, 255];
const RED: Colour = [200, 40, 40];

/** Deterministic noise, so a failure reproduces. */
const noiseSource = (seed = 1) => {
  let state = seed;
  const uniform = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return (state + 0.5) / 2_147_483_648;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
};

interface Scene {
  width: number;
  height: number;
  /** Whether (x, y) is the subject, and the colour of the background there. */
  subject: (x: number, y: number) => boolean;
  background?: (x: number, y: number) => Colour;
  foreground?: Colour;
  /** Standard deviation of Gaussian noise added to every channel. */
  noise?: number;
}

/** An RGB PNG of the scene, and its true mask (1 = subject). */
const render = async ({
  width,
  height,
  subject,
  background = () => WHITE,
  foreground = RED,
  noise = 0,
}: Scene) => {
  const gauss = noiseSource();
  const pixels = Buffer.alloc(width * height * 3);
  const truth = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = subject(x + 0.5, y + 0.5);
      truth[y * width + x] = inside ? 1 : 0;
      const colour = inside ? foreground : background(x, y);
      for (let channel = 0; channel < 3; channel++) {
        const value = (colour[channel] ?? 0) + (noise ? noise * gauss() : 0);
        pixels[(y * width + x) * 3 + channel] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  const png = await sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
  return { png, truth };
};

const disc = (cx: number, cy: number, r: number) => (x: number, y: number) =>
  (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

/** Runs the real entry point on encoded bytes and returns the result's RGBA pixels. */
const cutOut = async (bytes: Buffer) => {
  const pipeline = await removeBackground(sharp(bytes, { autoOrient: true }), classicalSegmenter());
  const { data, info } = await pipeline
    .png()
    .toBuffer()
    .then((png) => sharp(png).raw().toBuffer({ resolveWithObject: true }));
  return { data, width: info.width, height: info.height, channels: info.channels };
};

const alphaAt = (image: { data: Buffer; width: number; channels: number }, x: number, y: number) =>
  image.data[(y * image.width + x) * image.channels + 3] ?? -1;

/** Intersection over union of alpha ≥ 128 with the true mask. */
const iou = (image: { data: Buffer; channels: number }, truth: Uint8Array) => {
  let intersection = 0;
  let union = 0;
  for (let index = 0; index < truth.length; index++) {
    const opaque = (image.data[index * image.channels + 3] ?? 0) >= 128;
    if (opaque && truth[index]) intersection++;
    if (opaque || truth[index]) union++;
  }
  return intersection / union;
};

const corners = (image: { width: number; height: number }) => [
  [0, 0],
  [image.width - 1, 0],
  [0, image.height - 1],
  [image.width - 1, image.height - 1],
];

describe('classical segmentation (no model)', () => {
  it('cuts a shape out of a white background: corners transparent, centre opaque, IoU ≥ 0.95', async () => {
    const { png, truth } = await render({ width: 320, height: 240, subject: disc(160, 120, 80) });
    const out = await cutOut(png);

    expect([out.width, out.height, out.channels]).toEqual([320, 240, 4]);
    for (const [x, y] of corners(out)) expect(alphaAt(out, x ?? 0, y ?? 0)).toBe(0);
    expect(alphaAt(out, 160, 120)).toBe(255);
    expect(iou(out, truth)).toBeGreaterThanOrEqual(0.95);
    // The colours are the image's own: only alpha changes.
    const centre = (120 * out.width + 160) * 4;
    expect([...out.data.subarray(centre, centre + 3)]).toEqual(RED);
  });

  it('handles a near-uniform noisy background', async () => {
    const { png, truth } = await render({
      width: 300,
      height: 220,
      subject: disc(140, 115, 70),
      background: () => [235, 232, 225],
      foreground: [60, 90, 170],
      noise: 10,
    });
    const out = await cutOut(png);

    for (const [x, y] of corners(out)) expect(alphaAt(out, x ?? 0, y ?? 0)).toBe(0);
    expect(alphaAt(out, 140, 115)).toBe(255);
    expect(iou(out, truth)).toBeGreaterThanOrEqual(0.95);
  });

  it(`works on a reduced copy above ${WORKING_SIDE} px and refines the edge at full size (JPEG input)`, async () => {
    const scene = { width: 2000, height: 1400, subject: disc(1000, 720, 450), noise: 4 };
    const { png, truth } = await render(scene);
    const jpeg = await sharp(png).jpeg({ quality: 85 }).toBuffer();
    const out = await cutOut(jpeg);

    expect([out.width, out.height]).toEqual([2000, 1400]);
    for (const [x, y] of corners(out)) expect(alphaAt(out, x ?? 0, y ?? 0)).toBe(0);
    expect(alphaAt(out, 1000, 720)).toBe(255);
    expect(iou(out, truth)).toBeGreaterThanOrEqual(0.98);
  });

  it('removes a two-tone backdrop (wall and floor) and keeps a subject that touches the edge', async () => {
    // A bottle standing on the floor line, cut off by the bottom edge of the picture.
    const subject = (x: number, y: number) => (x >= 130 && x < 190 && y >= 60) || disc(160, 60, 30)(x, y);
    const { png, truth } = await render({
      width: 320,
      height: 240,
      subject,
      background: (_x, y) => (y < 150 ? [210, 215, 225] : [180, 160, 130]),
      foreground: [30, 110, 60],
      noise: 3,
    });
    const out = await cutOut(png);

    expect(alphaAt(out, 10, 10)).toBe(0);
    expect(alphaAt(out, 10, 230)).toBe(0);
    expect(alphaAt(out, 160, 239)).toBe(255);
    expect(iou(out, truth)).toBeGreaterThanOrEqual(0.95);
  });

  it('keeps background that the subject encloses (documented limit: only what the border reaches goes)', async () => {
    const ring = (x: number, y: number) => disc(160, 120, 90)(x, y) && !disc(160, 120, 40)(x, y);
    const { png } = await render({ width: 320, height: 240, subject: ring });
    const out = await cutOut(png);

    expect(alphaAt(out, 0, 0)).toBe(0);
    expect(alphaAt(out, 160, 60)).toBe(255);
    expect(alphaAt(out, 160, 120)).toBe(255);
  });

  it('removes nothing from a photo without a uniform border (graceful degradation)', async () => {
    // Smooth colour everywhere: no colour dominates the border.
    const { png } = await render({
      width: 240,
      height: 180,
      subject: () => false,
      background: (x, y) => [
        Math.round((x / 240) * 255),
        Math.round((y / 180) * 255),
        Math.round(((x + y) / 420) * 255),
      ],
      noise: 2,
    });
    const out = await cutOut(png);

    expect(out.channels).toBe(4);
    for (let index = 3; index < out.data.length; index += 4) expect(out.data[index]).toBe(255);
  });

  it('removes nothing from an image that is all background', async () => {
    const { png } = await render({ width: 200, height: 150, subject: () => false, noise: 3 });
    const out = await cutOut(png);

    for (let index = 3; index < out.data.length; index += 4) expect(out.data[index]).toBe(255);
  });

  it('keeps an existing cut-out as it is, and folds the mask into existing alpha', async () => {
    const width = 200;
    const height = 150;
    const pixels = Buffer.alloc(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inside = disc(100, 75, 50)(x + 0.5, y + 0.5);
        pixels.set(inside ? [...RED, 200] : [0, 0, 0, 0], (y * width + x) * 4);
      }
    }
    const png = await sharp(pixels, { raw: { width, height, channels: 4 } })
      .png()
      .toBuffer();
    const out = await cutOut(png);

    expect(alphaAt(out, 0, 0)).toBe(0);
    expect(alphaAt(out, 100, 75)).toBe(200);
  });

  it('takes greyscale and 16-bit input and always answers 8-bit RGBA of the upright size', async () => {
    const { png } = await render({
      width: 120,
      height: 80,
      subject: disc(60, 40, 25),
      foreground: [40, 40, 40],
    });
    const grey = await sharp(png).greyscale().png().toBuffer();
    const deep = await sharp(png).toColourspace('rgb16').png().toBuffer();
    // Stored sideways with EXIF orientation 6: upright it is 80×120.
    const sideways = await sharp(png).rotate(-90).jpeg().withMetadata({ orientation: 6 }).toBuffer();

    for (const input of [grey, deep]) {
      const out = await cutOut(input);
      expect([out.width, out.height, out.channels]).toEqual([120, 80, 4]);
      expect(alphaAt(out, 0, 0)).toBe(0);
      expect(alphaAt(out, 60, 40)).toBe(255);
    }
    const upright = await cutOut(sideways);
    expect([upright.width, upright.height]).toEqual([120, 80]);
    expect(alphaAt(upright, 60, 40)).toBe(255);
    expect(alphaAt(upright, 0, 0)).toBe(0);
  });

  it('cuts out decoded pixels of any layout, and fits a transform stage on either carrier', async () => {
    const { png, truth } = await render({
      width: 160,
      height: 120,
      subject: disc(80, 60, 40),
      foreground: [50, 50, 50],
    });
    const segmenter = classicalSegmenter();
    const grey = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
    const greyAlpha = {
      data: Buffer.from(Array.from(grey.data).flatMap((value) => [value, 255])),
      info: { ...grey.info, channels: 2 },
    };
    const rgb = await sharp(png).raw().toBuffer({ resolveWithObject: true });

    expect([grey.info.channels, greyAlpha.info.channels, rgb.info.channels]).toEqual([1, 2, 3]);
    for (const { data, info } of [grey, greyAlpha, rgb]) {
      const rgba = await foregroundPixels(
        { data, width: 160, height: 120, channels: info.channels },
        segmenter,
      );
      const image = { data: rgba, width: 160, channels: 4 };
      expect(rgba).toHaveLength(160 * 120 * 4);
      expect(alphaAt(image, 0, 0)).toBe(0);
      expect([...rgba.subarray((60 * 160 + 80) * 4, (60 * 160 + 81) * 4)]).toEqual([50, 50, 50, 255]);
      expect(iou(image, truth)).toBeGreaterThanOrEqual(0.95);
    }

    // What a `stage` step of the transform does with the image materialised so far.
    for (const keepMetadata of [false, true]) {
      const carried = await carry(sharp(png), keepMetadata);
      const { data, channels } = await carried.pixels();
      const stage = carried.withPixels(
        await foregroundPixels({ data, channels, ...carried.size }, segmenter),
        4,
      );
      const out = await stage
        .png()
        .toBuffer()
        .then((bytes) => sharp(bytes).raw().toBuffer({ resolveWithObject: true }));
      expect(out.info.channels).toBe(4);
      expect(alphaAt({ data: out.data, width: 160, channels: 4 }, 0, 0)).toBe(0);
      expect(alphaAt({ data: out.data, width: 160, channels: 4 }, 80, 60)).toBe(255);
    }
  });
});
