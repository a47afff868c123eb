import { createAuthenticator } from '#core/api-keys/auth';
import { createApiKeyRepository } from '#core/api-keys/repository';
import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';

export const authenticator = once(() => createAuthenticator(createApiKeyRepository(platform().table)));
