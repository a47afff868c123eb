import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { createS3Client } from '#core/platform/clients';
import { createObjectStore } from '#core/store/object-store';

/** One S3 client per process, for the originals and anything else a function reads from S3. */
export const s3Client = once(() => createS3Client(platform().settings));

/** The originals bucket, for the functions that touch image bytes. */
export const originals = once(() =>
  createObjectStore({ s3: s3Client(), bucket: platform().settings.bucketName }),
);
