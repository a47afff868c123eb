import { requireAbility } from '#core/caller';
import { authenticator } from '#core/compose/auth';
import { quotas } from '#core/compose/quotas';
import { usageBody } from '#core/http/bodies';
import { credentials } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { json } from '#core/http/response';

/** GET /v1/usage — the team's monthly uploads and storage against its plan, and the way up when full. */
export const handler = httpHandler(async (event) => {
  const caller = requireAbility(await authenticator().authenticate(credentials(event)), 'read');
  const { quota, upgrade } = await quotas().usage(caller.teamId);
  return json(200, usageBody(quota, upgrade));
});
