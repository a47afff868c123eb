import { inspectBmp } from './bmp.ts';
import { type ImageFacts, imageFacts } from './facts.ts';
import { ACCEPTED_FORMATS, IMAGE_FORMATS, type ImageFormat } from './formats.ts';
import { convertHeic } from './heic.ts';
import { inspectIco } from './ico.ts';
import type { ImageLimits } from './limits.ts';
import { inspectRaster } from './raster.ts';
import { ImageRejected } from './rejected.ts';
import { sniffFormat } from './sniff.ts';

export type { ImageLimits } from './limits.ts';

export interface IngestedImage {
  /** What the upload was (HEIC stays 'heic' although the body is JPEG). */
  format: ImageFormat;
  /** Extension and content type of `body`, as stored and served. */
  extension: string;
  contentType: string;
  /** Display size: EXIF orientation applied; one frame of an animation. */
  width: number;
  height: number;
  /** The bytes to store: the upload unchanged, except HEIC, which becomes a JPEG. */
  body: Uint8Array;
  /** Placeholder and facts, from the same decode that validated the image. */
  facts: ImageFacts;
}

/**
 * Accepts an uploaded image or throws ImageRejected saying why not: a format we do not take,
 * dimensions beyond `limits`, or data that does not decode. The format
 * is judged from the bytes, and the image is decoded in full before it is accepted, so nothing
 * stored can fail to render later.
 */
export const ingestImage = async (bytes: Uint8Array, limits: ImageLimits): Promise<IngestedImage> => {
  const format = await sniffFormat(bytes);
  if (!format) throw new ImageRejected(`Unsupported image format. Accepted formats: ${ACCEPTED_FORMATS}.`);
  const { extension, contentType } = IMAGE_FORMATS[format];
  try {
    const { width, height, body, thumbnail, ...source } = await decode(bytes, format, limits);
    return { format, extension, contentType, width, height, body, facts: imageFacts(thumbnail, source) };
  } catch (error) {
    if (error instanceof ImageRejected) throw error;
    // Whatever a decoder throws on bad input (its messages are not ours to show or to parse).
    throw new ImageRejected('The image data is corrupt or truncated.', { cause: error });
  }
};

const decode = async (bytes: Uint8Array, format: ImageFormat, limits: ImageLimits) => {
  switch (format) {
    case 'heic':
      return convertHeic(bytes, limits);
    case 'bmp':
      return { ...(await inspectBmp(bytes, limits)), body: bytes };
    case 'ico':
      return { ...(await inspectIco(bytes, limits)), body: bytes };
    default:
      return { ...(await inspectRaster(bytes, format, limits)), body: bytes };
  }
};
