import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { createS3Client } from '#core/platform/clients';
import { createObjectStore } from '#core/store/object-store';

/** The originals bucket, for the functions that touch image bytes. */
export const originals = once(() => {
  const { settings } = platform();
  return createObjectStore({ s3: createS3Client(settings), bucket: settings.bucketName });
});
