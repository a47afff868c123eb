import pMap from 'p-map';
import type { Sharp } from 'sharp';
import { type Deadline, NO_DEADLINE } from '#core/deadline';
import { assertAnimationBudget, assertSvgBudget } from './budget.ts';
import { carry } from './carry.ts';
import { CONTENT_TYPES, EXTENSIONS, encode, KEEPS_ALPHA, LOSSY, MAX_SIDE } from './encode.ts';
import { formatOfContentType, IMAGE_FORMATS, type ImageFormat } from './formats.ts';
import { type Geometry, isIdentity, planGeometry, resizeRequestOf, type Size } from './geometry.ts';
import type { ImageLimits } from './limits.ts';
import { pixelSteps, runSteps } from './operations.ts';
import { asksForPixels } from './parameters.ts';
import { classicalSegmenter } from './segment/classical.ts';
import type { Segmenter } from './segment/segmenter.ts';
import { FAIL_ON, sharp } from './sharp.ts';
import { sniffFormat } from './sniff.ts';
import { openSource, type Source } from './source.ts';
import { readSvg } from './svg.ts';
import type { SvgDrawing } from './svg-drawing.ts';
import type { ImageClass, OutputFormat, Rgba, TransformOptions } from './transform-options.ts';
import { prepareForViewing } from './viewing.ts';

export type { ImageClass, OutputFormat, Rgba, TransformOptions } from './transform-options.ts';

/**
 * Part of every viewer ETag: bump it whenever the same stored bytes and options would come out
 * differently (an encoder setting, an operation), so no cache keeps the old bytes under the tag.
 */
// 2: the plain link strips JPEG, PNG and WebP metadata without re-encoding (lossless-strip.ts).
// 3: saturation=0 writes one band (blurred on one band), WebP effort 4 up to 1080p.
export const TRANSFORM_VERSION = 3;

export interface TransformedImage {
  body: Uint8Array;
  contentType: string;
}

const WHITE: Rgba = { r: 255, g: 255, b: 255, alpha: 1 };
/** Enough to keep libvips' threads busy between one frame's JavaScript and the next. */
const FRAMES_AT_ONCE = 8;
const WRITABLE: ReadonlySet<string> = new Set(Object.keys(CONTENT_TYPES));

/**
 * The image the viewer serves for a stored original and a validated request; pure: same bytes
 * and options, same result. Without any option it is the stored image under the default metadata
 * policy (prepareForViewing): no lossy round trip unless something must be removed.
 *
 * SVG is served as sanitised SVG, and rasterised (PNG unless `format` says otherwise) as soon as
 * anything is asked of its pixels or format. BMP and ICO are served as stored, and decoded when
 * transformed. Animated GIF and WebP stay animated when the output can animate (GIF, WebP);
 * other outputs take the first frame.
 *
 * `limits` are ingest's: anything stored opens; outputs never exceed `maxPixels` either.
 */
export const transform = async (
  input: Uint8Array,
  asked: TransformOptions,
  limits: ImageLimits,
  segmenter: Segmenter = classicalSegmenter(),
  deadline: Deadline = NO_DEADLINE,
): Promise<TransformedImage> => {
  const format = await sniffFormat(input);
  if (!format) throw new Error('stored image is in no format we accept');
  const options = asked.format === 'auto' ? await withAutoFormat(input, format, asked, limits) : asked;
  const { contentType } = IMAGE_FORMATS[format];
  const metadata = options.metadata ?? 'copyright';

  if (format === 'svg') {
    const { document, drawing } = await readSvg(input);
    if (document && !asksForPixels(options) && options.format === undefined)
      return { body: document, contentType };
    // Rasterising the sanitised document keeps librsvg away from anything it removed.
    return render(document ?? input, 'svg', options, limits, segmenter, deadline, drawing);
  }
  const stored = storedOutput(format);
  const sameFormat = options.format === undefined || options.format === stored;
  const requality = options.quality !== undefined && stored !== undefined && LOSSY.has(stored);
  if (!asksForPixels(options) && sameFormat && !requality) {
    if (stored === undefined || metadata === 'keep') return { body: input, contentType };
    return prepareForViewing(input, contentType, metadata);
  }
  return render(input, format, options, limits, segmenter, deadline);
};

/** What a stored image is, as far as choosing a format for it goes. */
interface Traits {
  frames: number;
  hasAlpha: boolean;
}

/**
 * `format=auto`: the smallest format the client can show. AVIF where accepted, else WebP, else
 * the stored format where every browser shows it (JPEG, PNG, GIF), else JPEG or, with alpha, PNG.
 * An animation becomes an animated WebP where accepted (the AVIF encoder here writes one frame),
 * else stays as stored; SVG stays vector (undefined: as without `format`).
 */
