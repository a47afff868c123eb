import exifReader from 'exif-reader';
import type { Exif } from 'sharp';

/**
 * The EXIF tags the default `metadata=copyright` policy keeps: who made the image and who owns it.
 * Everything else (GPS, camera make/model, serial numbers, timestamps, owner name, the embedded
 * thumbnail) is dropped.
 */
const KEPT_IFD0_TAGS = ['Copyright', 'Artist'] as const;

/**
 * Tags that say nothing about who, where or with what; libvips itself writes most of them. A block
 * holding only these and the kept tags needs no rewrite, which is what makes the policy
 * idempotent (a HEIC converted at ingest is not re-encoded again by the viewer).
 */
const NEUTRAL_TAGS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [
    'Image',
    new Set([
      ...KEPT_IFD0_TAGS,
      'Orientation',
      'XResolution',
      'YResolution',
      'ResolutionUnit',
      'YCbCrPositioning',
      'ExifTag',
    ]),
  ],
  [
    'Photo',
    new Set([
      'ExifVersion',
      'FlashpixVersion',
      'ColorSpace',
      'ComponentsConfiguration',
      'PixelXDimension',
      'PixelYDimension',
    ]),
  ],
]);

export interface CopyrightFilter {
  /** The copyright-type tags, shaped for sharp's `withExif`; undefined when there are none. */
  kept: Exif | undefined;
  /** Whether the block holds anything the policy removes (an unreadable block counts). */
  dropsSomething: boolean;
  /** Whether exif-reader could parse the block at all. */
  readable: boolean;
  /** The EXIF orientation (1 when absent or unreadable): what the pixels need to be upright. */
  orientation: number;
}

/**
 * Applies the copyright policy to an EXIF block as sharp's `metadata().exif` returns it.
 * libvips cannot delete single tags, so dropping the rest means writing a fresh block that holds
 * only `kept`.
 */
export const filterCopyright = (exif: Buffer | undefined): CopyrightFilter => {
  if (!exif) return { kept: undefined, dropsSomething: false, readable: true, orientation: 1 };
  let parsed: ReturnType<typeof exifReader>;
  try {
    parsed = exifReader(exif);
  } catch {
    // A block we cannot read is dropped like the rest of the metadata, not a reason to fail.
    return { kept: undefined, dropsSomething: true, readable: false, orientation: 1 };
  }

  const kept: Record<string, string> = {};
  for (const tag of KEPT_IFD0_TAGS) {
    const value = asText(parsed.Image?.[tag]);
    if (value) kept[tag] = value;
  }
  const { bigEndian: _, ...sections } = parsed;
  const dropsSomething = Object.entries(sections).some(([section, tags]) =>
    Object.keys(tags ?? {}).some((tag) => !NEUTRAL_TAGS.get(section)?.has(tag)),
  );
  const orientation = parsed.Image?.Orientation;
  return {
    kept: Object.keys(kept).length > 0 ? { IFD0: kept } : undefined,
    dropsSomething,
    readable: true,
    orientation: typeof orientation === 'number' && orientation >= 1 && orientation <= 8 ? orientation : 1,
  };
};

/**
 * EXIF separates the photographer's and the editor's copyright with a NUL, which libvips would
 * cut at (it writes C strings); keep both parts, joined visibly.
 */
const asText = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
        .split('\0')
        .map((part) => part.trim())
        .filter(Boolean)
        .join(' / ') || undefined
    : undefined;
