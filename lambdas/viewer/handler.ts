import { ANONYMOUS } from '#core/api-keys/auth';
import { notFound } from '#core/errors';
import { httpHandler } from '#core/http/handler';
import { bytes } from '#core/http/response';
import { isMediaId } from '#core/ids';
import { prepareForViewing } from '#core/images/viewing';
import { logger } from '#core/platform/logger';
import { services } from '#core/services';

/** SVG is served as an image, never as a document that could run script on our origin. */
const SVG_HEADERS = { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox" };
const DAY = 86_400;

/**
 * GET /<id> — the viewer link: the stored image with the default metadata policy (GPS and device
 * EXIF removed, copyright kept). Only public, live media are served; everything else is a 404.
 */
export const handler = httpHandler(async (event) => {
  const { media, objects } = services();
  const id = event.rawPath.slice(1);
  if (!isMediaId(id)) throw notFound('Image not found.');
  const found = await media.get(ANONYMOUS, id);
  const original = await objects.get(found.objectKey);
  if (!original) {
    logger.error('original missing for live media', { media_id: found.id });
    throw notFound('Image not found.');
  }
  const view = await prepareForViewing(original, found.contentType);
  return bytes(200, view.body, {
    'content-type': view.contentType,
    'cache-control': `public, max-age=${cacheSeconds(found.expiresAt)}`,
    ...(view.contentType === 'image/svg+xml' && SVG_HEADERS),
  });
});

/** A day at most, and never past the media's own expiry. */
const cacheSeconds = (expiresAt: number | undefined): number =>
  expiresAt === undefined ? DAY : Math.max(0, Math.min(DAY, expiresAt - Math.floor(Date.now() / 1000)));