export const autoFormat = (
  format: ImageFormat,
  traits: Traits,
  accepts: ImageClass | undefined,
): OutputFormat | undefined => {
  if (format === 'svg') return undefined;
  if (traits.frames > 1) return accepts === 'avif' || accepts === 'webp' ? 'webp' : undefined;
  if (accepts === 'avif' || accepts === 'webp') return accepts;
  if (format === 'jpeg' || format === 'png' || format === 'gif') return undefined;
  return traits.hasAlpha ? 'png' : 'jpeg';
};

/** `options` with `format=auto` resolved for this image (a header read; BMP and ICO count as alpha). */
const withAutoFormat = async (
  input: Uint8Array,
  format: ImageFormat,
  options: TransformOptions,
  limits: ImageLimits,
): Promise<TransformOptions> => {
  const traits =
    format === 'bmp' || format === 'ico' || format === 'svg'
      ? { frames: 1, hasAlpha: true }
      : await sharp(input, { failOn: FAIL_ON, limitInputPixels: limits.maxPixels })
          .metadata()
          .then((metadata) => ({ frames: metadata.pages ?? 1, hasAlpha: metadata.hasAlpha }));
  return { ...options, format: autoFormat(format, traits, options.accepts) };
};

export interface OutputDescription {
  extension: string;
  contentType: string;
  width: number;
  height: number;
}

/**
 * What `transform` will produce for a stored image of `contentType` shown at `size`, without
 * decoding it (the viewer page's Open Graph tags). Animated inputs are taken as one frame, and
 * for `format=auto` anything but JPEG as having alpha. Trimmed borders are not known here.
 */
export const describeOutput = (
  contentType: string,
  size: Size,
  asked: TransformOptions,
  limits: ImageLimits,
): OutputDescription => {
  const format = formatOfContentType(contentType) ?? 'png';
  const options =
    asked.format === 'auto'
      ? {
          ...asked,
          format: autoFormat(format, { frames: 1, hasAlpha: contentType !== 'image/jpeg' }, asked.accepts),
        }
      : asked;
  const target = targetOf(format, options);
  const { output } = plan(size, options, target, 1, limits.maxPixels);
  const dimensions = { width: output.width, height: output.height };
  const transformed =
    asksForPixels(options) || (options.format !== undefined && options.format !== storedOutput(format));
  return transformed
    ? { extension: EXTENSIONS[target], contentType: CONTENT_TYPES[target], ...dimensions }
    : { extension: IMAGE_FORMATS[format].extension, contentType, ...dimensions };
};

const render = async (
  input: Uint8Array,
  format: ImageFormat,
  options: TransformOptions,
  limits: ImageLimits,
  segmenter: Segmenter,
  deadline: Deadline,
  drawing?: SvgDrawing,
): Promise<TransformedImage> => {
  const timeout = { seconds: secondsLeft(deadline) };
  const opened = await openSource(input, format, limits);
  const target = targetOf(format, options);
  const source =
    options.trim === undefined
      ? opened
      : await trimmed(opened, options.trim, options.metadata === 'keep', timeout);
  // Background removal works on one picture: an animation gives its first frame.
  const animated = source.frames > 1 && (target === 'gif' || target === 'webp') && !options.segment;
  const frames = animated ? source.frames : 1;
  const geometry = plan(source.size, options, target, frames, limits.maxPixels);
  const upright = rotated(source.size, options);
  const mayHaveAlpha = source.hasAlpha || geometry.kind === 'pad' || options.segment !== undefined;
  const fill = fillColour(options.background, target, mayHaveAlpha);
  const changesPixels = asksForPixels(options) || !isIdentity(geometry, upright) || fill !== undefined;
  const splitFrames = animated && changesPixels;
  const steps = pixelSteps(options, {
    upright,
    geometry,
    fill,
    segmenter,
    pixels: splitFrames ? 'frames' : mayHaveAlpha ? 'alpha' : 'opaque',
  });
  if (animated) {
    const { output } = geometry;
    assertAnimationBudget(
      frames,
      source.size.width * source.size.height,
      output.width * output.height,
      limits,
    );
  }
  const scale = vectorScale(source, upright, geometry, limits, drawing);

  const pipeline = splitFrames
    ? await frameByFrame(source, steps, geometry, timeout)
    : await runSteps(source.open({ animated, scale }), steps, options.metadata === 'keep');
  const body = await encode(pipeline, {
    format: target,
    quality: options.quality,
    pixels: geometry.output.width * geometry.output.height * frames,
    losslessSource: source.losslessWebp,
    animation: animated ? { loop: source.loop, delay: source.delay } : undefined,
    metadata: options.metadata ?? 'copyright',
    exif: source.exif,
  })
    .timeout(timeout)
    .toBuffer();
  return { body, contentType: CONTENT_TYPES[target] };
};

/**
 * libvips cannot rotate an animation, mirrors it top to bottom by reversing its frames, and blurs
 * across frame boundaries; so an animation with any pixel work is split into frames, each goes
 * through the same steps as a still image, and the frames are joined again.
 */
