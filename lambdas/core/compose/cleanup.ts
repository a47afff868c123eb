import { createSweepCursors } from '#core/cleanup/repository';
import { createCleanup } from '#core/cleanup/service';
import { mediaRepository } from '#core/compose/media';
import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { originals } from '#core/compose/storage';
import { createCloudFrontCdn, noCdn } from '#core/platform/cdn';

export const cleanupJob = once(() => {
  const { clock, logger, settings, table } = platform();
  return createCleanup({
    media: mediaRepository(),
    objects: originals(),
    sweeps: createSweepCursors(table),
    cdn: settings.distributionId ? createCloudFrontCdn({ distributionId: settings.distributionId }) : noCdn,
    clock,
    logger,
  });
});
