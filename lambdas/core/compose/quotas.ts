import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { secretSource } from '#core/platform/secrets';
import { createQuotaRepository } from '#core/quotas/repository';
import { createQuotaService } from '#core/quotas/service';
import { createTeamRepository } from '#core/teams/repository';

export const quotas = once(() => {
  const { table, clock, settings } = platform();
  return createQuotaService({
    teams: createTeamRepository(table),
    quotas: createQuotaRepository(table),
    clock,
    plans: settings.plans,
    anonymousRateLimits: settings.anonymousRateLimits,
    operatorContact: settings.operatorContact,
    upgrade: {
      url: settings.upgradeUrl,
      secret: secretSource(settings.upgradeLinkSecret, {
        region: settings.region,
        name: 'UPGRADE_LINK_SECRET',
      }),
    },
  });
});
