import exifReader from 'exif-reader';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { IMAGE_LIMITS } from '#core/images/limits';
import { type TransformOptions, transform } from '#core/images/transform';
import {
  animation,
  BLUE,
  framedPng,
  GREEN,
  greyPng,
  PRIVATE_EXIF,
  quadrants,
  RED,
  splitImage,
  stripes,
  WHITE,
} from '#test/fixtures';

const LIMITS = IMAGE_LIMITS;

const run = (input: Uint8Array, options: TransformOptions) => transform(input, options, LIMITS);

interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

const decode = async (bytes: Uint8Array): Promise<Pixels> => {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
};

const at = ({ data, width, channels }: Pixels, x: number, y: number) => {
  const i = (y * width + x) * channels;
  return {
    r: data[i] ?? -1,
    g: data[i + 1] ?? -1,
    b: data[i + 2] ?? -1,
    a: channels === 4 ? (data[i + 3] ?? -1) : 255,
  };
};

/** Every pixel within `tolerance` of `colour` (lossy encoders move values a little). */
const near = (
  pixel: { r: number; g: number; b: number },
  colour: { r: number; g: number; b: number },
  tolerance = 12,
) =>
  Math.abs(pixel.r - colour.r) <= tolerance &&
  Math.abs(pixel.g - colour.g) <= tolerance &&
  Math.abs(pixel.b - colour.b) <= tolerance;

const mean = ({ data, channels }: Pixels) => {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < data.length; i += channels) {
    sum += ((data[i] ?? 0) + (data[i + 1] ?? 0) + (data[i + 2] ?? 0)) / 3;
    count++;
  }
  return sum / count;
};

/** Mean squared difference between horizontal neighbours: what blur lowers and sharpening raises. */
const localVariance = ({ data, width, height, channels }: Pixels) => {
  let sum = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 1; x < width; x++) {
      const a = data[(y * width + x) * channels] ?? 0;
      const b = data[(y * width + x - 1) * channels] ?? 0;
      sum += (a - b) ** 2;
    }
  }
  return sum / (height * (width - 1));
};

const exifOf = async (bytes: Uint8Array) => {
  const { exif } = await sharp(bytes).metadata();
  return exif ? exifReader(exif) : undefined;
};

const png = (image: Sharp) => image.png().toBuffer();

describe('transform: format', () => {
  it.each([
    ['jpeg', 'image/jpeg', 'jpeg'],
    ['webp', 'image/webp', 'webp'],
    ['avif', 'image/avif', 'heif'],
    ['png', 'image/png', 'png'],
    ['gif', 'image/gif', 'gif'],
  ] as const)('writes %s', async (format, contentType, decoded) => {
    const result = await run(await png(splitImage(40, 20)), { format });
    expect(result.contentType).toBe(contentType);
    expect(await sharp(result.body).metadata()).toMatchObject({ format: decoded, width: 40, height: 20 });
  });

  it('keeps the stored format by default, and the stored bytes when nothing is asked', async () => {
    const input = await png(splitImage(40, 20));
    expect(await run(input, {})).toEqual({ body: input, contentType: 'image/png' });
    const blurred = await run(input, { blur: 1 });
    expect(blurred.contentType).toBe('image/png');
  });

  it('lowers the file size with a lower quality for lossy formats', async () => {
    const input = await png(stripes(64, 64).blur(3));
    const high = await run(input, { format: 'webp', quality: 95 });
    const low = await run(input, { format: 'webp', quality: 10 });
    expect(low.body.length).toBeLessThan(high.body.length);
  });
});

describe('transform: tone', () => {
  it('brightness=0 gives black', async () => {
    const out = await decode((await run(await png(splitImage(20, 10)), { brightness: 0 })).body);
    expect(out.data.every((value) => value === 0)).toBe(true);
  });

  it('brightness=2 doubles the channels', async () => {
    expect(at(await decode((await run(await greyPng(60), { brightness: 2 })).body), 3, 3)).toMatchObject({
      r: 120,
      g: 120,
      b: 120,
    });
  });

  it('contrast=0 gives flat mid-grey, and contrast=2 spreads values away from it', async () => {
    const flat = await decode((await run(await png(splitImage(20, 10)), { contrast: 0 })).body);
    expect(flat.data.every((value) => value === 128)).toBe(true);
    expect(at(await decode((await run(await greyPng(100), { contrast: 2 })).body), 0, 0).r).toBe(72);
  });

  it('saturation=0 gives R=G=B, and saturation=2 pushes channels apart', async () => {
    const grey = await decode((await run(await png(quadrants(20, 20)), { saturation: 0 })).body);
    for (let i = 0; i < grey.data.length; i += 3) {
      expect(grey.data[i]).toBe(grey.data[i + 1]);
      expect(grey.data[i + 1]).toBe(grey.data[i + 2]);
    }
    const vivid = at(await decode((await run(await png(quadrants(20, 20)), { saturation: 2 })).body), 2, 2);
    expect(vivid.r - vivid.g).toBeGreaterThan(RED.r - RED.g);
  });

  it('gamma applies out = in^gamma: 2 darkens, 0.5 lightens, exactly', async () => {
    const input = await greyPng(128);
    const darker = at(await decode((await run(input, { gamma: 2 })).body), 0, 0).r;
    const lighter = at(await decode((await run(input, { gamma: 0.5 })).body), 0, 0).r;
    expect(darker).toBe(Math.round(255 * (128 / 255) ** 2));
    expect(lighter).toBe(Math.round(255 * (128 / 255) ** 0.5));
    const photo = await png(splitImage(20, 10));
    expect(mean(await decode((await run(photo, { gamma: 2 })).body))).toBeLessThan(mean(await decode(photo)));
  });
});

