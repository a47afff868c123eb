import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmenterFromConfig } from '#core/images/segment/configured';
import { MODEL_PROFILES, type ModelProfile, modelSegmenter } from '#core/images/segment/model';
import { removeBackground } from '#core/images/segment/segmenter';
import { createObjectStore, objectSource } from '#core/store/object-store';
import { freshStorage } from '#test/backends-clients';
import { sigmoid, tinySegmentationModel } from '#test/onnx-model';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'imgpro-segment-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

let files = 0;
const modelFile = async (bytes: Uint8Array): Promise<string> => {
  const path = join(directory, `model-${files++}.onnx`);
  await writeFile(path, bytes);
  return path;
};

/** A model whose mask is bright where the image is bright: sigmoid(4·(R+G+B) normalised). */
const brightIsForeground = (size: number | string = 16) =>
  tinySegmentationModel({ height: size, width: size, weights: [4, 4, 4], bias: 0 });

/** Opaque RGBA, left half dark and right half light. */
const halves = (width: number, height: number) => {
  const data = new Uint8Array(width * height * 4);
  for (let index = 0; index < width * height; index++) {
    const value = index % width < width / 2 ? 20 : 240;
    data.set([value, value, value, 255], index * 4);
  }
  return { data, width, height };
};

describe('model-based segmentation (ONNX Runtime)', () => {
  it.each([
    ['u2net', MODEL_PROFILES.u2net],
    ['isnet', MODEL_PROFILES.isnet],
  ] as const)(
    'prepares the input as the %s profile says and normalises the prediction',
    async (name, profile) => {
      const weights: [number, number, number] = [0.8, -0.5, 0.3];
      const bias = 0.1;
      const path = await modelFile(tinySegmentationModel({ height: 4, width: 4, weights, bias }));
      const segmenter = modelSegmenter({ source: { path }, profile: name });
      // 4×4, the model's own size, so no resampling: 16 distinct colours, maximum 250.
      const data = new Uint8Array(64);
      for (let pixel = 0; pixel < 16; pixel++)
        data.set([pixel * 15 + 25, 250 - pixel * 13, (pixel * 37) % 200, 255], pixel * 4);

      const prediction = await segmenter.predict({ data, width: 4, height: 4 });

      const scores = Array.from({ length: 16 }, (_, pixel) => {
        let logit = bias;
        for (let channel = 0; channel < 3; channel++) {
          const divisor = profile.scale === 'image-maximum' ? 250 : 255;
          const value =
            ((data[pixel * 4 + channel] ?? 0) / divisor - (profile.mean[channel] ?? 0)) /
            (profile.std[channel] ?? 1);
          logit += (weights[channel] ?? 0) * value;
        }
        return sigmoid(logit);
      });
      const min = Math.min(...scores);
      const max = Math.max(...scores);
      const expected = scores.map((score) => Math.round((255 * (score - min)) / (max - min)));
      expect([prediction.width, prediction.height]).toEqual([4, 4]);
      for (let pixel = 0; pixel < 16; pixel++)
        expect(Math.abs((prediction.data[pixel] ?? -1) - (expected[pixel] ?? 0))).toBeLessThanOrEqual(1);
    },
  );

  it('scales the mask to the image and feathers it', async () => {
    const segmenter = segmenterFromConfig({ model: { path: await modelFile(brightIsForeground(16)) } });
    expect(segmenter.kind).toBe('model');

    const image = halves(96, 64);
    const mask = await segmenter.foregroundMask(image);

    expect(mask).toHaveLength(96 * 64);
    expect(mask[32 * 96 + 8]).toBe(0);
    expect(mask[32 * 96 + 88]).toBe(255);
    const edge = mask[32 * 96 + 48] ?? 0;
    expect(edge).toBeGreaterThan(0);
    expect(edge).toBeLessThan(255);
  });

  it('runs through removeBackground on encoded bytes, keeping colours and size', async () => {
    const segmenter = segmenterFromConfig({ model: { path: await modelFile(brightIsForeground()) } });
    const { data, width, height } = halves(80, 60);
    const png = await sharp(data, { raw: { width, height, channels: 4 } })
      .png()
      .toBuffer();

    const out = await removeBackground(sharp(png), segmenter);
    const { data: pixels, info } = await out.raw().toBuffer({ resolveWithObject: true });

    expect([info.width, info.height, info.channels]).toEqual([80, 60, 4]);
    expect([...pixels.subarray((30 * 80 + 5) * 4, (30 * 80 + 6) * 4)]).toEqual([20, 20, 20, 0]);
    expect([...pixels.subarray((30 * 80 + 75) * 4, (30 * 80 + 76) * 4)]).toEqual([240, 240, 240, 255]);
  });

  it('loads nothing until the first mask, retries a failed load, then keeps the model for the process', async () => {
    const path = join(directory, 'arrives-later.onnx');
    const segmenter = segmenterFromConfig({ model: { path } });

    await expect(segmenter.foregroundMask(halves(32, 32))).rejects.toThrow(
      /arrives-later\.onnx|no such file|ENOENT/i,
    );
    await writeFile(path, brightIsForeground());
    const mask = await segmenter.foregroundMask(halves(32, 32));
    expect(mask[16 * 32 + 30]).toBe(255);
    // Loaded once: the file is no longer needed.
    await rm(path);
    await expect(segmenter.foregroundMask(halves(32, 32))).resolves.toHaveLength(32 * 32);
  });

  it('checks a configured SHA-256 before the runtime parses the model', async () => {
    const bytes = brightIsForeground();
    const path = await modelFile(bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');

    const wrong = segmenterFromConfig({ model: { path }, sha256: '0'.repeat(64) });
    await expect(wrong.foregroundMask(halves(16, 16))).rejects.toThrow(/SHA-256/);
    const right = segmenterFromConfig({ model: { path }, sha256: sha256.toUpperCase() });
    await expect(right.foregroundMask(halves(16, 16))).resolves.toHaveLength(256);
  });

  it('rejects bytes that are not a usable model', async () => {
    const segmenter = segmenterFromConfig({
      model: { path: await modelFile(new TextEncoder().encode('not a model')) },
    });
    await expect(segmenter.foregroundMask(halves(16, 16))).rejects.toThrow();
  });

  it("takes the profile's size when the model leaves its input size open", async () => {
    const profile: ModelProfile = { scale: 'full-range', mean: [0, 0, 0], std: [1, 1, 1], size: 12 };
    const segmenter = modelSegmenter({
      source: { path: await modelFile(brightIsForeground('side')) },
      profile,
    });

    const prediction = await segmenter.predict(halves(48, 24));

    expect([prediction.width, prediction.height]).toEqual([12, 12]);
    // Dark left, light right (Lanczos rings a little at the step, so not exactly 0 and 255).
    expect(prediction.data[6 * 12] ?? 255).toBeLessThan(40);
    expect(prediction.data[6 * 12 + 11] ?? 0).toBeGreaterThan(215);
  });

  it('loads the model from S3 when configured so', async () => {
    const { s3, bucket } = await freshStorage();
    const key = 'models/u2netp.onnx';
    const objects = createObjectStore({ s3, bucket });
    await objects.put(key, brightIsForeground(), 'application/octet-stream');

    const segmenter = segmenterFromConfig({ model: objectSource(objects, { bucket, key }) });
    const mask = await segmenter.foregroundMask(halves(40, 20));
    expect(mask[10 * 40 + 38]).toBe(255);

    const missing = segmenterFromConfig({
      model: objectSource(objects, { bucket, key: 'models/absent.onnx' }),
    });
    await expect(missing.foregroundMask(halves(8, 8))).rejects.toThrow(/does not exist/);
  });

  it('falls back to the classical segmenter when no model is configured', () => {
    expect(segmenterFromConfig({}).kind).toBe('classical');
  });
});
