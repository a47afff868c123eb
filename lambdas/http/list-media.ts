import { requireAbility } from '#core/api-keys/auth';
import { credentials } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { json } from '#core/http/response';
import { ListQuery } from '#core/media/fields';
import { services } from '#core/services';
import { parseOrThrow } from '#core/validation';

/** GET /v1/media — the team's media, newest first, paginated by an opaque cursor; or `ids=a,b,c`. */
export const handler = httpHandler(async (event) => {
  const { auth, management } = services();
  const caller = requireAbility(await auth.authenticate(credentials(event)), 'read');
  const { limit, cursor, ids } = parseOrThrow(ListQuery, event.queryStringParameters ?? {});
  return json(200, await management.list(caller, { limit, cursor, ids }));
});
