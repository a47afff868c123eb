import { createApiKeyRepository } from '#core/api-keys/repository';
import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { createQuotaRepository } from '#core/quotas/repository';
import { createRegistration } from '#core/registration/service';
import { createTeamRepository } from '#core/teams/repository';

export const registration = once(() => {
  const { table, clock, settings } = platform();
  const contact = settings.operatorContact;
  return createRegistration({
    teams: createTeamRepository(table),
    apiKeys: createApiKeyRepository(table),
    quotas: createQuotaRepository(table),
    clock,
    settings: {
      ...settings.registration,
      closedAction: contact
        ? {
            type: 'contact',
            label: `Ask the operator for an API key: ${contact}`,
            url: contact.includes('@') && !contact.includes('://') ? `mailto:${contact}` : contact,
          }
        : { type: 'contact', label: 'Ask the operator of this service for an API key.' },
    },
  });
});
