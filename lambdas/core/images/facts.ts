import { encode as encodeBlurhash } from 'blurhash';
import { parse as parseIcc } from 'icc';
import type { Metadata, Sharp } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import type { RgbaPixels } from './rgba.ts';
import { sharp } from './sharp.ts';

/**
 * What a page wants to know about an image before its bytes arrive, computed once at ingest from
 * the small thumbnail the ingest decode makes anyway (see raster.ts): a placeholder to paint, the
 * colours to fill with, and the facts that decide how to show it.
 */
export interface ImageFacts {
  /** Undefined only for an SVG too costly to render even as a thumbnail at ingest. */
  placeholder: Placeholder | undefined;
  /** Some pixel is not fully opaque (at thumbnail scale; without one, whether there is an alpha channel). */
  hasAlpha: boolean;
  /** Frames of an animation; 1 for a still image. */
  frames: number;
  /**
   * The colour space pixels are in: the embedded ICC profile's name when there is one (e.g.
   * "Display P3"), else libvips' interpretation ("srgb", "cmyk", "b-w").
   */
  colorSpace: string;
}

export interface Placeholder {
  /** ThumbHash, base64: alpha and aspect ratio included, about 25 bytes. */
  thumbhash: string;
  /** BlurHash (4×3 components): what Mastodon, expo-image and react-native-blurhash take. */
  blurhash: string;
  /** `#rrggbb`: the most common colour, transparent pixels not counted. */
  dominantColor: string;
  /** `#rrggbb`: the mean colour, weighted by opacity. */
  averageColor: string;
}

/** A thumbnail as ingest makes it: 8-bit RGBA, at most THUMBNAIL_SIDE on its longer side. */
export interface Thumbnail {
  data: Uint8Array;
  width: number;
  height: number;
}

/** ThumbHash takes at most 100×100; 64 keeps every other computation here under a millisecond. */
export const THUMBNAIL_SIDE = 64;

/**
 * `pipeline` (a decode of the whole image, which is what validates it) shrunk to a thumbnail. Of
 * an animation (`frames` > 1, decoded frame by frame), the first frame.
 */
export const toThumbnail = async (pipeline: Sharp, frames = 1): Promise<Thumbnail> => {
  const { data, info } = await pipeline
    .resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const height = Math.max(1, Math.floor(info.height / frames));
  return { data: data.subarray(0, info.width * height * 4), width: info.width, height };
};

/** Decoded pixels (BMP, ICO, HEIC) as a thumbnail. */
export const thumbnailOfPixels = ({ width, height, data }: RgbaPixels): Promise<Thumbnail> =>
  toThumbnail(sharp(data, { raw: { width, height, channels: 4 } }));

export const imageFacts = (
  thumbnail: Thumbnail | undefined,
  source: { frames: number; colorSpace: string; alphaChannel: boolean },
): ImageFacts => ({
  placeholder: thumbnail && placeholderOf(thumbnail),
  hasAlpha: thumbnail
    ? thumbnail.data.some((value, index) => index % 4 === 3 && value < 255)
    : source.alphaChannel,
  frames: source.frames,
  colorSpace: source.colorSpace,
});

const placeholderOf = (thumbnail: Thumbnail): Placeholder => {
  const { data, width, height } = thumbnail;
  // BlurHash weighs every pixel against each of its 12 components (4 ms at 64 px here, a quarter of
  // that at 32): its 4×3 components cannot tell the two apart.
  const half = halved(thumbnail);
  return {
    thumbhash: Buffer.from(rgbaToThumbHash(width, height, data)).toString('base64'),
    blurhash: encodeBlurhash(
      new Uint8ClampedArray(half.data.buffer, half.data.byteOffset, half.data.byteLength),
      half.width,
      half.height,
      4,
      3,
    ),
    dominantColor: hex(dominant(data)),
    averageColor: hex(average(data)),
  };
};

