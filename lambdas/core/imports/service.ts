import type { Caller } from '#core/caller';
import { AppError, validationError } from '#core/errors';
import type { ImageFetcher } from '#core/imports/fetch-image';
import type { UploadFields } from '#core/media/fields';
import type { MediaService } from '#core/media/service';
import type { Admission } from '#core/quotas/service';

/**
 * Import from a URL: fetch the bytes safely, then store them exactly as an upload (same checks,
 * quotas, rate limits and transaction). Problems with the fetched file are reported on `url`,
 * the field the caller gave, rather than on a `file` they never sent.
 */
export const createImportService = ({
  fetchImage,
  media,
}: {
  fetchImage: ImageFetcher;
  media: MediaService;
}) => ({
  async importFrom(caller: Caller, admission: Admission, request: { url: string; fields: UploadFields }) {
    const file = await fetchImage(request.url, admission.plan.maxFileBytes);
    try {
      return await media.upload(caller, admission, { file, fields: request.fields });
    } catch (error) {
      throw onUrl(error);
    }
  },
});

const onUrl = (error: unknown) => {
  if (!(error instanceof AppError) || error.code !== 'validation_error' || !error.errors?.file) return error;
  const { file, ...rest } = error.errors;
  return validationError({ ...rest, url: file }, error.message);
};
