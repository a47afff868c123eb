/**
 * Output geometry, computed here rather than left to sharp so that the viewer page can state the
 * transformed image's size (og:image:width/height) without transforming it, and so the caps below
 * apply before anything is decoded.
 */
export interface Size {
  width: number;
  height: number;
}

/**
 * How `w` and `h` are read (Cloudflare's semantics, which image CDNs share):
 * - scale-down: fit inside, never enlarge (the default);
 * - contain: fit inside, enlarging if needed;
 * - cover: fill the box exactly, enlarging if needed, cropping the overflow (centred);
 * - crop: like cover, but never enlarge: an image smaller than the box keeps its size in that
 *   dimension;
 * - pad: like contain, then the rest of the box is transparent (filled by `background` where the
 *   output cannot keep transparency).
 * With only one of `w`/`h`, every fit scales to it (scale-down and crop never enlarging).
 */
export type Fit = 'scale-down' | 'contain' | 'cover' | 'crop' | 'pad';

/**
 * Which part of the scaled image a crop keeps: a compass point (the edge or corner it holds on to),
 * a focal point (x and y as fractions of the width and height, placed as near the centre of the
 * output as the image allows), or what libvips finds: `attention` (the region with the most
 * luminance frequency, saturation and skin tones) or `entropy` (the most information). Absent: the
 * centre.
 */
export type Gravity =
  | 'center'
  | 'north'
  | 'south'
  | 'east'
  | 'west'
  | 'northeast'
  | 'northwest'
  | 'southeast'
  | 'southwest'
  | 'attention'
  | 'entropy'
  /** Needs a face model; none can be configured yet, so the viewer refuses it (never reaches here). */
  | 'face'
  | { x: number; y: number };

export interface ResizeRequest {
  width?: number | undefined;
  height?: number | undefined;
  fit?: Fit | undefined;
  gravity?: Gravity | undefined;
}

/**
 * img.pro's named sizes: small, medium and large bound the short side (320, 640, 1080 px: what its
 * API answers for a 4000×3000 photo, 426×320, 853×640 and 1440×1080) and never enlarge; an image
 * twice as long as it is wide or more is bounded on its long side instead, so a panorama does not
 * come out thousands of pixels long. `social` is the 1200×630 card Open Graph and X/Twitter
 * recommend, filled and cropped.
 */
export const NAMED_SIZES = { small: 320, medium: 640, large: 1080 } as const;
export const SOCIAL_CARD = { width: 1200, height: 630 } as const;
export type NamedSize = keyof typeof NAMED_SIZES | 'social';

export interface SizeRequest extends ResizeRequest {
  size?: NamedSize | undefined;
  /** Device pixel ratio: multiplies the box, but never past what the original holds. */
  dpr?: number | undefined;
}

/**
 * The box `w`/`h` (or a named size, when neither is given) describe for an upright image of
 * `source` size, multiplied by `dpr`. dpr never asks for more than the original: past it the
 * factor stops where the box's first side reaches the image's (an image has no more detail to
 * give), and it never goes below 1.
 */
export const resizeRequestOf = (source: Size, request: SizeRequest): ResizeRequest => {
  const named = request.width === undefined && request.height === undefined ? request.size : undefined;
  const box = named ? namedBox(source, named) : request;
  const fit = request.fit ?? (named === 'social' ? 'cover' : undefined);
  const dpr = request.dpr ?? 1;
  const room = Math.min(
    box.width === undefined ? Number.POSITIVE_INFINITY : source.width / box.width,
    box.height === undefined ? Number.POSITIVE_INFINITY : source.height / box.height,
  );
  const factor = Math.max(1, Math.min(dpr, room));
  const times = (side: number | undefined) => (side === undefined ? undefined : Math.round(side * factor));
  return { width: times(box.width), height: times(box.height), fit, gravity: request.gravity };
};

/** What a named size gives for an upright image of `source` size (no output cap reached: it shrinks). */
export const namedSizeOf = (source: Size, size: NamedSize): Size =>
  planGeometry(source, resizeRequestOf(source, { size }), {
    maxPixels: Number.POSITIVE_INFINITY,
    maxSide: Number.POSITIVE_INFINITY,
    frames: 1,
  }).output;

const namedBox = (source: Size, size: NamedSize): { width?: number; height?: number } => {
  if (size === 'social') return SOCIAL_CARD;
  const limit = NAMED_SIZES[size];
  const landscape = source.width >= source.height;
  const long = Math.max(source.width, source.height) >= 2 * Math.min(source.width, source.height);
  // The bounded side: the short one, or the long one for a panorama (or a tall strip).
  return landscape !== long ? { height: limit } : { width: limit };
};

export interface GeometryCap {
  /** Pixels of the scaled image and of the output, across all frames. */
  maxPixels: number;
  /** Longest side the output format can hold. */
  maxSide: number;
  frames: number;
}

