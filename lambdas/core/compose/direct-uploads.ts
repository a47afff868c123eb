import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { quotas } from '#core/compose/quotas';
import { originals } from '#core/compose/storage';
import { newMediaId } from '#core/ids';
import { createUploadIntentRepository } from '#core/uploads/intents';
import { createDirectUploadStarts } from '#core/uploads/service';

/**
 * Starting a direct upload: an intent and a presigned POST. Apart from the completion's root
 * (compose/uploads.ts) so that its function's import graph never reaches the media service's image
 * code, and its cold start loads neither sharp nor the decoders (bench/RESULTS.md, "Cold start").
 */
export const directUploadStarts = once(() => {
  const { table, clock } = platform();
  return createDirectUploadStarts({
    intents: createUploadIntentRepository(table),
    objects: originals(),
    quotas: quotas(),
    clock,
    newId: newMediaId,
  });
});
