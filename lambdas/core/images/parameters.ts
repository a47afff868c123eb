import { cssColour } from './colour.ts';
import type { Gravity, Rgba, TransformOptions } from './transform-options.ts';

/**
 * The viewer's transform parameters, each declared once: how a raw query value is normalised to
 * its canonical form (or dropped as if absent), the transform option it sets and how it reads, the
 * values that change nothing, whether it changes pixels, and its stage in the pipeline. The
 * canonical query (at the edge and at the origin), the typed options, whether a request needs any
 * pixel work, and the order of that work are all derived from this table: a new parameter is an
 * entry here plus its operation (a stage's step in operations.ts).
 *
 * This module is bundled into the viewer's CloudFront Function (cloudfront-js-2.0, 10 KB) with the
 * canonical form: no imports but types and colour.ts, no Node APIs, no regex lookbehind, and only
 * ES 5.1 with let/const, arrows, rest parameters and template literals (no destructuring, spread,
 * for-of, classes or default parameters).
 */

export const LIMITS = {
  /** brightness, contrast, saturation, gamma and sharp. */
  factor: { min: 0, max: 10 },
  blur: { min: 0, max: 250 },
  side: { min: 1, max: 8192 },
  quality: { min: 1, max: 100 },
  dpr: { min: 1, max: 4 },
  trim: { min: 1, max: 100 },
};

export const OUTPUT_FORMATS = ['jpg', 'webp', 'avif', 'png', 'gif'] as const;
export const FITS = ['scale-down', 'contain', 'cover', 'crop', 'pad'] as const;
export const FLIPS = ['h', 'v', 'hv'] as const;
export const METADATA_POLICIES = ['copyright', 'none', 'keep'] as const;
export const SEGMENTS = ['foreground'] as const;
export const SIZES = ['small', 'medium', 'large', 'social'] as const;
export const GRAVITIES = [
  'center',
  'north',
  'south',
  'east',
  'west',
  'northeast',
  'northwest',
  'southeast',
  'southwest',
  'attention',
  'entropy',
  'face',
] as const;
/** trim=auto: libvips' own default threshold. */
export const TRIM_AUTO = 10;

/**
 * The pixel work, in the order it is done: background removal first (on the whole upright picture),
 * geometry before the adjustments so that `w`/`h` describe what is seen, the background last so the
 * colour asked for is the colour shown. `output` is no pixel work: how the result is written.
 */
export const STAGES = [
  'segment',
  'geometry',
  'blur',
  'tone',
  'sharpen',
  'gamma',
  'contrast',
  'background',
] as const;
export type PixelStage = (typeof STAGES)[number];
export type Stage = PixelStage | 'output';

/** How one parameter's values are read: normalised (undefined: dropped), typed, and which change nothing. */
interface Values<T> {
  normalise: (value: string) => string | undefined;
  read: (canonical: string) => T;
  /** Typed values that change nothing: the canonical form drops them. */
  unchanged: readonly T[];
}

export interface Parameter<O extends keyof TransformOptions = keyof TransformOptions>
  extends Values<NonNullable<TransformOptions[O]>> {
  option: O;
  /** Whether the option changes pixels on its own (`fit` only shapes `w`/`h`; output options none). */
  pixels: boolean;
  stage: Stage;
  /** Kept in the canonical query only when this holds of the other values kept. */
  matters?: (kept: Record<string, string>) => boolean;
}

const parameter = <O extends keyof TransformOptions>(
  option: O,
  stage: Stage,
  values: Values<NonNullable<TransformOptions[O]>>,
  options?: { pixels?: boolean; matters?: (kept: Record<string, string>) => boolean },
): Parameter<O> => ({
  option: option,
  stage: stage,
  pixels: options && options.pixels !== undefined ? options.pixels : stage !== 'output',
  normalise: values.normalise,
  read: values.read,
  unchanged: values.unchanged,
  matters: options ? options.matters : undefined,
});

const DECIMAL = /^(\d{1,6}(\.\d{0,8})?|\.\d{1,8})$/;
const INTEGER = /^\d{1,6}$/;

