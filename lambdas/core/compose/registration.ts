import { createApiKeyRepository } from '#core/api-keys/repository';
import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { contactAction } from '#core/errors';
import { createQuotaRepository } from '#core/quotas/repository';
import { createRegistration } from '#core/registration/service';
import { createTeamRepository } from '#core/teams/repository';

export const registration = once(() => {
  const { table, clock, settings } = platform();
  return createRegistration({
    teams: createTeamRepository(table),
    apiKeys: createApiKeyRepository(table),
    quotas: createQuotaRepository(table),
    clock,
    settings: {
      ...settings.registration,
      closedAction: contactAction(settings.operatorContact, 'an API key'),
    },
  });
});