export interface Geometry {
  /** The whole image after scaling (before the crop or the padding). */
  scaled: Size;
  /** The final picture; a crop of `scaled` for cover/crop, `scaled` plus padding for pad. */
  output: Size;
  /** Where `output` starts inside `scaled` (cover/crop) or `scaled` inside `output` (pad). */
  offset: { left: number; top: number };
  kind: 'scale' | 'crop' | 'pad';
}

/** The geometry for an upright image of `source` size (orientation and rotation applied). */
export const planGeometry = (source: Size, request: ResizeRequest, cap: GeometryCap): Geometry => {
  const planned = fitInto(source, request);
  const largest = Math.max(area(planned.scaled), area(planned.output)) * cap.frames;
  const longest = Math.max(
    planned.scaled.width,
    planned.scaled.height,
    planned.output.width,
    planned.output.height,
  );
  const factor = Math.min(1, Math.sqrt(cap.maxPixels / largest), cap.maxSide / longest);
  if (factor >= 1) return planned;
  // Over a cap: the same request in a box shrunk by `factor`, never an error.
  const box = {
    width: Math.max(1, Math.floor(planned.output.width * factor)),
    height: Math.max(1, Math.floor(planned.output.height * factor)),
  };
  return fitInto(source, {
    ...box,
    fit: planned.kind === 'scale' ? 'contain' : planned.kind === 'pad' ? 'pad' : 'cover',
    gravity: request.gravity,
  });
};

export const isIdentity = (geometry: Geometry, source: Size): boolean =>
  sameSize(geometry.scaled, source) && sameSize(geometry.output, source);

const fitInto = (source: Size, { width, height, fit = 'scale-down', gravity }: ResizeRequest): Geometry => {
  if (width === undefined && height === undefined) return scaleOnly(source);
  const wide = width === undefined ? Number.POSITIVE_INFINITY : width / source.width;
  const tall = height === undefined ? Number.POSITIVE_INFINITY : height / source.height;
  const inside = Math.min(wide, tall);
  const both = width !== undefined && height !== undefined;

  if (!both || fit === 'scale-down' || fit === 'contain' || (fit === 'pad' && !both)) {
    const never = fit === 'scale-down' || fit === 'crop';
    return scaleOnly(scale(source, never ? Math.min(1, inside) : inside));
  }
  if (fit === 'pad') {
    const scaled = scale(source, inside);
    const output = { width, height };
    return { scaled, output, offset: centred(output, scaled), kind: 'pad' };
  }
  const outside = Math.max(wide, tall);
  const scaled = scale(source, fit === 'crop' ? Math.min(1, outside) : outside);
  const output = { width: Math.min(width, scaled.width), height: Math.min(height, scaled.height) };
  return { scaled, output, offset: cropOffset(scaled, output, gravity), kind: 'crop' };
};

const scaleOnly = (size: Size): Geometry => ({
  scaled: size,
  output: size,
  offset: { left: 0, top: 0 },
  kind: 'scale',
});

const scale = (size: Size, factor: number): Size => ({
  width: Math.max(1, Math.round(size.width * factor)),
  height: Math.max(1, Math.round(size.height * factor)),
});

/** Offset that centres `inner` in `outer` (the odd pixel goes right and down). */
const centred = (outer: Size, inner: Size) => ({
  left: Math.floor((outer.width - inner.width) / 2),
  top: Math.floor((outer.height - inner.height) / 2),
});

/**
 * Where a crop of `inner` starts inside `outer` for a compass point or a focal point; centred for
 * the centre and for attention and entropy, which libvips places itself (operations.ts).
 */
const cropOffset = (outer: Size, inner: Size, gravity: Gravity | undefined) => {
  const centre = centred(outer, inner);
  if (gravity === undefined || typeof gravity === 'string') {
    const compass = gravity ?? '';
    const along = (start: string, end: string, free: number, middle: number) =>
      compass.indexOf(start) >= 0 ? 0 : compass.indexOf(end) >= 0 ? free : middle;
    if (compass === 'attention' || compass === 'entropy' || compass === 'face') return centre;
    return {
      left: along('west', 'east', outer.width - inner.width, centre.left),
      top: along('north', 'south', outer.height - inner.height, centre.top),
    };
  }
  const place = (fraction: number, outerSide: number, innerSide: number) =>
    Math.max(0, Math.min(outerSide - innerSide, Math.round(fraction * outerSide - innerSide / 2)));
  return {
    left: place(gravity.x, outer.width, inner.width),
    top: place(gravity.y, outer.height, inner.height),
  };
};

const area = (size: Size): number => size.width * size.height;

const sameSize = (a: Size, b: Size): boolean => a.width === b.width && a.height === b.height;