describe('transform: blur and sharpen', () => {
  it('blur lowers local variance, more for a larger radius', async () => {
    const input = await png(stripes(64, 32));
    const original = localVariance(await decode(input));
    const slight = localVariance(await decode((await run(input, { blur: 1 })).body));
    const strong = localVariance(await decode((await run(input, { blur: 10 })).body));
    expect(slight).toBeLessThan(original);
    expect(strong).toBeLessThan(slight);
  });

  it('computes a large blur small and scaled back up, within about a level of the exact blur', async () => {
    const input = await png(quadrants(480, 320));
    for (const blur of [40, 120]) {
      const approximate = await decode((await run(input, { blur })).body);
      const exact = await decode(await sharp(input).blur(blur).png().toBuffer());
      expect([approximate.width, approximate.height]).toEqual([480, 320]);
      const difference = approximate.data.reduce(
        (sum, value, i) => sum + Math.abs(value - (exact.data[i] ?? 0)),
        0,
      );
      expect(difference / approximate.data.length, `blur=${blur}`).toBeLessThan(2);
    }
  });

  it('sharp raises local variance', async () => {
    const soft = await png(stripes(64, 32).blur(1.5));
    const original = localVariance(await decode(soft));
    const sharpened = localVariance(await decode((await run(soft, { sharpen: 2 })).body));
    expect(sharpened).toBeGreaterThan(original * 1.1);
  });
});

describe('transform: rotate and flip', () => {
  const corners = async (options: TransformOptions) => {
    const out = await decode((await run(await png(quadrants(40, 20)), options)).body);
    const inset = 3;
    return {
      size: [out.width, out.height],
      topLeft: at(out, inset, inset),
      topRight: at(out, out.width - 1 - inset, inset),
      bottomLeft: at(out, inset, out.height - 1 - inset),
    };
  };

  it('rotate=90 turns clockwise and swaps the dimensions', async () => {
    const { size, topLeft, topRight } = await corners({ rotate: 90 });
    expect(size).toEqual([20, 40]);
    // Clockwise: the left column (red over blue) becomes the top row, blue on the left.
    expect(near(topLeft, BLUE)).toBe(true);
    expect(near(topRight, RED)).toBe(true);
  });

  it('rotate=180 and rotate=270', async () => {
    expect(near((await corners({ rotate: 180 })).topLeft, WHITE)).toBe(true);
    const turned = await corners({ rotate: 270 });
    expect(turned.size).toEqual([20, 40]);
    expect(near(turned.topLeft, GREEN)).toBe(true);
  });

  it('flip=h mirrors left to right, v top to bottom, hv both', async () => {
    expect(near((await corners({ flip: 'h' })).topLeft, GREEN)).toBe(true);
    expect(near((await corners({ flip: 'v' })).topLeft, BLUE)).toBe(true);
    expect(near((await corners({ flip: 'hv' })).topLeft, WHITE)).toBe(true);
  });

  it('rotates first, then flips', async () => {
    // Rotated 90°: blue top left, red top right; then mirrored: red top left.
    const { topLeft, bottomLeft } = await corners({ rotate: 90, flip: 'h' });
    expect(near(topLeft, RED)).toBe(true);
    expect(near(bottomLeft, GREEN)).toBe(true);
  });

  it('applies EXIF orientation before anything else, so w applies to the upright photo', async () => {
    // Stored 60×40 sideways with orientation 6: shown 40×60, the stored left half on top.
    const jpeg = await splitImage(60, 40).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const out = await decode((await run(jpeg, { width: 20 })).body);
    expect([out.width, out.height]).toEqual([20, 30]);
    expect(near(at(out, 10, 3), RED, 40)).toBe(true);
    expect(near(at(out, 10, 26), BLUE, 40)).toBe(true);
  });
});

