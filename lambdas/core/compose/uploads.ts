import { mediaRepository } from '#core/compose/media';
import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { quotas } from '#core/compose/quotas';
import { originals } from '#core/compose/storage';
import { newMediaId } from '#core/ids';
import { createMediaService } from '#core/media/service';
import { createUploadIntentRepository } from '#core/uploads/intents';
import { createDirectUploads } from '#core/uploads/service';

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

export const directUploads = once(() => {
  const { table, clock } = platform();
  return createDirectUploads({
    intents: createUploadIntentRepository(table),
    objects: originals(),
    media: uploader(),
    quotas: quotas(),
    clock,
    newId: newMediaId,
  });
});