const frameByFrame = async (
  source: Source,
  steps: ReturnType<typeof pixelSteps>,
  geometry: Geometry,
  timeout: { seconds: number },
): Promise<Sharp> => {
  const strip = await source
    .open({ animated: true })
    .ensureAlpha()
    .raw()
    .timeout(timeout)
    .toBuffer({ resolveWithObject: true });
  const { width } = strip.info;
  const height = strip.info.height / source.frames;
  const frameBytes = width * height * 4;
  // A few frames at a time: setting up a pipeline is JavaScript, and a thousand set up at once
  // would hold the event loop for half a second (and every frame's buffers at once).
  const frames = await pMap(
    Array.from({ length: source.frames }, (_, index) => index),
    async (index) => {
      const frame = strip.data.subarray(index * frameBytes, (index + 1) * frameBytes);
      const pipeline = await runSteps(sharp(frame, { raw: { width, height, channels: 4 } }), steps, false);
      return pipeline.ensureAlpha().raw().timeout(timeout).toBuffer();
    },
    { concurrency: FRAMES_AT_ONCE },
  );
  const { output } = geometry;
  return sharp(Buffer.concat(frames), {
    raw: {
      width: output.width,
      height: output.height * source.frames,
      channels: 4,
      pageHeight: output.height,
    },
  });
};

/**
 * libvips' own time limit for a pipeline, in whole seconds (0 = none): what the deadline leaves.
 * A render cut off there stops burning CPU instead of running on after the request answered.
 */
const secondsLeft = (deadline: Deadline): number => {
  const ms = deadline.remainingMs();
  return Number.isFinite(ms) ? Math.max(1, Math.floor(ms / 1000)) : 0;
};

/** The stored format when an encoder can write it again; SVG, BMP and ICO cannot be. */
const storedOutput = (format: ImageFormat): OutputFormat | undefined =>
  WRITABLE.has(format) ? (format as OutputFormat) : undefined;

/** Background removal defaults to PNG, which keeps the alpha it makes. */
const targetOf = (format: ImageFormat, options: TransformOptions): OutputFormat =>
  // `auto` is resolved before this (withAutoFormat); unresolved, it is the default.
  (options.format === 'auto' ? undefined : options.format) ??
  (options.segment ? 'png' : undefined) ??
  storedOutput(format) ??
  'png';

const rotated = (size: Size, { rotate }: TransformOptions): Size =>
  rotate === 90 || rotate === 270 ? { width: size.height, height: size.width } : size;

const plan = (
  size: Size,
  options: TransformOptions,
  target: OutputFormat,
  frames: number,
  maxPixels: number,
) => {
  const upright = rotated(size, options);
  return planGeometry(upright, resizeRequestOf(upright, options), {
    maxPixels,
    maxSide: MAX_SIDE[target],
    frames,
  });
};

/**
 * `trim`: the source without its uniform border (libvips finds it from the top-left pixel's colour,
 * within `threshold`), materialised before anything is planned, since the size it leaves is what
 * `w`/`h` then apply to. An animation keeps only its first frame's picture (it is trimmed as a
 * still image); an image that is all border is left as it is.
 */
const trimmed = async (
  source: Source,
  threshold: number,
  keepMetadata: boolean,
  timeout: { seconds: number },
): Promise<Source> => {
  const carried = await carry(source.open().trim({ threshold }).timeout(timeout), keepMetadata);
  return { ...source, size: carried.size, frames: 1, open: () => carried.open() };
};

/**
 * The colour transparency is filled with: the `background` asked for, over white where the output
 * has no alpha; white alone where the output has no alpha and the image has some; else none.
 */
const fillColour = (
  background: Rgba | undefined,
  target: OutputFormat,
  hasAlpha: boolean,
): Rgba | undefined => {
  const opaqueOnly = !KEEPS_ALPHA.has(target);
  if (!background) return opaqueOnly && hasAlpha ? WHITE : undefined;
  if (!opaqueOnly || background.alpha >= 1) return background;
  const over = (channel: number) => Math.round(channel * background.alpha + 255 * (1 - background.alpha));
  return { r: over(background.r), g: over(background.g), b: over(background.b), alpha: 1 };
};

/**
 * A vector image enlarged is rendered large rather than scaled up blurred, within the pixel limit
 * and the render budget. libvips draws it at the size asked for (never below its own), so that is
 * what the budget weighs; an SVG stored before the budget may be refused even at its own size.
 */
const vectorScale = (
  source: Source,
  upright: Size,
  geometry: Geometry,
  limits: ImageLimits,
  drawing: SvgDrawing | undefined,
): number => {
  if (source.format !== 'svg') return 1;
  const wanted = Math.max(geometry.scaled.width / upright.width, geometry.scaled.height / upright.height);
  const allowed = Math.sqrt(limits.maxPixels / (upright.width * upright.height));
  const scale = Math.max(1, Math.min(wanted, allowed));
  if (drawing) assertSvgBudget(drawing, upright.width * upright.height * scale * scale, limits);
  return scale;
};
