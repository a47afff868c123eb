import { requireAbility } from '#core/api-keys/auth';
import { credentials } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { json } from '#core/http/response';
import { services } from '#core/services';

/** GET /v1/usage — the team's monthly uploads and storage against its plan. */
export const handler = httpHandler(async (event) => {
  const { auth, quotas } = services();
  const caller = requireAbility(await auth.authenticate(credentials(event)), 'read');
  return json(200, await quotas.usage(caller.teamId));
});
