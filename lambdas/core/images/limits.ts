import { ImageRejected } from './rejected.ts';

/** Decoding limits that keep decompression bombs out; checked from headers, before any full decode. */
export interface ImageLimits {
  /** Pixels across all frames of an animation, or across all images of an ICO. */
  readonly maxPixels: number;
  /** Longest allowed side of any single frame. */
  readonly maxSide: number;
  /** Frames of an animation: each one transformed costs a few milliseconds whatever its size. */
  readonly maxFrames: number;
  /** Pixels the JavaScript decoders (BMP, ICO) may produce: ten times slower than libvips. */
  readonly maxJsPixels: number;
  /** Estimated milliseconds one render may take (see budget.ts); the viewer holds to it too. */
  readonly renderBudgetMs: number;
}

export const count = (n: number): string => n.toLocaleString('en-US');

/**
 * What uploads may be and the viewer will open: 48 MP phone sensors (8064×6048) and panoramas up to
 * 16k px wide fit; decompression bombs do not. A thousand frames is 33 s of animation at 30 fps.
 * 16 MP decode in JavaScript in about 1.6 s here. Four seconds of rendering leaves a request well
 * inside 10 s even when the estimate is off by half or two renders share a core.
 */
export const IMAGE_LIMITS: ImageLimits = {
  maxPixels: 50_000_000,
  maxSide: 16_384,
  maxFrames: 1_000,
  maxJsPixels: 16_000_000,
  renderBudgetMs: 4_000,
};

/**
 * Refuses an image too large to accept. `frames` is how many width×height pictures will be decoded
 * (animation frames), since memory and time grow with all of them.
 */
export const assertWithinLimits = (width: number, height: number, limits: ImageLimits, frames = 1): void => {
  assertSides(width, height, limits);
  if (frames > limits.maxFrames) {
    throw new ImageRejected(
      `The animation has ${count(frames)} frames, which exceeds the limit of ${count(limits.maxFrames)} frames.`,
    );
  }
  const subject =
    frames > 1
      ? `The animation's ${count(frames)} frames of ${count(width)}×${count(height)} have`
      : 'The image has';
  assertTotalPixels(width * height * frames, limits, subject);
};

export const assertSides = (width: number, height: number, limits: ImageLimits): void => {
  if (width > limits.maxSide || height > limits.maxSide) {
    throw new ImageRejected(
      `The image is ${count(width)}×${count(height)} pixels, which exceeds the limit of ${count(limits.maxSide)} pixels per side.`,
    );
  }
};

/** `subject` starts the sentence, e.g. "The icons have". */
export const assertTotalPixels = (pixels: number, limits: ImageLimits, subject = 'The image has'): void => {
  if (pixels > limits.maxPixels) {
    throw new ImageRejected(
      `${subject} ${count(pixels)} pixels, which exceeds the limit of ${count(limits.maxPixels)} pixels.`,
    );
  }
};

/** Pixels a JavaScript decoder would produce; `subject` starts the sentence, e.g. "The BMP has". */
export const assertJsDecodable = (pixels: number, limits: ImageLimits, subject: string): void => {
  assertTotalPixels(pixels, limits, subject);
  if (pixels > limits.maxJsPixels) {
    throw new ImageRejected(
      `${subject} ${count(pixels)} pixels, which exceeds the limit of ${count(limits.maxJsPixels)} pixels for this format.`,
    );
  }
};
