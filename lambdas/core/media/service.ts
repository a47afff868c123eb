import type { Caller } from '#core/caller';
import { type Clock, unixSeconds } from '#core/clock';
import { type Deadline, NO_DEADLINE } from '#core/deadline';
import { fieldError } from '#core/errors';
import { IMAGE_FORMATS, type ImageFormat } from '#core/images/formats';
import { ingestImage } from '#core/images/ingest';
import { IMAGE_LIMITS } from '#core/images/limits';
import { ImageRejected } from '#core/images/rejected';
import { sniffFormat } from '#core/images/sniff';
import { fileTooLarge, type UploadFields } from '#core/media/fields';
import type { Media } from '#core/media/media';
import type { MediaRepository } from '#core/media/repository';
import { LimitReached } from '#core/quotas/limits';
import type { Admission, Counted, QuotaService } from '#core/quotas/service';
import type { QuotaState } from '#core/quotas/state';
import { type ObjectStore, originalKey } from '#core/store/object-store';

export interface MediaServiceDeps {
  media: MediaRepository;
  quotas: QuotaService;
  objects: ObjectStore;
  clock: Clock;
  newId: () => string;
  logger: { warn(message: string, extra: Record<string, unknown>): void };
}

export interface NewUpload {
  file: { bytes: Uint8Array; tooLarge: boolean } | undefined;
  fields: UploadFields;
}

export const createMediaService = (deps: MediaServiceDeps) => {
  const { media: repository, objects, clock } = deps;

  /**
   * Stores an upload: validate the bytes, write the original, count the upload against the
   * admission's monthly quota or rate limits (atomically, so concurrent uploads never overshoot
   * them and each learns its own place), then commit the item with the team's storage counters in
   * one transaction, which enforces the storage quota. If counting or the transaction fails, the
   * count is given back and the original removed, so a failed upload leaves nothing behind. The
   * answer's quota state is the one this upload's own count produced.
   */
  const upload = async (
    caller: Caller,
    admission: Admission,
    { file, fields }: NewUpload,
    options: { completesUpload?: string; deadline?: Deadline } = {},
  ): Promise<{ media: Media; quota: QuotaState }> => {
    const { plan } = admission;
    if (!file || file.bytes.length === 0) throw fieldError('file', 'A non-empty image file is required.');
    if (file.tooLarge) throw fileTooLarge('file', plan.maxFileBytes);
    const format = await sniffFormat(file.bytes);
    if (format === 'svg' && file.bytes.length > plan.maxSvgBytes)
      throw fileTooLarge('file', plan.maxSvgBytes, 'SVG files');
    if (caller.kind === 'anonymous') refuseTeamOnlyFields(fields);

    const id = deps.newId();
    const image = await validateWhileStoring(originalKey(id), file.bytes, format);
    const createdAtMs = clock.nowMs();
    const record: Media = {
      id,
      teamId: caller.kind === 'key' ? caller.teamId : undefined,
      extension: image.extension,
      contentType: image.contentType,
      width: image.width,
      height: image.height,
      filesize: image.body.byteLength,
      facts: image.facts,
      caption: fields.caption,
      attribution: fields.attribution,
      public: fields.public,
      keepMetadata: fields.keepMetadata,
      externalId: fields.externalId,
      createdAtMs,
      expiresAt: expiryOf(createdAtMs, fields.ttlSeconds, plan.retentionSeconds),
      deletedAt: undefined,
      objectKey: originalKey(id),
    };

    let counted: Counted | undefined;
    try {
      // Committing is the one step that cannot be taken back: only with time left to say so.
      refuseWithoutTimeToAnswer(options.deadline ?? NO_DEADLINE);
      counted = await deps.quotas.count(admission);
      await repository.create(record, {
        uploadId: options.completesUpload,
        ...(admission.kind === 'team' && { storageLimit: plan.storageBytes }),
      });
    } catch (error) {
      await counted
        ?.giveBack()
        .catch((countError: unknown) =>
          deps.logger.warn('upload counted but not stored', { media_id: id, countError }),
        );
      await objects
        .delete(record.objectKey)
        .catch((cleanupError: unknown) =>
          deps.logger.warn('orphaned original after failed upload', { key: record.objectKey, cleanupError }),
        );
      if (error instanceof LimitReached) throw await deps.quotas.refusalAfterRace(admission, error.limits);
      throw error;
    }
    return { media: record, quota: counted.state(record.filesize) };
  };

  /**
   * The image, fully decoded, and its original stored. Files stored as sent (all but HEIC) are
   * written to S3 while they are decoded — the two slowest steps of an upload overlap — and removed
   * again if they turn out not to be an image.
   */
  const validateWhileStoring = async (key: string, bytes: Uint8Array, format: ImageFormat | undefined) => {
    if (format === undefined || format === 'heic') {
      const image = await ingest(bytes);
      await objects.put(key, image.body, image.contentType);
      return image;
    }
    const storing = objects.put(key, bytes, IMAGE_FORMATS[format].contentType);
    // Observed at once: a failed write while the decode is still running must not crash the process.
    storing.catch(() => undefined);
    try {
      const image = await ingest(bytes);
      await storing;
      return image;
    } catch (error) {
      await storing.then(
        () => objects.delete(key),
        () => undefined,
      );
      throw error;
    }
  };

  return { upload };
};
export type MediaService = ReturnType<typeof createMediaService>;

/** The least time left in which an upload still commits: its transaction and the answer, with margin. */
const COMMIT_RESERVE_MS = 2000;

const refuseWithoutTimeToAnswer = (deadline: Deadline) => {
  deadline.signal.throwIfAborted();
  if (deadline.remainingMs() < COMMIT_RESERVE_MS)
    throw new Error('Too little time left to commit the upload.');
};

/** The image as ingest accepts it; what it refuses is a problem with the upload's `file`. */
const ingest = (bytes: Uint8Array) =>
  ingestImage(bytes, IMAGE_LIMITS).catch((error: unknown) => {
    throw error instanceof ImageRejected ? fieldError('file', error.message) : error;
  });

/** Anonymous media belong to no team: nothing could ever see them private or look up their external id. */
const refuseTeamOnlyFields = (fields: UploadFields) => {
  if (!fields.public) throw fieldError('public', 'Anonymous uploads are always public; use an API key.');
  if (fields.externalId !== undefined) throw fieldError('external_id', 'external_id requires an API key.');
};

/** A ttl asked for is honoured, but never beyond the plan's retention (30 days for anonymous uploads). */
const expiryOf = (
  createdAtMs: number,
  ttlSeconds: number | undefined,
  retentionSeconds: number | undefined,
) => {
  const lifetimes = [ttlSeconds, retentionSeconds].filter((seconds) => seconds !== undefined);
  return lifetimes.length === 0 ? undefined : unixSeconds(createdAtMs) + Math.min(...lifetimes);
};
