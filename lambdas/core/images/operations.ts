import type { Sharp } from 'sharp';
import { type Carried, carry } from './carry.ts';
import type { Geometry, Size } from './geometry.ts';
import { type PixelStage, STAGES } from './parameters.ts';
import { foregroundPixels, type Segmenter } from './segment/segmenter.ts';
import type { Rgba, TransformOptions } from './transform-options.ts';

/**
 * The pixel operations of a transform, in the documented order (STAGES):
 *
 *   segment → rotate → flip → resize (w, h, fit) → blur → brightness & saturation → sharpen →
 *   gamma → contrast → background
 *
 * (EXIF orientation is applied when the image is opened, before all of these.) Geometry comes
 * first so that `w`/`h` describe the picture as finally seen; background comes last so that the
 * colour asked for is the colour shown, untouched by the adjustments.
 *
 * libvips runs the operations of one sharp pipeline in a fixed order of its own, whatever the
 * order of the calls (sharp's src/pipeline.cc). Each native step below names its place in that
 * order; when a step would run earlier than one already in the pipeline, the pipeline is cut:
 * materialised and reopened, so the documented order is what actually happens. Common requests
 * need no cut; `gamma` (done here in JS, exactly out = in^gamma, where libvips' gamma only
 * reaches exponents 1/3–3), a blur above radius 32, and `contrast` with `background` need one.
 */
type Step =
  | { kind: 'native'; slot: number; apply: (pipeline: Sharp) => Sharp }
  /** Runs on the image materialised so far; `slot` is where the pipeline it returns stands. */
  | { kind: 'stage'; slot: number; apply: (carried: Carried, cut: Cut) => Promise<Sharp> };

type Cut = (pipeline: Sharp) => Promise<Carried>;

/** Background removal: the mask becomes the alpha channel (an existing alpha is kept where lower). */
const segmentStep = (segmenter: Segmenter): Step => ({
  kind: 'stage',
  slot: SLOT.composite,
  apply: async (carried) => {
    const { data, channels } = await carried.pixels();
    return carried.withPixels(await foregroundPixels({ data, channels, ...carried.size }, segmenter), 4);
  },
});

/**
 * Positions in libvips' own order: flip/rotate and resize, then these, then composite, linear, and
 * last the output's bands.
 */
const SLOT = { geometry: 1, blur: 2, recomb: 3, sharpen: 4, composite: 5, linear: 6, output: 7 };

const TRANSPARENT = { r: 0, g: 0, b: 0, alpha: 0 };
/** Rec. 709 luma weights: a pixel's grey value, which saturation moves towards or away from. */
const LUMA: [number, number, number] = [0.2126, 0.7152, 0.0722];
const MID_GREY = 128;

export interface StepContext {
  /** Size of the upright image the geometry was planned for. */
  upright: Size;
  geometry: Geometry;
  /** Colour to fill transparency with, when it must be filled at all. */
  fill: Rgba | undefined;
  /** Finds the foreground for `segment=foreground`. */
  segmenter: Segmenter;
  /**
   * What the steps run on: one picture without alpha, one that may have alpha, or the frames of an
   * animation, each written out raw in four bands after the steps (see transform.ts). Only the
   * first can be made one band (see `greyPlan`).
   */
  pixels: 'opaque' | 'alpha' | 'frames';
}

/** StepContext plus how `saturation=0` is done (see greyPlan). */
interface Planned extends StepContext {
  grey: 'no' | 'last' | 'first';
}

/**
 * The steps of each pipeline stage (core/images/parameters.ts names the stages and which
 * parameters belong to each): a stage with nothing asked of it adds none, except the geometry,
 * which also carries the EXIF orientation and the output caps.
 */
