import type { Caller } from '#core/caller';
import { type Clock, unixSeconds } from '#core/clock';
import type { Deadline } from '#core/deadline';
import { DomainError, fieldError, notFound } from '#core/errors';
import { fileTooLarge, type UploadFields } from '#core/media/fields';
import type { MediaService } from '#core/media/service';
import type { QuotaService } from '#core/quotas/service';
import { incomingKey, type ObjectStore } from '#core/store/object-store';
import type { UploadIntent, UploadIntentRepository } from '#core/uploads/intents';

export interface DirectUploadDeps {
  intents: UploadIntentRepository;
  objects: ObjectStore;
  quotas: QuotaService;
  clock: Clock;
  newId: () => string;
}

/** Completion stores media; starting needs none of the image code that takes (nor its cold start). */
export interface DirectUploadCompletionDeps extends Omit<DirectUploadDeps, 'newId'> {
  media: MediaService;
}

/** Time a client has to send the file and call complete. */
export const DIRECT_UPLOAD_SECONDS = 3_600;

const ownerOf = (caller: Caller): UploadIntent['owner'] =>
  caller.kind === 'key' ? { teamId: caller.teamId } : { client: caller.client };

/** Only who started an upload may complete it: the same team, or the same anonymous address. */
const startedBy = ({ owner }: UploadIntent, caller: Caller): boolean =>
  'teamId' in owner
    ? caller.kind === 'key' && caller.teamId === owner.teamId
    : caller.kind === 'anonymous' && caller.client === owner.client;

/**
 * Uploads too large for a Lambda request (≈ 6 MB on AWS): the client gets a presigned S3 POST that
 * accepts exactly the declared size, sends the file straight to S3, then asks us to complete it.
 * Completion applies every check of `POST /v1/upload` to the object and stores it the same way; the
 * intent is consumed in the media transaction, so an upload completes at most once.
 *
 * An intent lets its caller put a file in our bucket, so it counts against the monthly quota or
 * the anonymous rate limits when it is created, and completing it does not count again. An intent
 * never completed keeps its count: giving it back at expiry would let anyone park files without
 * limit, one hour's worth at a time.
 */
export const createDirectUploadStarts = ({ intents, objects, quotas, clock, newId }: DirectUploadDeps) => {
  const start = async (caller: Caller, request: { size: number; fields: UploadFields }) => {
    const admission = await quotas.admit(caller);
    if (request.size > admission.plan.maxFileBytes) {
      throw fileTooLarge('size', admission.plan.maxFileBytes);
    }
    const counted = await quotas.count(admission);
    const uploadId = newId();
    const expiresAt = unixSeconds(clock.nowMs()) + DIRECT_UPLOAD_SECONDS;
    try {
      await intents.create({
        uploadId,
        owner: ownerOf(caller),
        size: request.size,
        fields: request.fields,
        expiresAt,
      });
      const post = await objects.presignPost(incomingKey(uploadId), {
        size: request.size,
        expiresInSeconds: DIRECT_UPLOAD_SECONDS,
      });
      return { uploadId, post, expiresAt, quota: counted.state() };
    } catch (error) {
      // The caller never learns the upload id, so has nothing it could complete: nothing to count.
      await counted.giveBack().catch(() => undefined);
      throw error;
    }
  };

  return { start };
};

export const createDirectUploadCompletions = ({
  intents,
  objects,
  media,
  quotas,
  clock,
}: DirectUploadCompletionDeps) => {
  const complete = async (caller: Caller, uploadId: string, deadline?: Deadline) => {
    const intent = await intents.get(uploadId);
    if (!intent || intent.expiresAt <= unixSeconds(clock.nowMs()) || !startedBy(intent, caller)) {
      throw notFound('Upload not found.');
    }
    // Counted when the intent was created: only storage can refuse it now.
    const admission = await quotas.admitCounted(caller);
    const key = incomingKey(uploadId);
    const bytes = await objects.get(key);
    if (!bytes)
      throw fieldError('file', 'The file has not been uploaded yet; send it to the upload URL first.');
    let stored: Awaited<ReturnType<MediaService['upload']>>;
    try {
      if (bytes.length !== intent.size) {
        throw fieldError(
          'file',
          `The uploaded file has ${bytes.length} bytes, not the ${intent.size} declared.`,
        );
      }
      const file = { bytes, tooLarge: bytes.length > admission.plan.maxFileBytes };
      stored = await media.upload(
        caller,
        admission,
        { file, fields: intent.fields },
        { completesUpload: uploadId, deadline },
      );
    } catch (error) {
      // A file that can never become media goes now; after any other failure it stays for a retry.
      if (error instanceof DomainError && error.kind === 'invalid_input') await objects.delete(key);
      throw error;
    }
    // Stored under its own key by the upload: the incoming copy is no longer needed.
    await objects.delete(key).catch(() => undefined);
    return stored;
  };

  return { complete };
};