/** A decimal in `range`, to two places. (An array, not rest: njs has no spread in calls.) */
const decimal = (range: { min: number; max: number }, unchanged: number[]): Values<number> => ({
  normalise: (value) => {
    if (!DECIMAL.test(value)) return undefined;
    const number = Number(value);
    if (number < range.min || number > range.max) return undefined;
    const rounded = Math.round(number * 100) / 100;
    return unchanged.indexOf(rounded) >= 0 ? undefined : String(rounded);
  },
  read: Number,
  unchanged: unchanged,
});

/** A decimal in the factor range, to two places. */
const factor = (...unchanged: number[]): Values<number> => decimal(LIMITS.factor, unchanged);

const integer = (range: { min: number; max: number }, ...unchanged: number[]): Values<number> => ({
  normalise: (value) => {
    if (!INTEGER.test(value)) return undefined;
    const number = Number(value);
    if (number < range.min || number > range.max || unchanged.indexOf(number) >= 0) return undefined;
    return String(number);
  },
  read: Number,
  unchanged: unchanged,
});

/** One of `allowed`, case-insensitively, `aliases` mapped first. */
const oneOf = <T extends string>(
  allowed: readonly T[],
  aliases: Record<string, T>,
  ...unchanged: T[]
): Values<T> => ({
  normalise: (value) => {
    const lower = value.toLowerCase();
    const named = aliases[lower] || lower;
    return (allowed as readonly string[]).indexOf(named) >= 0 && (unchanged as string[]).indexOf(named) < 0
      ? named
      : undefined;
  },
  read: (canonical) => canonical as T,
  unchanged: unchanged,
});

const ROTATIONS: readonly (90 | 180 | 270)[] = [90, 180, 270];

const rotation: Values<90 | 180 | 270> = {
  normalise: (value) =>
    INTEGER.test(value) && (ROTATIONS as readonly number[]).indexOf(Number(value)) >= 0
      ? String(Number(value))
      : undefined,
  read: (canonical) => Number(canonical) as 90 | 180 | 270,
  unchanged: [],
};

/** Written `#rrggbb` or `#rrggbbaa` (see cssColour). */
const colour: Values<Rgba> = {
  normalise: cssColour,
  read: (hex) => {
    const byte = (at: number) => parseInt(hex.slice(at, at + 2), 16);
    return { r: byte(1), g: byte(3), b: byte(5), alpha: hex.length === 9 ? byte(7) / 255 : 1 };
  },
  unchanged: [],
};

/** `auto` chooses by Accept; `json` answers facts about the variant instead of its bytes (the viewer's). */
const outputFormat = oneOf((OUTPUT_FORMATS as readonly string[]).concat('auto', 'json'), { jpeg: 'jpg' });

const compass = oneOf(GRAVITIES, { centre: 'center', auto: 'attention' }, 'center');
/** A focal point, Cloudflare's `0.3x0.6`: fractions of the width and height, 0–1. */
const FOCAL = /^(0?\.\d{1,8}|[01](\.\d{0,8})?)x(0?\.\d{1,8}|[01](\.\d{0,8})?)$/;

/** A compass point, attention, entropy, or a focal point written to two places (`0.3x0.6`). */
const gravity: Values<Gravity> = {
  normalise: (value) => {
    const focal = FOCAL.exec(value.toLowerCase());
    if (!focal) return compass.normalise(value);
    const x = Number(focal[1]);
    const y = Number(focal[3]);
    if (x > 1 || y > 1) return undefined;
    return `${Math.round(x * 100) / 100}x${Math.round(y * 100) / 100}`;
  },
  read: (canonical) => {
    const at = canonical.indexOf('x');
    return canonical.charAt(0) >= '0' && canonical.charAt(0) <= '9'
      ? { x: Number(canonical.slice(0, at)), y: Number(canonical.slice(at + 1)) }
      : (canonical as Gravity);
  },
  unchanged: [],
};

/** `auto` (libvips' default threshold) or a threshold of 1–100; one value, one spelling. */
const trim: Values<number> = {
  normalise: (value) => {
    const threshold =
      value.toLowerCase() === 'auto' ? TRIM_AUTO : Number(integer(LIMITS.trim).normalise(value));
    return threshold === TRIM_AUTO ? 'auto' : threshold > 0 ? String(threshold) : undefined;
  },
  read: (canonical) => (canonical === 'auto' ? TRIM_AUTO : Number(canonical)),
  unchanged: [],
};

