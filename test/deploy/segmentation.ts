import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { tinySegmentationModel } from '#test/onnx-model';
import type { TestRuntime } from '#test/runtime';

/**
 * Background removal with a model, as an operator configures it on AWS: the model in the originals
 * bucket, named by the viewer's settings and pinned by its SHA-256.
 */
const MODEL_KEY = 'models/tiny.onnx';
/** A 16×16 model whose mask is bright where the image is bright (see onnx-model.ts). */
const MODEL = tinySegmentationModel({ height: 16, width: 16, weights: [4, 4, 4], bias: 0 });

export const modelSettings = (bucketName: string) => ({
  SEGMENT_MODEL_S3_URI: `s3://${bucketName}/${MODEL_KEY}`,
  SEGMENT_MODEL_PROFILE: 'u2net',
  SEGMENT_MODEL_SHA256: createHash('sha256').update(MODEL).digest('hex'),
});

export const storeModel = (runtime: TestRuntime) =>
  runtime.s3.send(new PutObjectCommand({ Bucket: runtime.bucketName, Key: MODEL_KEY, Body: MODEL }));

/** 64×32, the left half dark and the right half light: the model keeps the light half. */
export const darkAndLight = () =>
  sharp({ create: { width: 64, height: 32, channels: 3, background: { r: 20, g: 20, b: 20 } } })
    .composite([
      { input: { create: { width: 32, height: 32, channels: 3, background: 'white' } }, left: 32, top: 0 },
    ])
    .png()
    .toBuffer();

/** The opacity `segment=foreground` gives the middle of each half of `darkAndLight`. */
export const foregroundOpacity = async (link: string) => {
  const response = await fetch(`${link}?segment=foreground`, { headers: { accept: 'image/*' } });
  const { data, info } = await sharp(Buffer.from(await response.arrayBuffer()))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const alphaAt = (x: number, y: number) => data[(y * info.width + x) * 4 + 3];
  return { type: response.headers.get('content-type'), dark: alphaAt(8, 16), light: alphaAt(56, 16) };
};
