import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { createMediaManagement } from '#core/media/management';
import { createMediaReader } from '#core/media/reader';
import { createMediaRepository } from '#core/media/repository';

export const mediaRepository = once(() => createMediaRepository(platform().table));

export const mediaReader = once(() => {
  const { clock, settings } = platform();
  return createMediaReader({ media: mediaRepository(), clock, publicBaseUrl: settings.publicBaseUrl });
});

export const management = once(() => {
  const { clock, settings } = platform();
  return createMediaManagement({
    media: mediaRepository(),
    clock,
    publicBaseUrl: settings.publicBaseUrl,
    deletedRetentionSeconds: settings.deletedRetentionSeconds,
  });
});