describe('transform: resize', () => {
  const size = async (options: TransformOptions, width = 200, height = 100) => {
    const { info } = await sharp((await run(await png(splitImage(width, height)), options)).body).toBuffer({
      resolveWithObject: true,
    });
    return [info.width, info.height];
  };

  it('scale-down (the default) shrinks to fit and never enlarges', async () => {
    expect(await size({ width: 100 })).toEqual([100, 50]);
    expect(await size({ width: 100, height: 100 })).toEqual([100, 50]);
    expect(await size({ width: 400 })).toEqual([200, 100]);
  });

  it('contain fits inside, enlarging', async () => {
    expect(await size({ width: 400, height: 400, fit: 'contain' })).toEqual([400, 200]);
  });

  it('cover fills the box exactly, enlarging and cropping', async () => {
    expect(await size({ width: 50, height: 50, fit: 'cover' })).toEqual([50, 50]);
    expect(await size({ width: 400, height: 400, fit: 'cover' })).toEqual([400, 400]);
  });

  it('crop fills the box without enlarging', async () => {
    expect(await size({ width: 50, height: 50, fit: 'crop' })).toEqual([50, 50]);
    expect(await size({ width: 150, height: 150, fit: 'crop' })).toEqual([150, 100]);
    expect(await size({ width: 400, height: 400, fit: 'crop' })).toEqual([200, 100]);
  });

  it('pad fills the rest of the box: transparent in PNG, white in JPEG, background when asked', async () => {
    const input = await png(splitImage(200, 100));
    const transparent = await decode((await run(input, { width: 100, height: 100, fit: 'pad' })).body);
    expect([transparent.width, transparent.height]).toEqual([100, 100]);
    expect(at(transparent, 50, 5).a).toBe(0);
    expect(near(at(transparent, 10, 50), RED)).toBe(true);
    const jpeg = await decode(
      (await run(input, { width: 100, height: 100, fit: 'pad', format: 'jpeg' })).body,
    );
    expect(near(at(jpeg, 50, 5), WHITE, 3)).toBe(true);
    const blue = await run(input, { width: 100, height: 100, fit: 'pad', background: { ...BLUE, alpha: 1 } });
    expect(near(at(await decode(blue.body), 50, 5), BLUE, 3)).toBe(true);
  });

  it('caps the output pixels, scaling an oversized request down instead of failing', async () => {
    const result = await transform(
      await png(splitImage(200, 100)),
      { width: 8192, height: 8192, fit: 'cover' },
      { ...IMAGE_LIMITS, maxPixels: 1_000_000, maxSide: 16_384 },
    );
    const { width = 0, height = 0 } = await sharp(result.body).metadata();
    expect(width).toBe(height);
    expect(width * height).toBeLessThanOrEqual(1_000_000);
  });
});

describe('transform: background', () => {
  it('fills transparency with the colour asked for, and white by default where alpha cannot be kept', async () => {
    const input = await framedPng(20, 10);
    const filled = await decode((await run(input, { background: { r: 0, g: 0, b: 255, alpha: 1 } })).body);
    expect(at(filled, 1, 1)).toMatchObject({ r: 0, g: 0, b: 255, a: 255 });
    expect(near(at(filled, 10, 10), RED, 0)).toBe(true);
    // Far from the red square: JPEG's 8×8 blocks smear colour near edges.
    const jpeg = await decode((await run(await framedPng(40, 10), { format: 'jpeg' })).body);
    expect(near(at(jpeg, 1, 1), WHITE, 3)).toBe(true);
    const kept = await decode((await run(input, { format: 'webp', quality: 100 })).body);
    expect(at(kept, 1, 1).a).toBe(0);
  });

  it('keeps a translucent background translucent where the output has alpha', async () => {
    const out = await decode(
      (await run(await framedPng(20, 10), { background: { r: 0, g: 0, b: 255, alpha: 0.5 } })).body,
    );
    expect(at(out, 1, 1)).toMatchObject({ r: 0, g: 0, b: 255, a: 128 });
  });

  it('comes last: the adjustments never change the background colour', async () => {
    const input = await framedPng(20, 10);
    const background = { r: 0, g: 200, b: 0, alpha: 1 };
    for (const options of [{ brightness: 0 }, { contrast: 0.5 }, { gamma: 2 }, { saturation: 0 }]) {
      const out = await decode((await run(input, { ...options, background })).body);
      expect(at(out, 1, 1), JSON.stringify(options)).toMatchObject({ r: 0, g: 200, b: 0, a: 255 });
    }
  });
});

