import { createAuthenticator } from '#core/api-keys/auth';
import { createApiKeyRepository } from '#core/api-keys/repository';
import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { secretSource } from '#core/platform/secrets';

export const authenticator = once(() => {
  const { settings, table, clock } = platform();
  return createAuthenticator(createApiKeyRepository(table), {
    originSecret:
      settings.originSecret &&
      secretSource(settings.originSecret, { region: settings.region, name: 'ORIGIN_SECRET' }),
    nowMs: () => clock.nowMs(),
  });
});
