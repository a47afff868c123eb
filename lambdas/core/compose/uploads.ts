import { mediaRepository } from '#core/compose/media';
import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { quotas } from '#core/compose/quotas';
import { originals } from '#core/compose/storage';
import { newMediaId } from '#core/ids';
import { createMediaService } from '#core/media/service';
import { createUploadIntentRepository } from '#core/uploads/intents';
import { createDirectUploadCompletions } from '#core/uploads/service';

export const uploader = once(() => {
  const { clock, logger } = platform();
  return createMediaService({
    media: mediaRepository(),
    quotas: quotas(),
    objects: originals(),
    clock,
    newId: newMediaId,
    logger,
  });
});

/** Starting a direct upload is composed apart (compose/direct-uploads.ts): it stores no media. */
export const directUploadCompletions = once(() => {
  const { table, clock } = platform();
  return createDirectUploadCompletions({
    intents: createUploadIntentRepository(table),
    objects: originals(),
    media: uploader(),
    quotas: quotas(),
    clock,
  });
});