describe('transform: metadata', () => {
  const photo = () => splitImage(60, 40).jpeg({ quality: 95 }).withExif(PRIVATE_EXIF).toBuffer();

  it.each([
    ['as stored', {}],
    ['transformed', { width: 30, format: 'webp' }],
    ['transformed with a cut (gamma)', { gamma: 1.5 }],
  ] as const)('copyright (the default) keeps copyright and artist only: %s', async (_, options) => {
    const exif = await exifOf((await run(await photo(), options)).body);
    expect(exif?.Image).toMatchObject({ Copyright: '(c) Test Owner', Artist: 'Ann Artist' });
    expect(exif?.Image?.Make).toBeUndefined();
    expect(exif?.GPSInfo).toBeUndefined();
    expect(exif?.Photo?.BodySerialNumber).toBeUndefined();
  });

  it.each([
    ['as stored', {}],
    ['transformed', { width: 30 }],
  ] as const)('none strips all EXIF: %s', async (_, options) => {
    expect(await exifOf((await run(await photo(), { ...options, metadata: 'none' })).body)).toBeUndefined();
  });

  it.each([
    ['as stored', {}],
    ['transformed', { width: 30, format: 'png' }],
    ['transformed with a cut (gamma)', { gamma: 1.5 }],
  ] as const)('keep keeps everything, GPS included: %s', async (_, options) => {
    const exif = await exifOf((await run(await photo(), { ...options, metadata: 'keep' })).body);
    expect(exif?.Image).toMatchObject({ Copyright: '(c) Test Owner', Make: 'ACME' });
    expect(exif?.GPSInfo?.GPSLatitudeRef).toBe('N');
  });
});

describe('transform: animation', () => {
  /** The colour of each frame, read at one pixel. */
  const frameColours = async (bytes: Uint8Array) => {
    const { pages = 1, pageHeight = 0 } = await sharp(bytes, { animated: true }).metadata();
    const { data, info } = await sharp(bytes, { animated: true }).raw().toBuffer({ resolveWithObject: true });
    return Array.from({ length: pages }, (_, page) => {
      const i = ((page * pageHeight + 1) * info.width + 1) * info.channels;
      return { r: data[i] ?? -1, g: data[i + 1] ?? -1, b: data[i + 2] ?? -1 };
    });
  };

  it('stays animated as WebP and GIF, frames in order, whatever the operations', async () => {
    const gif = await animation('gif', 20, 10, 3);
    const original = await frameColours(gif);
    for (const options of [
      { format: 'webp' },
      { rotate: 180 },
      { flip: 'v' },
      { blur: 2 },
      { width: 10 },
    ] as const) {
      const out = await run(gif, options);
      expect((await sharp(out.body).metadata()).pages, JSON.stringify(options)).toBe(3);
      const colours = await frameColours(out.body);
      // WebP is lossy: the same colours within a few levels, in the same order.
      expect(
        colours.map((colour, index) => near(colour, original[index] ?? WHITE, 6)),
        JSON.stringify(options),
      ).toEqual([true, true, true]);
    }
  });

  it('rotates an animation by a quarter turn, frame by frame', async () => {
    const out = await run(await animation('webp', 20, 10, 3), { rotate: 90 });
    expect(await sharp(out.body, { animated: true }).metadata()).toMatchObject({
      pages: 3,
      width: 10,
      pageHeight: 20,
    });
    expect(out.contentType).toBe('image/webp');
  });

  it('keeps the frame timing and looping', async () => {
    const out = await run(await animation('gif', 20, 10, 3), { format: 'webp', saturation: 0.5 });
    expect(await sharp(out.body).metadata()).toMatchObject({ delay: [100, 100, 100], loop: 0 });
  });

  it('takes the first frame for formats that cannot animate, never a filmstrip', async () => {
    for (const format of ['png', 'jpeg', 'avif'] as const) {
      const out = await run(await animation('gif', 20, 10, 3), { format });
      expect(await sharp(out.body).metadata(), format).toMatchObject({ width: 20, height: 10 });
      expect((await sharp(out.body).metadata()).pages ?? 1).toBe(1);
    }
  });
});

describe('transform: deadline', () => {
  it('stops a render that runs past the deadline instead of finishing it', async () => {
    // Seconds of encoding without a limit: 24 MP of noise to PNG (libvips checks between tiles).
    const photo = await sharp({
      create: {
        width: 6000,
        height: 4000,
        channels: 3,
        background: 'black',
        noise: { type: 'gaussian', mean: 128, sigma: 30 },
      },
    })
      .jpeg()
      .toBuffer();
    const deadline = { signal: new AbortController().signal, remainingMs: () => 1000 };
    const started = performance.now();
    await expect(transform(photo, { format: 'png' }, IMAGE_LIMITS, undefined, deadline)).rejects.toThrow(
      /timeout/,
    );
    // The bound for any request; the render itself is stopped within a few seconds.
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 30_000);
});
