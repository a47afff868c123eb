import type { Caller } from '#core/caller';
import { type Deadline, leavingTime, NO_DEADLINE } from '#core/deadline';
import { DomainError, invalidInput } from '#core/errors';
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
  async importFrom(
    caller: Caller,
    admission: Admission,
    request: { url: string; fields: UploadFields },
    deadline: Deadline = NO_DEADLINE,
  ) {
    // The fetch gives up in time to answer 504 fetch_failed rather than be cut off by the platform.
    const limit = leavingTime(deadline, STORING_RESERVE_MS);
    const file = await fetchImage(request.url, admission.plan.maxFileBytes, limit);
    try {
      return await media.upload(caller, admission, { file, fields: request.fields }, { deadline });
    } catch (error) {
      throw onUrl(error);
    }
  },
});

/**
 * What a fetched file needs after the fetch: decode, store the original, commit. Of a 29 s function
 * that leaves the fetch ~23 s, within the contract's 30 s.
 */
const STORING_RESERVE_MS = 5000;

/** What an upload says of its file is, for an import, said of the url it came from. */
const onUrl = (error: unknown) => {
  const errors =
    error instanceof DomainError && error.kind === 'invalid_input' ? error.details.errors : undefined;
  if (!errors?.file || !(error instanceof Error)) return error;
  const { file, ...rest } = errors;
  return invalidInput({ ...rest, url: file }, error.message);
};