const STAGE_STEPS: Record<PixelStage, (options: TransformOptions, context: Planned) => Step[]> = {
  // Before any geometry, so the border the segmenter reads is the whole picture's.
  segment: (options, context) => (options.segment === 'foreground' ? [segmentStep(context.segmenter)] : []),
  geometry: (options, context) => [
    native(SLOT.geometry, (pipeline) => applyGeometry(pipeline, options, context)),
    ...(context.grey === 'first' ? [greyStep] : []),
  ],
  blur: (options) => (options.blur ? [blurStep(options.blur)] : []),
  tone: ({ brightness = 1, saturation = 1 }, { grey }) => {
    if ((brightness === 1 && saturation === 1) || grey === 'first') return [];
    // One 3×3 matrix: brightness × (saturation × identity + (1 − saturation) × luma rows). Cheaper
    // than libvips' LCh modulate, and brightness 0 is truly black (in LCh, L = 0 keeps chroma).
    const matrix = [0, 1, 2].map((row) =>
      [0, 1, 2].map(
        (column) => brightness * ((row === column ? saturation : 0) + (1 - saturation) * (LUMA[column] ?? 0)),
      ),
    ) as [[number, number, number], [number, number, number], [number, number, number]];
    return [native(SLOT.recomb, (pipeline) => pipeline.recomb(matrix))];
  },
  sharpen: ({ sharpen: k }) =>
    // Strength scales libvips' defaults (m1 1, m2 2, y2 10, y3 20), so 1 is its mild sharpening.
    k
      ? [
          native(SLOT.sharpen, (pipeline) =>
            pipeline.sharpen({ sigma: 1, m1: k, m2: 2 * k, y2: 10 * k, y3: 20 * k }),
          ),
        ]
      : [],
  gamma: ({ gamma }) => (gamma && gamma !== 1 ? [gammaStep(gamma)] : []),
  contrast: ({ contrast }) =>
    contrast !== undefined && contrast !== 1
      ? [native(SLOT.linear, (pipeline) => pipeline.linear(contrast, MID_GREY * (1 - contrast)))]
      : [],
  background: (_options, { fill, geometry, grey }) => {
    // A grey picture is written as one band: a grey JPEG or PNG, smaller and faster to encode.
    if (grey !== 'no') return [native(SLOT.output, (pipeline) => pipeline.extractChannel(0))];
    if (!fill) return [];
    const { width, height } = geometry.output;
    const layer = {
      input: { create: { width, height, channels: 4 as const, background: fill } },
      blend: 'dest-over' as const,
    };
    return [native(SLOT.composite, (pipeline) => pipeline.composite([layer]))];
  },
};

export const pixelSteps = (options: TransformOptions, context: StepContext): Step[] => {
  const grey = greyPlan(options, context);
  return STAGES.flatMap((stage) => STAGE_STEPS[stage](options, { ...context, grey }));
};

/**
 * Fewer bands for `saturation=0`, with the very same grey (Rec. 709 luma of the encoded values):
 * - 'last': the tone matrix as usual, and only its first band written (R = G = B): a one-band
 *   JPEG or PNG, smaller and faster to encode, the same pixels;
 * - 'first': when a blur follows, the luma is taken right after the geometry and the picture cut
 *   there, so the blur runs on one band instead of three (a 1080p JPEG with blur=10: see
 *   bench/bands.ts). Both are linear, so this only moves where values are rounded: within a level
 *   of 'last'. Brightness stays after the blur (it can clip). Not for sharpening alone: libvips
 *   sharpens the L of LabS whatever the bands, and from one band converts more, not less.
 * Only for one opaque picture without a fill: one band has no room for alpha, and sharp writes a
 * grey pipeline's raw pixels without it. libvips' own greyscale would go first without a cut, but
 * greys by luminance (pure red 127, not 54) and before the resize, which made w=800 slower.
 */
const greyPlan = (
  { saturation, brightness = 1, blur }: TransformOptions,
  { pixels, fill }: StepContext,
): Planned['grey'] => {
  if (saturation !== 0 || pixels !== 'opaque' || fill) return 'no';
  return brightness === 1 && blur ? 'first' : 'last';
};

/**
 * Luma into the first band, which alone goes on. Its slot is after the blur's, so the blur that
 * follows cuts the pipeline here and runs on the one band.
 */
const greyStep: Step = {
  kind: 'native',
  slot: SLOT.sharpen,
  apply: (pipeline) => pipeline.recomb([LUMA, LUMA, LUMA]).extractChannel(0),
};

/**
 * Runs the steps on `pipeline`, cutting it where the documented order requires (see above).
 * `keepMetadata` makes cuts carry the original's metadata along (`metadata=keep`).
 */
export const runSteps = async (pipeline: Sharp, steps: Step[], keepMetadata: boolean): Promise<Sharp> => {
  const cut: Cut = (current) => carry(current, keepMetadata);
  let current = pipeline;
  let slot = 0;
  for (const step of steps) {
    if (step.kind === 'stage') current = await step.apply(await cut(current), cut);
    else {
      if (step.slot <= slot) current = (await cut(current)).open();
      current = step.apply(current);
    }
    slot = step.slot;
  }
  return current;
};

