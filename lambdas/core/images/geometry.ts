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

export interface ResizeRequest {
  width?: number | undefined;
  height?: number | undefined;
  fit?: Fit | undefined;
}

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
  });
};

export const isIdentity = (geometry: Geometry, source: Size): boolean =>
  sameSize(geometry.scaled, source) && sameSize(geometry.output, source);

const fitInto = (source: Size, { width, height, fit = 'scale-down' }: ResizeRequest): Geometry => {
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
  return { scaled, output, offset: centred(scaled, output), kind: 'crop' };
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

const area = (size: Size): number => size.width * size.height;

const sameSize = (a: Size, b: Size): boolean => a.width === b.width && a.height === b.height;
