import { z } from 'zod';
import type { Rgba, TransformOptions } from '#core/images/transform';
import {
  canonicalQueryString,
  FITS,
  FLIPS,
  LIMITS,
  METADATA_POLICIES,
  OUTPUT_FORMATS,
  SEGMENTS,
} from './canonical.ts';

const factor = z.coerce.number().min(LIMITS.factor.min).max(LIMITS.factor.max);
const side = z.coerce.number().int().min(LIMITS.side.min).max(LIMITS.side.max);

/** `#rrggbb` or `#rrggbbaa`, the only forms canonicalQueryString writes a colour in. */
const colour = z
  .string()
  .regex(/^#[0-9a-f]{6}([0-9a-f]{2})?$/)
  .transform((hex): Rgba => {
    const byte = (at: number) => Number.parseInt(hex.slice(at, at + 2), 16);
    return { r: byte(1), g: byte(3), b: byte(5), alpha: hex.length === 9 ? byte(7) / 255 : 1 };
  });

/**
 * The canonical query (canonicalQueryString's output) typed for `transform`. It only ever sees
 * canonical pairs, so it is strict: a failure here is a disagreement between the two, a bug,
 * which the property test guards against.
 */
export const TransformQuery = z
  .strictObject({
    background: colour.optional(),
    blur: z.coerce.number().int().min(1).max(LIMITS.blur.max).optional(),
    brightness: factor.optional(),
    contrast: factor.optional(),
    fit: z.enum(FITS).optional(),
    flip: z.enum(FLIPS).optional(),
    format: z.enum(OUTPUT_FORMATS).optional(),
    gamma: factor.optional(),
    h: side.optional(),
    metadata: z.enum(METADATA_POLICIES).optional(),
    q: z.coerce.number().int().min(LIMITS.quality.min).max(LIMITS.quality.max).optional(),
    rotate: z.coerce
      .number()
      .pipe(z.union([z.literal(90), z.literal(180), z.literal(270)]))
      .optional(),
    saturation: factor.optional(),
    segment: z.enum(SEGMENTS).optional(),
    sharp: factor.optional(),
    w: side.optional(),
  })
  .transform(
    (query): TransformOptions => ({
      format: query.format === 'jpg' ? 'jpeg' : query.format,
      width: query.w,
      height: query.h,
      fit: query.fit,
      quality: query.q,
      rotate: query.rotate,
      flip: query.flip,
      blur: query.blur,
      sharpen: query.sharp,
      brightness: query.brightness,
      contrast: query.contrast,
      saturation: query.saturation,
      gamma: query.gamma,
      background: query.background,
      metadata: query.metadata,
      segment: query.segment,
    }),
  );

export interface ViewerQuery {
  /** The cache key's query part; '' when nothing counts. */
  canonical: string;
  options: TransformOptions;
}

/**
 * A link's query in canonical and typed form. `extensionFormat` (from `/<id>.<ext>`) acts as a
 * `format` given last, so it wins over one in the query.
 */
export const parseViewerQuery = (rawQuery: string, extensionFormat?: string): ViewerQuery => {
  const pairs: Array<[string, string]> = [...new URLSearchParams(rawQuery)];
  if (extensionFormat !== undefined) pairs.push(['format', extensionFormat]);
  const canonical = canonicalQueryString(pairs);
  return { canonical, options: TransformQuery.parse(Object.fromEntries(new URLSearchParams(canonical))) };
};
