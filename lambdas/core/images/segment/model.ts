import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { InferenceSession } from 'onnxruntime-node';
import { sharp } from '../sharp.ts';
import { featherMask, type Mask, resizeMask } from './mask.ts';
import type { RgbaImage, Segmenter } from './segmenter.ts';

/**
 * How a salient-object model wants its input, as its reference inference code prepares it: RGB
 * scaled to 0–1 (by the image's own maximum for U²-Net, by 255 for IS-Net), then
 * (value − mean) / std per channel, NCHW float32 at the model's input size. `size` is used only
 * when the model leaves its input size open.
 */
export interface ModelProfile {
  scale: 'image-maximum' | 'full-range';
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  size: number;
}

export const MODEL_PROFILES = {
  /** U²-Net family (u2netp, u2net, silueta, u2net_human_seg): ImageNet statistics, 320×320. */
  u2net: { scale: 'image-maximum', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], size: 320 },
  /** IS-Net (isnet-general-use): centred on 0.5, not scaled, 1024×1024. */
  isnet: { scale: 'full-range', mean: [0.5, 0.5, 0.5], std: [1, 1, 1], size: 1024 },
} as const satisfies Record<string, ModelProfile>;

export type ModelProfileName = keyof typeof MODEL_PROFILES;

/** Where the model's bytes come from: a file, or a loader (an S3 object, say). */
export type ModelSource = { path: string } | { name: string; load: () => Promise<Uint8Array> };

export interface ModelSegmenterOptions {
  source: ModelSource;
  profile?: ModelProfileName | ModelProfile | undefined;
  /** Hex SHA-256 the model must have; checked before the runtime parses a byte. */
  sha256?: string | undefined;
}

/** A salient-object map at the model's resolution, 0–255, min–max normalised. */
export type Prediction = Mask;

export interface ModelSegmenter extends Segmenter {
  /** The raw prediction, before it is scaled to the image and feathered. */
  predict(image: RgbaImage): Promise<Prediction>;
}

interface LoadedModel {
  session: InferenceSession;
  Tensor: typeof import('onnxruntime-node').Tensor;
  input: { name: string; width: number; height: number };
  output: string;
}

/**
 * A segmenter running an ONNX salient-object or matting model on the CPU. Nothing is loaded until
 * the first mask is asked for — not the model, not ONNX Runtime's ~45 MB native library — and
 * then once per process; a load that fails is tried again on the next call.
 *
 * Per image: the picture (transparency flattened onto white) is resized to the model's input,
 * ignoring aspect ratio as the models were trained; the first output's first channel is
 * min–max normalised (the reference post-processing), scaled back to the image with a bicubic
 * kernel and feathered.
 */
export const modelSegmenter = (options: ModelSegmenterOptions): ModelSegmenter => {
  const profile =
    typeof options.profile === 'object' ? options.profile : MODEL_PROFILES[options.profile ?? 'u2net'];
  let loading: Promise<LoadedModel> | undefined;
  const model = (): Promise<LoadedModel> => {
    loading ??= loadModel(options, profile).catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };

  const predict = async (image: RgbaImage): Promise<Prediction> => {
    const loaded = await model();
    const { name, width, height } = loaded.input;
    const pixels = await modelInput(image, width, height);
    const tensor = new loaded.Tensor('float32', normalise(pixels, profile), [1, 3, height, width]);
    const outputs = await loaded.session.run({ [name]: tensor });
    const result = outputs[loaded.output];
    if (result?.type !== 'float32') throw new Error('segmentation model: the output is not a float32 tensor');
    const dims = result.dims;
    const outHeight = dims.at(-2) ?? 0;
    const outWidth = dims.at(-1) ?? 0;
    const values = result.data as Float32Array;
    if (outWidth < 1 || outHeight < 1 || values.length < outWidth * outHeight) {
      throw new Error(`segmentation model: unexpected output shape [${dims.join(', ')}]`);
    }
    return { data: toBytes(values.subarray(0, outWidth * outHeight)), width: outWidth, height: outHeight };
  };

  return {
    kind: 'model',
    predict,
    async foregroundMask(image) {
      const prediction = await predict(image);
      const full = await resizeMask(prediction, image.width, image.height);
      return (await featherMask(full)).data;
    },
  };
};

