import { requireAbility } from '#core/caller';
import { authenticator } from '#core/compose/auth';
import { bodies } from '#core/compose/http';
import { management } from '#core/compose/media';
import { credentials } from '#core/http/event';
import { httpHandler } from '#core/http/handler';
import { ListMediaQuery } from '#core/http/requests';
import { json } from '#core/http/response';
import { parseOrThrow } from '#core/validation';

/** GET /v1/media — the team's media, newest first, paginated by an opaque cursor; or `ids=a,b,c`. */
export const handler = httpHandler(async (event) => {
  const caller = requireAbility(await authenticator().authenticate(credentials(event)), 'read');
  const { limit, cursor, ids } = parseOrThrow(ListMediaQuery, event.queryStringParameters ?? {});
  return json(200, bodies().list(await management().list(caller, { limit, cursor, ids })));
});
