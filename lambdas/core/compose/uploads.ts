import { mediaRepository } from '#core/compose/media';
import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { newMediaId } from '#core/ids';
import { createMediaService } from '#core/media/service';
import { secretSource } from '#core/platform/secrets';
import { createQuotaRepository } from '#core/quotas/repository';
import { createQuotaService } from '#core/quotas/service';
import { createTeamRepository } from '#core/teams/repository';
import { createUploadIntentRepository } from '#core/uploads/intents';
import { createDirectUploads } from '#core/uploads/service';

export const quotas = once(() => {
  const { table, clock, settings } = platform();
  return createQuotaService({
    teams: createTeamRepository(table),
    quotas: createQuotaRepository(table),
    clock,
    plans: settings.plans,
    anonymousRateLimits: settings.anonymousRateLimits,
    upgrade: {
      url: settings.upgradeUrl,
      secret: secretSource(settings.upgradeLinkSecret, {
        region: settings.region,
        name: 'UPGRADE_LINK_SECRET',
      }),
    },
  });
});

export const uploader = once(() => {
  const { objects, clock, logger, settings } = platform();
  return createMediaService({
    media: mediaRepository(),
    quotas: quotas(),
    objects,
    clock,
    newId: newMediaId,
    logger,
    publicBaseUrl: settings.publicBaseUrl,
    signupUrl: settings.signupUrl,
  });
});

export const directUploads = once(() => {
  const { table, objects, clock } = platform();
  return createDirectUploads({
    intents: createUploadIntentRepository(table),
    objects,
    media: uploader(),
    quotas: quotas(),
    clock,
    newId: newMediaId,
  });
});
