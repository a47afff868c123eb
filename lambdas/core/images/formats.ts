/** The image formats an upload may be in, named after what the bytes are (HEIC included). */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'avif' | 'heic' | 'svg' | 'bmp' | 'ico';

export interface StoredFormat {
  /** Extension of the stored original, as reported by the API (`extension`). */
  readonly extension: string;
  /** Content type the original is served with. */
  readonly contentType: string;
  /** Name shown to people in error messages. */
  readonly label: string;
}

/**
 * How each accepted format is stored. HEIC is the odd one out: browsers cannot show it, so it is
 * converted to JPEG at ingest and stored as `jpg` (the extension img.pro reports for it).
 */
export const IMAGE_FORMATS: Readonly<Record<ImageFormat, StoredFormat>> = {
  jpeg: { extension: 'jpeg', contentType: 'image/jpeg', label: 'JPEG' },
  png: { extension: 'png', contentType: 'image/png', label: 'PNG' },
  gif: { extension: 'gif', contentType: 'image/gif', label: 'GIF' },
  webp: { extension: 'webp', contentType: 'image/webp', label: 'WebP' },
  avif: { extension: 'avif', contentType: 'image/avif', label: 'AVIF' },
  heic: { extension: 'jpg', contentType: 'image/jpeg', label: 'HEIC' },
  svg: { extension: 'svg', contentType: 'image/svg+xml', label: 'SVG' },
  bmp: { extension: 'bmp', contentType: 'image/bmp', label: 'BMP' },
  ico: { extension: 'ico', contentType: 'image/x-icon', label: 'ICO' },
};

/** "JPEG, PNG, …" in the order of the API reference. */
export const ACCEPTED_FORMATS = Object.values(IMAGE_FORMATS)
  .map((format) => format.label)
  .join(', ');

const CONTENT_TYPE_BY_EXTENSION: ReadonlyMap<string, string> = new Map(
  Object.values(IMAGE_FORMATS).map((format) => [format.extension, format.contentType]),
);

/** The format served with `contentType` (JPEG for image/jpeg, whatever the upload was), if any. */
export const formatOfContentType = (contentType: string): ImageFormat | undefined =>
  (Object.keys(IMAGE_FORMATS) as ImageFormat[]).find(
    (format) => IMAGE_FORMATS[format].contentType === contentType,
  );

/** Content type for a stored extension, or undefined when nothing we store has that extension. */
export const contentTypeForExtension = (extension: string): string | undefined =>
  CONTENT_TYPE_BY_EXTENSION.get(extension.toLowerCase());
