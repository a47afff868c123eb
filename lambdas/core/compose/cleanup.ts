import { createCleanup } from '#core/cleanup/service';
import { mediaRepository } from '#core/compose/media';
import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { createCloudFrontCdn, noCdn } from '#core/platform/cdn';

export const cleanupJob = once(() => {
  const { objects, clock, logger, settings } = platform();
  return createCleanup({
    media: mediaRepository(),
    objects,
    cdn: settings.distributionId ? createCloudFrontCdn({ distributionId: settings.distributionId }) : noCdn,
    clock,
    logger,
  });
});
