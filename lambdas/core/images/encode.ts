import type { Sharp } from 'sharp';
import { filterCopyright } from './copyright.ts';
import type { MetadataPolicy, OutputFormat } from './transform-options.ts';

export const CONTENT_TYPES: Readonly<Record<OutputFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
};

export const EXTENSIONS: Readonly<Record<OutputFormat, string>> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  avif: 'avif',
  gif: 'gif',
};

/** Formats whose `quality` means something. */
export const LOSSY: ReadonlySet<OutputFormat> = new Set(['jpeg', 'webp', 'avif']);

/** Formats that can hold transparency (GIF: one level of it). */
export const KEEPS_ALPHA: ReadonlySet<OutputFormat> = new Set(['png', 'webp', 'avif', 'gif']);

/** Longest side each encoder takes (WebP's bitstream stores 14 bits). */
export const MAX_SIDE: Readonly<Record<OutputFormat, number>> = {
  jpeg: 65_500,
  png: 65_535,
  webp: 16_383,
  avif: 16_384,
  gif: 65_535,
};

const MEGAPIXEL = 1_000_000;
const FULL_HD = 1920 * 1080;

export type LossyFormat = 'jpeg' | 'webp' | 'avif';

/** A lossy encoder's settings, in sharp's terms. */
export interface LossySettings {
  quality: number;
  effort?: number;
  chromaSubsampling?: '4:2:0' | '4:4:4';
}

/**
 * The lossy encoders' defaults for `pixels` output pixels (see `encode` for how they were chosen):
 * what `encode` uses when no quality is asked, and what bench/ measures and gives its peers.
 */
export const lossyDefaults = (format: LossyFormat, pixels: number): LossySettings => {
  switch (format) {
    case 'jpeg':
      return { quality: 85 };
    case 'webp':
      return { quality: 80, effort: pixels <= FULL_HD ? 4 : pixels <= 4 * MEGAPIXEL ? 2 : 0 };
    case 'avif':
      return { quality: 50, effort: pixels <= MEGAPIXEL ? 1 : 0, chromaSubsampling: '4:2:0' };
  }
};

export interface EncodeSettings {
  format: OutputFormat;
  quality: number | undefined;
  /** Output pixels across all frames: efforts are chosen by how much there is to encode. */
  pixels: number;
  /** A lossless WebP source stays lossless when re-encoded as WebP without a quality. */
  losslessSource: boolean;
  animation: { loop: number | undefined; delay: number[] | undefined } | undefined;
  metadata: MetadataPolicy;
  /** The original's EXIF block, for the copyright policy. */
  exif: Buffer | undefined;
}

/**
 * The encoder and metadata policy. WebP and AVIF efforts come from bench/encoders.ts: bytes and
 * encode time at equal SSIM (that of our JPEG q85) on a photo, a graphic with text and a logo
 * with alpha, priced per view (egress + Lambda compute, 10 views per render) among settings that
 * encode within 400 ms per megapixel here, since a first view waits for its encode:
 * - WebP: effort 4 takes 1.5–2× effort 2's time for 16–30% fewer bytes at equal quality, and is
 *   the cheapest within the cap (effort 3 saves less, 6 takes 40× as long). → 4 up to 1080p
 *   (≈ 0.25–0.5 s here), 2 up to 4 MP, 0 above (at 12 MP effort 2 takes ≈ 0.67 s, 0 ≈ 0.35 s).
 * - AVIF: effort 1 is 38–40% smaller than 0 at ≈ 2× its time and the cheapest per view, near the
 *   cap; 2 saves 10–20% more at twice again, 4 takes 10 s per megapixel. 4:4:4 is no smaller at
 *   equal quality. → effort 1, 4:2:0 up to 1 MP (a w=800 view ≈ 0.1 s), 0 above.
 * - Qualities stay WebP 80, AVIF 50: the quality reaching JPEG q85's SSIM depends on the content
 *   more than on anything else (WebP: photo 96–99, graphic 68–74, logo 23; AVIF at effort 1:
 *   76 / 47 / 37), and these sit between, as browsers' and CDNs' defaults do.
 * - JPEG: mozjpeg off (≈ 40 ms against ≈ 240 ms for 13% smaller).
 * - GIF: effort 1 halves the time of animations against 4 and 7 at the same size; stills at 4
 *   cost what 1 does.
 */
export const encode = (pipeline: Sharp, settings: EncodeSettings): Sharp => {
  const { format, pixels, animation } = settings;
  const lossy = LOSSY.has(format) ? lossyDefaults(format as LossyFormat, pixels) : undefined;
  const quality = settings.quality ?? lossy?.quality;
  const frames = animation
    ? { loop: animation.loop ?? 0, ...(animation.delay && { delay: animation.delay }) }
    : {};
  let encoded: Sharp;
  switch (format) {
    case 'jpeg':
      encoded = pipeline.jpeg({ quality, mozjpeg: false });
      break;
    case 'png':
      encoded = pipeline.png({ compressionLevel: 6 });
      break;
    case 'webp':
      encoded = pipeline.webp({
        ...(settings.losslessSource && settings.quality === undefined ? { lossless: true } : { quality }),
        effort: lossy?.effort,
        ...frames,
      });
      break;
    case 'avif':
      encoded = pipeline.avif({
        quality,
        effort: lossy?.effort,
        chromaSubsampling: lossy?.chromaSubsampling,
      });
      break;
    case 'gif':
      encoded = pipeline.gif({ effort: animation ? 1 : 4, ...frames });
      break;
  }
  return withMetadata(encoded, settings);
};

const withMetadata = (pipeline: Sharp, { metadata, exif, format }: EncodeSettings): Sharp => {
  if (metadata === 'keep') return pipeline.keepMetadata();
  if (metadata === 'none' || format === 'gif') return pipeline;
  const { kept } = filterCopyright(exif);
  return kept ? pipeline.withExif(kept) : pipeline;
};
