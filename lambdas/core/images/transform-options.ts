import type { Fit, Gravity, NamedSize } from './geometry.ts';

export type { Fit, Gravity, NamedSize } from './geometry.ts';

/** Formats a transform can write. */
export type OutputFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif';

/**
 * What a client's `Accept` header says it can show, reduced to the classes `format=auto` chooses
 * between: AVIF, else WebP, else the stored format (`legacy`).
 */
export type ImageClass = 'avif' | 'webp' | 'legacy';

/**
 * What EXIF survives: `copyright` keeps only copyright and artist (the default), `none` keeps
 * nothing, `keep` keeps everything the original had (GPS included).
 */
export type MetadataPolicy = 'copyright' | 'none' | 'keep';

/** sRGB channels 0–255, alpha 0–1 (sharp's colour shape). */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  alpha: number;
}

/**
 * A transform request, already validated (the viewer parses it from the canonical query). An
 * absent field changes nothing. Ranges: factors 0–10, blur 1–250, width/height 1–8192,
 * quality 1–100.
 */
export interface TransformOptions {
  /** Remove the background (first, on the upright image); the output keeps alpha (PNG by default). */
  segment?: 'foreground' | undefined;
  /**
   * Default: the stored format where it can be written, else PNG (SVG, BMP, ICO). `auto` chooses by
   * `accepts` (see autoFormat in transform.ts).
   */
  format?: OutputFormat | 'auto' | undefined;
  /** For `format=auto`: what the client can show (legacy when absent). Not a query parameter. */
  accepts?: ImageClass | undefined;
  width?: number | undefined;
  height?: number | undefined;
  /** A named size: the box `w`/`h` stand for when neither is given. */
  size?: NamedSize | undefined;
  /** Device pixel ratio, 1–4: multiplies `w`/`h` (or the named size), never past the original. */
  dpr?: number | undefined;
  fit?: Fit | undefined;
  /** Which part a crop (fit=cover or crop) keeps: default centre. */
  gravity?: Gravity | undefined;
  /** Remove uniform borders before anything else but background removal: the colour threshold, 1–100. */
  trim?: number | undefined;
  /** Lossy encoders only (JPEG, WebP, AVIF). */
  quality?: number | undefined;
  /** Clockwise degrees. */
  rotate?: 90 | 180 | 270 | undefined;
  flip?: 'h' | 'v' | 'hv' | undefined;
  /** Gaussian blur radius in pixels (the standard deviation, as in CSS `blur()`). */
  blur?: number | undefined;
  /** Unsharp-mask strength; 1 is libvips' default mild sharpening. */
  sharpen?: number | undefined;
  /** Multiplies R, G and B: 0 is black, 2 twice as bright. */
  brightness?: number | undefined;
  /** Scales the distance from mid-grey (128): 0 is flat grey. */
  contrast?: number | undefined;
  /** Scales the distance from the pixel's luma: 0 is greyscale. */
  saturation?: number | undefined;
  /** out = in^gamma on values normalised to 0–1: > 1 darkens mid-tones. */
  gamma?: number | undefined;
  /** Fills transparency (and padding); default: white, only where the output cannot keep alpha. */
  background?: Rgba | undefined;
  metadata?: MetadataPolicy | undefined;
}