const loadModel = async (options: ModelSegmenterOptions, profile: ModelProfile): Promise<LoadedModel> => {
  const { source, sha256 } = options;
  const ort = await import('onnxruntime-node');
  const sessionOptions: InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    // Every CPU the function has: one segmentation at a time per process.
    intraOpNumThreads: os.availableParallelism(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Measured with a U²-Netp-shaped graph on 2 vCPUs: memory-pattern planning raised peak RSS
    // from ≈ 310 MB to ≈ 510 MB for no gain in speed (≈ 0.29 s warm either way).
    enableMemPattern: false,
    // Warnings about initializers and shape inference would land in every cold start's log.
    logSeverityLevel: 3,
  };
  let session: InferenceSession;
  if ('path' in source && !sha256) {
    session = await ort.InferenceSession.create(source.path, sessionOptions);
  } else {
    const bytes = 'path' in source ? await readFile(source.path) : await source.load();
    if (sha256) verifyChecksum(bytes, sha256, 'path' in source ? source.path : source.name);
    session = await ort.InferenceSession.create(bytes, sessionOptions);
  }
  return { session, Tensor: ort.Tensor, input: inputOf(session, profile), output: outputOf(session) };
};

const verifyChecksum = (bytes: Uint8Array, expected: string, where: string): void => {
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected.toLowerCase()) {
    throw new Error(`segmentation model ${where}: SHA-256 ${actual} is not the configured ${expected}`);
  }
};

/** The one image input, [1, 3, H, W] float32; H and W from the model, else the profile. */
const inputOf = (session: InferenceSession, profile: ModelProfile): LoadedModel['input'] => {
  const [metadata] = session.inputMetadata;
  if (!metadata?.isTensor || metadata.type !== 'float32' || metadata.shape.length !== 4) {
    throw new Error('segmentation model: expected one float32 input shaped [1, 3, height, width]');
  }
  const [, channels, height, width] = metadata.shape;
  if (typeof channels === 'number' && channels !== 3)
    throw new Error('segmentation model: input must have 3 channels');
  const fixed = (value: number | string | undefined) =>
    typeof value === 'number' && value > 0 ? value : profile.size;
  return { name: metadata.name, width: fixed(width), height: fixed(height) };
};

const outputOf = (session: InferenceSession): string => {
  const [name] = session.outputNames;
  if (!name) throw new Error('segmentation model: the model has no output');
  return name;
};

/** RGB bytes at the model's size, transparency over white (a neutral backdrop for a cut-out). */
const modelInput = async (image: RgbaImage, width: number, height: number): Promise<Buffer> => {
  let pipeline = sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 4 },
  }).flatten({
    background: '#ffffff',
  });
  if (image.width !== width || image.height !== height)
    pipeline = pipeline.resize(width, height, { fit: 'fill' });
  return pipeline.raw().toBuffer();
};

/** Interleaved RGB bytes → planar float32, scaled to 0–1, then mean and std (see ModelProfile). */
const normalise = (rgb: Uint8Array, profile: ModelProfile): Float32Array => {
  const pixels = rgb.length / 3;
  let max = 255;
  if (profile.scale === 'image-maximum') {
    max = 0;
    for (const value of rgb) if (value > max) max = value;
  }
  const scale = 1 / Math.max(max, 1e-6);
  const planes = new Float32Array(rgb.length);
  for (let channel = 0; channel < 3; channel++) {
    const mean = profile.mean[channel] ?? 0;
    const std = profile.std[channel] ?? 1;
    const offset = channel * pixels;
    for (let index = 0; index < pixels; index++) {
      planes[offset + index] = ((rgb[index * 3 + channel] ?? 0) * scale - mean) / std;
    }
  }
  return planes;
};

/**
 * Min–max normalised to 0–255, as the models' reference code does. A flat prediction (nothing
 * salient, or a degenerate model) is clamped to 0–1 instead, so it cannot divide by zero.
 */
const toBytes = (values: Float32Array): Uint8Array => {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const range = max - min;
  const bytes = new Uint8Array(values.length);
  for (let index = 0; index < values.length; index++) {
    const value = values[index] ?? 0;
    const unit = range > 1e-6 ? (value - min) / range : Math.min(1, Math.max(0, value));
    bytes[index] = Math.round(unit * 255);
  }
  return bytes;
};