/** Half the size each way, each pixel the mean of the (up to) four it covers. */
const halved = ({ data, width, height }: Thumbnail): Thumbnail => {
  const [w, h] = [Math.ceil(width / 2), Math.ceil(height / 2)];
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sum = [0, 0, 0, 0];
      let count = 0;
      for (let dy = 0; dy < 2 && 2 * y + dy < height; dy++) {
        for (let dx = 0; dx < 2 && 2 * x + dx < width; dx++) {
          const at = ((2 * y + dy) * width + 2 * x + dx) * 4;
          for (let band = 0; band < 4; band++)
            sum[band] = (sum[band] as number) + (data[at + band] as number);
          count++;
        }
      }
      for (let band = 0; band < 4; band++)
        out[(y * w + x) * 4 + band] = Math.round((sum[band] as number) / count);
    }
  }
  return { data: out, width: w, height: h };
};

/**
 * The facts of an image read from its header alone, without a placeholder: for an original stored
 * under earlier limits that ingest would refuse today (drawing it could cost more than the render
 * budget allows).
 */
export const headerFacts = async (bytes: Uint8Array): Promise<ImageFacts> => {
  const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  return imageFacts(undefined, {
    // Only GIF and WebP are served animated (raster.ts counts frames the same way).
    frames: metadata.format === 'gif' || metadata.format === 'webp' ? (metadata.pages ?? 1) : 1,
    colorSpace: colorSpaceOf(metadata),
    alphaChannel: metadata.hasAlpha,
  });
};

/** The colour space `metadata` describes (see ImageFacts.colorSpace). */
export const colorSpaceOf = (metadata: Pick<Metadata, 'icc' | 'space'>): string => {
  if (metadata.icc) {
    try {
      const description = parseIcc(metadata.icc).description?.trim();
      if (description) return description.slice(0, 100);
    } catch {
      // An unreadable profile says nothing; libvips' interpretation still does.
    }
  }
  return metadata.space ?? 'srgb';
};

type Rgb = readonly [number, number, number];

/** Opacity-weighted mean: a logo on a transparent background is the logo's colour, not black. */
const average = (rgba: Uint8Array): Rgb => {
  const sum = [0, 0, 0];
  let weight = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    const alpha = rgba[i + 3] as number;
    for (let band = 0; band < 3; band++)
      sum[band] = (sum[band] as number) + (rgba[i + band] as number) * alpha;
    weight += alpha;
  }
  if (weight === 0) return [0, 0, 0];
  return [(sum[0] as number) / weight, (sum[1] as number) / weight, (sum[2] as number) / weight];
};

/**
 * The mean of the most populous cell of a 16×16×16 RGB grid, cells weighted by opacity. libvips'
 * own `dominant` statistic counts transparent pixels (usually black) like any other.
 */
const dominant = (rgba: Uint8Array): Rgb => {
  const cells = new Map<number, { weight: number; sum: [number, number, number] }>();
  let best: { weight: number; sum: [number, number, number] } | undefined;
  for (let i = 0; i < rgba.length; i += 4) {
    const [r, g, b, alpha] = [
      rgba[i] as number,
      rgba[i + 1] as number,
      rgba[i + 2] as number,
      rgba[i + 3] as number,
    ];
    if (alpha === 0) continue;
    const key = ((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4);
    let cell = cells.get(key);
    if (!cell) {
      cell = { weight: 0, sum: [0, 0, 0] };
      cells.set(key, cell);
    }
    cell.weight += alpha;
    cell.sum[0] += r * alpha;
    cell.sum[1] += g * alpha;
    cell.sum[2] += b * alpha;
    if (!best || cell.weight > best.weight) best = cell;
  }
  if (!best) return [0, 0, 0];
  return [best.sum[0] / best.weight, best.sum[1] / best.weight, best.sum[2] / best.weight];
};

const hex = (rgb: Rgb): string =>
  `#${rgb.map((value) => Math.round(value).toString(16).padStart(2, '0')).join('')}`;
