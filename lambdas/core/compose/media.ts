import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { createMediaManagement } from '#core/media/management';
import { createMediaReader } from '#core/media/reader';
import { createMediaRepository } from '#core/media/repository';

export const mediaRepository = once(() => createMediaRepository(platform().table));

export const mediaReader = once(() => {
  const { clock } = platform();
  return createMediaReader({ media: mediaRepository(), clock });
});

export const management = once(() => {
  const { clock, settings } = platform();
  return createMediaManagement({
    media: mediaRepository(),
    clock,
    deletedRetentionSeconds: settings.deletedRetentionSeconds,
  });
});