const native = (slot: number, apply: (pipeline: Sharp) => Sharp): Step => ({ kind: 'native', slot, apply });

/** Exactly out = in^gamma, in JS on the raw pixels (libvips' gamma only reaches 1/3–3). */
const gammaStep = (gamma: number): Step => {
  const table = new Uint8Array(256);
  for (let value = 0; value < 256; value++) table[value] = Math.round(255 * (value / 255) ** gamma);
  return {
    kind: 'stage',
    // Where a PNG carrier's composite leaves the pipeline (a raw one is fresh: no later).
    slot: SLOT.composite,
    apply: async (carried) => {
      const { data, channels } = await carried.pixels();
      // Grey + alpha and RGB + alpha: the last channel is alpha, which gamma leaves alone.
      const colours = channels === 2 || channels === 4 ? channels - 1 : channels;
      for (let at = 0; at < data.length; at += channels) {
        for (let channel = 0; channel < colours; channel++) {
          data[at + channel] = table[data[at + channel] ?? 0] ?? 0;
        }
      }
      return carried.withPixels(data, channels);
    },
  };
};

/** Above this radius a blur is computed small and scaled back up (see blurStep). */
const LARGE_BLUR = 32;
const SMALL_BLUR = 4;

/**
 * A Gaussian blur costs time in proportion to its radius: libvips took 2.3 s for radius 250 on a
 * 1080p image here, and 42 s on 49 MP. A large blur leaves nothing a lower resolution cannot hold,
 * so it is computed at 1/(radius/4) of the size with radius 4 and scaled back up: 0.1 s for
 * 1080p (3 s for 49 MP), a mean difference of about one level (of 255) from the exact blur.
 */
const blurStep = (radius: number): Step => {
  if (radius <= LARGE_BLUR) return native(SLOT.blur, (pipeline) => pipeline.blur(radius));
  const factor = radius / SMALL_BLUR;
  return {
    kind: 'stage',
    slot: SLOT.blur,
    apply: async (carried, cut) => {
      const { width, height } = carried.size;
      const small = await cut(
        carried
          .open()
          .resize(Math.max(1, Math.round(width / factor)), Math.max(1, Math.round(height / factor)), {
            fit: 'fill',
          })
          .blur(SMALL_BLUR),
      );
      return small.open().resize(width, height, { fit: 'fill', kernel: 'linear' });
    },
  };
};

/**
 * Rotation, mirroring and the resize. libvips mirrors before it rotates, so "rotate, then flip"
 * becomes the other mirror first when the rotation is a quarter turn. sharp rotates before
 * resizing when both are asked (and orients before either), so `geometry`, planned for the
 * upright rotated image, applies as planned.
 */
const applyGeometry = (
  pipeline: Sharp,
  options: TransformOptions,
  { upright, geometry }: StepContext,
): Sharp => {
  let out = pipeline;
  const quarter = options.rotate === 90 || options.rotate === 270;
  const flip = options.flip ?? '';
  const horizontal = flip.includes(quarter ? 'v' : 'h');
  const vertical = flip.includes(quarter ? 'h' : 'v');
  if (options.rotate) out = out.rotate(options.rotate);
  if (vertical) out = out.flip();
  if (horizontal) out = out.flop();

  const { scaled, output, offset } = geometry;
  const strategy =
    options.gravity === 'attention' || options.gravity === 'entropy' ? options.gravity : undefined;
  if (strategy && geometry.kind === 'crop' && !sameSize(output, scaled)) {
    // libvips chooses the crop itself, scaling so the output's limiting side fills (what `scaled`
    // is for cover, and for crop wherever it does not enlarge), then keeping the best window.
    return out.resize(output.width, output.height, { fit: 'cover', position: strategy });
  }
  if (scaled.width !== upright.width || scaled.height !== upright.height) {
    out = out.resize(scaled.width, scaled.height, { fit: 'fill' });
  }
  if (geometry.kind === 'crop' && !sameSize(output, scaled)) {
    out = out.extract({ ...offset, ...output });
  }
  if (geometry.kind === 'pad') {
    out = out.extend({
      top: offset.top,
      left: offset.left,
      bottom: output.height - scaled.height - offset.top,
      right: output.width - scaled.width - offset.left,
      background: TRANSPARENT,
    });
  }
  return out;
};

const sameSize = (a: Size, b: Size): boolean => a.width === b.width && a.height === b.height;