/** `w` or `h` kept, or a named size standing for them. */
const sized = (kept: Record<string, string>) =>
  kept.w !== undefined || kept.h !== undefined || kept.size !== undefined;

const LOSSLESS = ['png', 'gif'];

/** Query name → parameter. */
export const PARAMETERS = {
  background: parameter('background', 'background', colour),
  blur: parameter('blur', 'blur', integer(LIMITS.blur, 0)),
  brightness: parameter('brightness', 'tone', factor(1)),
  contrast: parameter('contrast', 'contrast', factor(1)),
  // It multiplies w and h (or a named size); without them it changes nothing.
  dpr: parameter('dpr', 'geometry', decimal(LIMITS.dpr, [1]), { pixels: false, matters: sized }),
  fit: parameter('fit', 'geometry', oneOf(FITS, {}, 'scale-down'), {
    pixels: false,
    // It shapes w and h; without either it changes nothing.
    matters: sized,
  }),
  flip: parameter('flip', 'geometry', oneOf(FLIPS, { vh: 'hv' })),
  format: parameter('format', 'output', {
    normalise: outputFormat.normalise,
    read: (canonical) =>
      canonical === 'jpg' ? 'jpeg' : (canonical as 'webp' | 'avif' | 'png' | 'gif' | 'auto'),
    unchanged: [],
  }),
  // 0 and 1 both mean "unchanged" in the reference.
  gamma: parameter('gamma', 'gamma', factor(0, 1)),
  gravity: parameter('gravity', 'geometry', gravity, {
    pixels: false,
    // Only a crop has a part to choose: cover or crop with both sides, or the social card.
    matters: (kept) =>
      kept.w === undefined && kept.h === undefined
        ? kept.size === 'social' && (kept.fit === undefined || kept.fit === 'cover' || kept.fit === 'crop')
        : (kept.fit === 'cover' || kept.fit === 'crop') && kept.w !== undefined && kept.h !== undefined,
  }),
  h: parameter('height', 'geometry', integer(LIMITS.side)),
  metadata: parameter('metadata', 'output', oneOf(METADATA_POLICIES, {}, 'copyright')),
  q: parameter('quality', 'output', integer(LIMITS.quality), {
    // Only lossy encoders have a quality.
    matters: (kept) => LOSSLESS.indexOf(kept.format || '') < 0,
  }),
  rotate: parameter('rotate', 'geometry', rotation),
  saturation: parameter('saturation', 'tone', factor(1)),
  segment: parameter('segment', 'segment', oneOf(SEGMENTS, {})),
  sharp: parameter('sharpen', 'sharpen', factor(0)),
  size: parameter('size', 'geometry', oneOf(SIZES, { s: 'small', m: 'medium', l: 'large' }), {
    // w and h say the size themselves.
    matters: (kept) => kept.w === undefined && kept.h === undefined,
  }),
  // Geometry: it changes the size, so it runs on the source before the rest is planned (transform.ts).
  trim: parameter('trim', 'geometry', trim),
  w: parameter('width', 'geometry', integer(LIMITS.side)),
};

export type ParameterName = keyof typeof PARAMETERS;

const NAMES = Object.keys(PARAMETERS) as ParameterName[];

/** Own keys only: `in` would also find `constructor` and `__proto__`. */
export const isParameterName = (name: string): name is ParameterName =>
  (NAMES as string[]).indexOf(name) >= 0;

/** The options a canonical query sets (its values as `canonicalQueryString` wrote them). */
export const optionsOf = (canonical: Record<string, string>): TransformOptions => {
  const options: Record<string, unknown> = {};
  const names = Object.keys(canonical);
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (!isParameterName(name)) continue;
    const entry: Parameter = PARAMETERS[name];
    options[entry.option] = entry.read(canonical[name] as string);
  }
  return options as TransformOptions;
};

/** Whether `options` sets this parameter's option to a value that changes something. */
const isSet = (entry: Parameter, options: TransformOptions): boolean => {
  const value = options[entry.option];
  return value !== undefined && (entry.unchanged as readonly unknown[]).indexOf(value) < 0;
};

/** Whether any option set in `options` changes pixels (anything but format, quality and metadata). */
export const asksForPixels = (options: TransformOptions): boolean =>
  NAMES.some((name) => PARAMETERS[name].pixels && isSet(PARAMETERS[name], options));
